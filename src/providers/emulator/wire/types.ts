import type { IncomingHttpHeaders } from 'node:http';

/**
 * A wire format is one vendor's HTTP API over the shared engine: it parses that vendor's requests,
 * asks the engine, and renders the answer exactly as that vendor documents it. The server knows
 * nothing of any vendor's shapes; it only routes, authenticates, injects faults and paces.
 */
export interface WireFormat {
  readonly name: string;
  /**
   * The handler for a method and path (query string removed), if this wire serves it. Headers are
   * given for paths two vendors share (`GET /v1/models`: Anthropic's clients send `anthropic-version`).
   */
  route(method: string, path: string, headers: IncomingHttpHeaders): WireRoute | undefined;
  /** Whether the request carries `apiKey` the way this vendor's clients send it. */
  authorized(headers: IncomingHttpHeaders, apiKey: string, path: string): boolean;
  /** The error this vendor answers a request without valid credentials with (default: a 401). */
  unauthorized?(headers: IncomingHttpHeaders, path: string): WireError;
  /** This vendor's error body for a status, with a default message when none is given. */
  errorBody(status: number, error?: WireError): unknown;
  /** Headers this vendor puts on an error response besides the usual ones (Bedrock: `x-amzn-errortype`). */
  errorHeaders?(status: number, error?: WireError): Record<string, string>;
  /** The bytes of an error that ends a stream after it started (`body` is an `errorBody`). */
  streamError(body: unknown, status: number): string | Uint8Array;
  /** Headers this vendor sends on every response (request id, processing time). */
  responseHeaders(requestId: string, processingMs: number): Record<string, string>;
}

export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined for bodiless requests). */
  body: unknown;
  /** Model ids the server lists besides the built-in ones. */
  extraModels: readonly string[];
}

export interface WireRoute {
  /** The model a request is for, used by fault rules and stats. */
  model(request: WireRequest): string | undefined;
  /** Whether the client asked for a stream (decides which fault rules can apply). */
  streams(request: WireRequest): boolean;
  /** Answers the request; throws WireError for a request the vendor would refuse. */
  handle(request: WireRequest): WireReply;
  /** Whether the route needs a JSON body (a malformed one is refused before anything else). */
  readonly needsBody: boolean;
}

export type WireReply = JsonReply | StreamReply;

export interface JsonReply {
  kind: 'json';
  status: number;
  body: unknown;
  /** Output tokens the answer holds: pacing delays the response as long as streaming them would take. */
  tokens: number;
  /** Headers this answer adds (Bedrock's token-count headers on InvokeModel). */
  headers?: Record<string, string>;
}

/** A stream rendered in advance; the server writes it chunk by chunk, paced, or all at once. */
export interface StreamReply {
  kind: 'stream';
  chunks: StreamChunk[];
  /** Written after the last chunk when the stream ends normally (OpenAI: `data: [DONE]`). */
  trailer: string | Uint8Array;
  /** Default `text/event-stream; charset=utf-8`; Bedrock's binary event stream has its own. */
  contentType?: string;
}

export interface StreamChunk {
  /** Ready-to-write bytes of one event: SSE text, or a binary event-stream message. */
  text: string | Uint8Array;
  /** Output tokens this event carries; events carrying tokens are spaced by the output speed. */
  tokens: number;
}

/** A request the emulated vendor would refuse, rendered by the wire's `errorBody`. */
export class WireError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    /** The vendor's own name for the error: OpenAI's `code`, Anthropic's error type, Gemini's status, Bedrock's exception. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'WireError';
  }
}
