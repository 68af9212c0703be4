import type { GatewayError } from '../core/errors.ts';
import type { ChatRequest, ChatResponse, DialectName, StreamFrame, Usage } from '../core/ir.ts';

/** One server-sent event as parsed off the wire (`event:` is absent for OpenAI-style streams). */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Turns one upstream stream into IR frames. Stateful (block indexes, tool-call numbering), one per stream. */
export interface StreamDecoder {
  /** Decodes one upstream event; returns undefined for events that carry nothing (pings, `[DONE]`). */
  push(event: SseEvent): StreamFrame | undefined;
}

export interface StreamEncoderOptions {
  /** The request as the client sent it (model name to echo, include_usage, ...). */
  request: ChatRequest;
  /**
   * Extra fields the gateway adds beside `usage` in the final usage event (e.g. the request's cost),
   * so clients that know them can read them and SDKs that do not ignore them.
   */
  usageExtension?: (usage: Usage) => Record<string, unknown> | undefined;
}

/** Turns IR frames into the client's wire format. Returns ready-to-write SSE text ('' when nothing). */
export interface StreamEncoder {
  encode(frame: StreamFrame): string;
  /** The stream ended normally: whatever the dialect sends last (OpenAI: `data: [DONE]`). */
  end(): string;
  /** The stream failed after it started: an error event in the dialect's own shape. */
  error(error: GatewayError): string;
}

/** A wire format's pure codecs. Decoders throw GatewayError('invalid_request') naming the field at fault. */
export interface ChatDialect {
  readonly name: DialectName;
  /** Client body -> IR (inbound). */
  decodeRequest(body: unknown): ChatRequest;
  /** IR -> upstream body for `model` (outbound). Same-dialect requests keep unknown fields (`extra`). */
  encodeRequest(request: ChatRequest, model: string): Record<string, unknown>;
  /** Upstream body -> IR (outbound). */
  decodeResponse(body: unknown): ChatResponse;
  /** IR -> client body (inbound); `extension` fields are added at the top level under `switchyard`. */
  encodeResponse(
    response: ChatResponse,
    request: ChatRequest,
    extension?: Record<string, unknown>,
  ): Record<string, unknown>;
  createStreamDecoder(): StreamDecoder;
  createStreamEncoder(options: StreamEncoderOptions): StreamEncoder;
  /** A GatewayError as this dialect's error status and body (inbound). */
  encodeError(error: GatewayError): { status: number; body: unknown };
  /** An upstream error status and body (already parsed if JSON) as a GatewayError (outbound). */
  decodeError(
    status: number,
    body: unknown,
    headers?: Record<string, string | string[] | undefined>,
  ): GatewayError;
}

/**
 * The outbound half of a dialect: what a provider needs to talk to an upstream that speaks it.
 * Gemini, Cohere and Bedrock Converse are upstream-only; OpenAI and Anthropic are full ChatDialects.
 */
export type UpstreamDialect = Pick<
  ChatDialect,
  'name' | 'encodeRequest' | 'decodeResponse' | 'createStreamDecoder' | 'decodeError'
>;
