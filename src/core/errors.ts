/**
 * Every failure that can reach a client is a GatewayError with a kind. Dialects map kinds to their own
 * error shapes and status codes; nothing else decides what a client sees.
 */
export type ErrorKind =
  | 'invalid_request' // 400: the caller's request is malformed or semantically wrong
  | 'authentication' // 401: missing or wrong key
  | 'permission' // 403: the key may not do this
  | 'not_found' // 404: no such resource
  | 'model_not_found' // 404: no route or model by that name
  | 'payload_too_large' // 413
  | 'rate_limited' // 429: a limit of ours or the upstream's
  | 'upstream_error' // 502: the upstream answered with an error we pass on
  | 'upstream_timeout' // 504: the upstream did not answer in time
  | 'unavailable' // 503: no healthy target (all circuits open, draining)
  | 'overloaded' // 529-like: the upstream reports overload; surfaced as 503 to OpenAI clients
  | 'client_closed' // 499: the client went away before the answer; recorded, never sent
  | 'internal'; // 500: a bug of ours

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  model_not_found: 404,
  payload_too_large: 413,
  rate_limited: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  unavailable: 503,
  overloaded: 503,
  client_closed: 499,
  internal: 500,
};

export interface GatewayErrorOptions {
  /** The request field at fault, e.g. `messages[2].content`. */
  param?: string;
  /** A machine-readable code, e.g. `model_not_found`, `context_length_exceeded`. */
  code?: string;
  /** The status to send, when it differs from the kind's default (e.g. an upstream 422 passed on). */
  status?: number;
  /** Whether another attempt (retry or fallback) may succeed. */
  retryable?: boolean;
  /**
   * This target cannot serve the request (its context window is too small, it is retired), but
   * another target or fallback may: the router moves on without retrying or counting a failure.
   */
  skipTarget?: boolean;
  /** Seconds the upstream asked us to wait before trying again. */
  retryAfterSeconds?: number;
  /** The upstream's HTTP status, when the error came from an upstream. */
  upstreamStatus?: number;
  cause?: unknown;
}

/** An unknown thrown value's message, for logs and wrapped errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class GatewayError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly param: string | undefined;
  readonly code: string | undefined;
  readonly retryable: boolean;
  readonly skipTarget: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(kind: ErrorKind, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.kind = kind;
    this.status = options.status ?? STATUS[kind];
    this.param = options.param;
    this.code = options.code;
    this.retryable = options.retryable ?? defaultRetryable(kind);
    this.skipTarget = options.skipTarget ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamStatus = options.upstreamStatus;
  }
}

function defaultRetryable(kind: ErrorKind): boolean {
  return (
    kind === 'rate_limited' ||
    kind === 'upstream_timeout' ||
    kind === 'unavailable' ||
    kind === 'overloaded' ||
    kind === 'upstream_error'
  );
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/** Wraps anything thrown into a GatewayError without leaking its message (it may hold secrets). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal', 'Internal gateway error', { cause: error, retryable: false });
}

/**
 * The error kind an upstream HTTP status maps to. 408/409/429/5xx are retryable, other 4xx are the
 * caller's fault and are passed through with their status.
 */
export function kindForUpstreamStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'upstream_error'; // our credential is wrong, not the caller's
  if (status === 403) return 'upstream_error';
  if (status === 404) return 'upstream_error';
  if (status === 408) return 'upstream_timeout';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  return 'upstream_error';
}

export function isRetryableUpstreamStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
