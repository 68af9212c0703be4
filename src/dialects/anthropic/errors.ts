import { type ErrorKind, GatewayError, kindForUpstreamStatus } from '../../core/errors.ts';
import { isRecord } from './validate.ts';

/** Error shapes of the Messages API: `{type: 'error', error: {type, message}}`, both directions. */

const WIRE_TYPE: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  model_not_found: 'not_found_error',
  payload_too_large: 'request_too_large',
  rate_limited: 'rate_limit_error',
  upstream_error: 'api_error',
  upstream_timeout: 'timeout_error',
  unavailable: 'api_error',
  overloaded: 'overloaded_error',
  client_closed: 'invalid_request_error',
  internal: 'api_error',
};

/** The status Anthropic documents for each error type (used for stream `error` events). */
const STATUS_OF_WIRE_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function errorBody(error: GatewayError): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: WIRE_TYPE[error.kind], message: error.message } };
}

/** Anthropic clients know 529 for overload (their SDKs retry it), so that kind is sent as 529. */
export function encodeError(error: GatewayError): { status: number; body: unknown } {
  return { status: error.kind === 'overloaded' ? 529 : error.status, body: errorBody(error) };
}

/**
 * An upstream's error -> GatewayError. 401 and 403 concern the gateway's own credential: their
 * text could echo part of it, so a fixed message replaces it.
 */
export function decodeError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
): GatewayError {
  const wire = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const wireType = typeof wire?.type === 'string' ? wire.type : undefined;
  const upstreamMessage = typeof wire?.message === 'string' && wire.message !== '' ? wire.message : undefined;
  const overloaded = wireType === 'overloaded_error' || status === 529;
  const kind: ErrorKind = overloaded ? 'overloaded' : kindForUpstreamStatus(status);

  let message: string;
  if (status === 401 || wireType === 'authentication_error') {
    message = 'The upstream provider rejected the gateway credential';
  } else if (status === 403 || wireType === 'permission_error') {
    message = 'The upstream provider denied the gateway credential access to this resource';
  } else {
    message =
      upstreamMessage ??
      (typeof body === 'string' && body.trim() !== ''
        ? body.slice(0, 500)
        : `Upstream answered HTTP ${status}`);
  }

  return new GatewayError(kind, message, {
    upstreamStatus: status,
    // a 4xx that is the caller's fault keeps its status (400 or 422)
    ...(kind === 'invalid_request' ? { status } : {}),
    ...(overloaded ? { retryable: true } : {}),
    ...(kind === 'invalid_request' && /prompt is too long/i.test(message)
      ? { code: 'context_length_exceeded' }
      : {}),
    ...retryAfter(headers),
  });
}

/** A stream `error` event's data -> GatewayError, with the status its type stands for. */
export function decodeStreamError(data: unknown): GatewayError {
  const wire = isRecord(data) && isRecord(data.error) ? data.error : undefined;
  const status = (typeof wire?.type === 'string' && STATUS_OF_WIRE_TYPE[wire.type]) || 500;
  return decodeError(status, data);
}

function retryAfter(headers: Record<string, string | string[] | undefined>): { retryAfterSeconds?: number } {
  const read = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = Number(read('retry-after-ms'));
  if (read('retry-after-ms') !== undefined && Number.isFinite(ms))
    return { retryAfterSeconds: Math.max(0, ms / 1000) };
  const value = read('retry-after');
  if (value === undefined) return {};
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return { retryAfterSeconds: Math.max(0, seconds) };
  const date = Date.parse(value);
  return Number.isFinite(date) ? { retryAfterSeconds: Math.max(0, (date - Date.now()) / 1000) } : {};
}
