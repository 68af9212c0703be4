import {
  type ErrorKind,
  GatewayError,
  type GatewayErrorOptions,
  isRetryableUpstreamStatus,
  kindForUpstreamStatus,
} from '../../core/errors.ts';
import { isRecord, type Json } from './validate.ts';

/** GatewayError <-> OpenAI's error shape: `{ "error": { message, type, param, code } }`. */

export type Headers = Record<string, string | string[] | undefined>;

const CREDENTIALS_REJECTED = "The provider rejected the gateway's credentials";
const MAX_UPSTREAM_MESSAGE = 500;

export function encodeChatError(error: GatewayError): { status: number; body: Json } {
  return { status: error.status, body: { error: errorObject(error) } };
}

/** The `error` object of an OpenAI error body or stream error event. */
export function errorObject(error: GatewayError): Json {
  return {
    message: error.message,
    type: errorType(error),
    param: error.param ?? null,
    code: error.code ?? defaultCode(error.kind) ?? null,
  };
}

function errorType(error: GatewayError): string {
  switch (error.kind) {
    case 'authentication':
      return 'authentication_error';
    case 'permission':
      return 'permission_error';
    case 'rate_limited':
      return 'rate_limit_error';
    default:
      return error.status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

function defaultCode(kind: ErrorKind): string | undefined {
  if (kind === 'model_not_found') return 'model_not_found';
  if (kind === 'rate_limited') return 'rate_limit_exceeded';
  return undefined;
}

interface UpstreamDetail {
  message?: string;
  param?: string;
  code?: string;
  type?: string;
}

/**
 * An upstream's error answer -> GatewayError. A 401/403 is about the gateway's own provider key, and
 * upstreams quote part of a rejected key in the message, so that text is never passed on.
 */
export function decodeChatError(status: number, body: unknown, headers?: Headers): GatewayError {
  const kind = kindForUpstreamStatus(status);
  const options: GatewayErrorOptions = {
    upstreamStatus: status,
    retryable: isRetryableUpstreamStatus(status),
  };
  const retryAfter = headers ? retryAfterSeconds(headers) : undefined;
  if (retryAfter !== undefined) options.retryAfterSeconds = retryAfter;
  if (status === 401 || status === 403) {
    return new GatewayError(kind, CREDENTIALS_REJECTED, {
      ...options,
      code: 'upstream_authentication_failed',
    });
  }
  const detail = upstreamDetail(body);
  if (detail.code !== undefined) options.code = detail.code;
  if (kind === 'invalid_request') {
    options.status = status;
    if (detail.param !== undefined) options.param = detail.param;
  }
  return new GatewayError(kind, upstreamMessage(detail.message ?? `HTTP ${status}`), options);
}

/** A `{"error": {...}}` payload inside a stream or a 200 body: the upstream failed after accepting. */
export function errorFromPayload(payload: Json): GatewayError {
  const detail = upstreamDetail(payload);
  const hint = `${detail.type ?? ''} ${detail.code ?? ''}`;
  const kind: ErrorKind = hint.includes('rate_limit') ? 'rate_limited' : 'upstream_error';
  const options: GatewayErrorOptions = {};
  if (detail.code !== undefined) options.code = detail.code;
  return new GatewayError(kind, upstreamMessage(detail.message ?? 'the stream reported an error'), options);
}

/** Reads OpenAI's shape and the variants OpenAI-compatible servers use (vLLM, Ollama, Gemini). */
function upstreamDetail(body: unknown): UpstreamDetail {
  const root = Array.isArray(body) ? body[0] : body;
  if (typeof root === 'string') return root.trim() ? { message: root.trim() } : {};
  if (!isRecord(root)) return {};
  if (typeof root.error === 'string') return { message: root.error };
  const source = isRecord(root.error) ? root.error : root;
  const detail: UpstreamDetail = {};
  if (typeof source.message === 'string') detail.message = source.message;
  else if (typeof root.detail === 'string') detail.message = root.detail;
  if (typeof source.param === 'string') detail.param = source.param;
  if (typeof source.code === 'string') detail.code = source.code;
  if (typeof source.type === 'string') detail.type = source.type;
  return detail;
}

/** Upstream text, shortened (HTML error pages) and with anything shaped like a key blanked out. */
function upstreamMessage(text: string): string {
  const short = text.length > MAX_UPSTREAM_MESSAGE ? `${text.slice(0, MAX_UPSTREAM_MESSAGE)}...` : text;
  const redacted = short
    .replace(/\b(?:sk|rk|pk)-[A-Za-z0-9_-]{6,}/g, '[redacted]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]');
  return `Upstream error: ${redacted}`;
}

/** Seconds from `retry-after-ms` or `retry-after` (delta-seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms)))
    return Math.max(0, Number(ms) / 1000);
  const value = header(headers, 'retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - now) / 1000) : undefined;
}

function header(headers: Headers, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name) value = headers[key];
  }
  return Array.isArray(value) ? value[0] : value;
}
