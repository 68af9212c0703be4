/**
 * Helpers shared by the upstream-only codecs (Gemini, Cohere, Bedrock Converse): reading untyped
 * JSON safely, turning upstream failures into GatewayErrors, and the small conversions every one of
 * them needs (tool-call arguments, data URLs, reasoning budgets). Pure: no I/O.
 */

import type { ErrorKind } from '../core/errors.ts';
import { GatewayError, isRetryableUpstreamStatus, kindForUpstreamStatus } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { ContentPart, DialectName, ReasoningEffort, TextPart } from '../core/ir.ts';

export type Json = Record<string, unknown>;
export type Headers = Record<string, string | string[] | undefined>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A non-negative token count, or 0 when the upstream omitted it or sent nonsense. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function generatedId(prefix: string): string {
  return newId(prefix);
}

/** A response body that is not what the upstream documents: the upstream's fault, not the caller's. */
export function malformedUpstream(dialect: DialectName, what: string): GatewayError {
  return new GatewayError('upstream_error', `Malformed response from upstream (${dialect}): ${what}`, {
    code: 'upstream_invalid_response',
  });
}

/** Parses one stream event's JSON payload; anything else is a broken stream. */
export function parseStreamData(dialect: DialectName, data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new GatewayError('upstream_error', `Upstream (${dialect}) sent a stream event that is not JSON`, {
      code: 'upstream_invalid_stream',
    });
  }
}

export function firstHeader(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Seconds from `retry-after-ms`, or `retry-after` as delta-seconds or an HTTP date. */
export function retryAfterFromHeaders(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = firstHeader(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms)))
    return Math.max(0, Number(ms) / 1000);
  const value = firstHeader(headers, 'retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - now) / 1000) : undefined;
}

/** Upstream text can be long (stack traces, echoed prompts); clients get a bounded excerpt. */
const MAX_UPSTREAM_MESSAGE = 1000;

export const CREDENTIALS_REJECTED_MESSAGE = "The provider rejected the gateway's credentials";

export interface UpstreamFailure {
  dialect: DialectName;
  status: number;
  /** The upstream's own message; dropped for credential failures. */
  message: string | undefined;
  /** The upstream's machine-readable error name (RESOURCE_EXHAUSTED, ThrottlingException, ...). */
  code?: string;
  headers?: Headers;
  /** Treat as a credential failure whatever the status (Gemini answers a bad key with 400). */
  credentialFailure?: boolean;
  /** When the upstream's error name says more than its status does. */
  kind?: ErrorKind;
  retryable?: boolean;
  retryAfterSeconds?: number;
}

/**
 * The one place an upstream error becomes a GatewayError. Credential failures get a fixed message:
 * the upstream's text could echo part of the gateway's key, and it is the operator's problem, not the
 * caller's.
 */
export function upstreamError(failure: UpstreamFailure): GatewayError {
  const credential = failure.credentialFailure === true || failure.status === 401 || failure.status === 403;
  const retryAfterSeconds = retryAfterFromHeaders(failure.headers) ?? failure.retryAfterSeconds;
  const kind = failure.kind ?? kindForUpstreamStatus(credential ? 401 : failure.status);
  const options = {
    upstreamStatus: failure.status,
    retryable: failure.retryable ?? isRetryableUpstreamStatus(failure.status),
    ...(failure.code === undefined ? {} : { code: failure.code }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    // A caller's mistake keeps the upstream's 4xx status (e.g. 422) so the client sees what it was.
    ...(kind === 'invalid_request'
      ? { status: failure.status >= 400 && failure.status < 500 ? failure.status : 400 }
      : {}),
  };
  if (credential)
    return new GatewayError(kind, CREDENTIALS_REJECTED_MESSAGE, { ...options, retryable: false });
  const text = (failure.message ?? '').trim();
  const excerpt = text.length > MAX_UPSTREAM_MESSAGE ? `${text.slice(0, MAX_UPSTREAM_MESSAGE)}...` : text;
  const message = excerpt
    ? `Upstream error: ${excerpt}`
    : `Upstream (${failure.dialect}) answered with status ${failure.status}`;
  return new GatewayError(kind, message, options);
}

/** The text of an error body that is not JSON (a proxy's HTML page, plain text). */
export function textOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return undefined;
}

/**
 * Tool-call arguments as the JSON object the Gemini and Bedrock wire formats carry. The IR keeps the
 * model's text; an empty text means no arguments. Anything but an object is the caller's mistake.
 */
export function parseToolArguments(text: string, param: string): Json {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', `${param}: tool call arguments are not valid JSON`, { param });
  }
  if (!isRecord(parsed)) {
    throw new GatewayError('invalid_request', `${param}: tool call arguments must be a JSON object`, {
      param,
    });
  }
  return parsed;
}

/** `data:<media type>;base64,<data>` split into its parts; undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (!match) return undefined;
  return { mediaType: (match[1] ?? '').toLowerCase(), data: match[2] ?? '' };
}

/**
 * Adds a decoded part to an answer's content, joining it to the text before it: an upstream may split
 * one answer over several text blocks, and clients expect one text.
 */
export function appendMergingText(content: ContentPart[], part: ContentPart): void {
  const last = content[content.length - 1];
  if (part.type === 'text' && last?.type === 'text') last.text += part.text;
  else content.push(part);
}

export function joinText(parts: readonly TextPart[]): string {
  return parts.map((part) => part.text).join('\n\n');
}

/** The text of a tool result's parts (images are handled by each codec where the wire allows them). */
export function textOfParts(parts: ReadonlyArray<ContentPart>): string {
  return parts
    .filter((part): part is TextPart => part.type === 'text')
    .map((part) => part.text)
    .join('');
}

/** JSON text parsed when it is JSON, the text itself otherwise. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A thinking budget from an explicit budget or an OpenAI-style effort, given a codec's effort table. */
export function thinkingBudget(
  reasoning: { effort?: ReasoningEffort; budgetTokens?: number } | undefined,
  byEffort: Record<ReasoningEffort, number>,
): number | undefined {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) return reasoning.budgetTokens;
  return reasoning.effort === undefined ? undefined : byEffort[reasoning.effort];
}
