import type { IncomingHttpHeaders } from 'node:http';

/**
 * A wire format is one vendor's HTTP API over the shared engine: it parses that vendor's requests,
 * asks the engine, and renders the answer exactly as that vendor documents it. The server knows
 * nothing of any vendor's shapes; it only routes, authenticates, injects faults and paces.
 */
export interface WireFormat {
  readonly name: string;
  /** The handler for a method and path (query string removed), if this wire serves it. */
  route(method: string, path: string): WireRoute | undefined;
  /** Whether the request carries `apiKey` the way this vendor's clients send it. */
  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  /** This vendor's error body for a status, with a default message when none is given. */
  errorBody(status: number, error?: WireError): unknown;
  /** The SSE text of an error that ends a stream after it started. */
  streamError(body: unknown): string;
  /** Headers this vendor sends on every response (request id, processing time). */
  responseHeaders(requestId: string, processingMs: number): Record<string, string>;
}

export interface WireRequest {
  path: string;
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
}

/** A stream rendered in advance; the server writes it chunk by chunk, paced, or all at once. */
export interface StreamReply {
  kind: 'stream';
  chunks: StreamChunk[];
  /** Written after the last chunk when the stream ends normally (OpenAI: `data: [DONE]`). */
  trailer: string;
}

export interface StreamChunk {
  /** Ready-to-write SSE text of one event. */
  text: string;
  /** Output tokens this event carries; events carrying tokens are spaced by the output speed. */
  tokens: number;
}

/** A request the emulated vendor would refuse, rendered by the wire's `errorBody`. */
export class WireError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'WireError';
  }
}
