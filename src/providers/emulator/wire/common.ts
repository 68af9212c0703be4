/** Small helpers the vendor wire modules share; nothing vendor-specific lives here. */
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(body: unknown, field: string): string | undefined {
  return isObject(body) && typeof body[field] === 'string' ? body[field] : undefined;
}

/** One header's value (the first, when a client sent it twice). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = header(headers, 'authorization');
  return value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
}

/** An SSE event with an `event:` line, as Anthropic and Cohere send them. */
export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A path segment, decoded (model ids arrive URL-encoded: `anthropic.claude-3%3A0`). */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The signature the emulator puts on reasoning: a MAC of the reasoning text, so a client must send
 * reasoning back exactly as it got it (vendors refuse altered reasoning, and so does the emulator).
 */
const REASONING_KEY = 'switchyard-emulator-reasoning';

export function signReasoning(text: string): string {
  return createHmac('sha256', REASONING_KEY).update(text).digest('base64');
}

export function reasoningSignatureValid(text: string, signature: string): boolean {
  return signReasoning(text) === signature;
}

/** A vendor-style id from the engine's call id (`call_` + 24 characters): same call, same id. */
export function renameCallId(callId: string, prefix: string): string {
  return `${prefix}${callId.startsWith('call_') ? callId.slice('call_'.length) : callId}`;
}

/** Ids unique per process without a random draw per request. */
export function idSource(prefix: string): () => string {
  const stamp = Date.now().toString(36);
  let next = 0;
  return () => `${prefix}${stamp}${(++next).toString(36).padStart(8, '0')}`;
}
