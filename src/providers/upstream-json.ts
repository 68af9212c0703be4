import type { CancelSignal } from '../core/cancel.ts';
import { GatewayError } from '../core/errors.ts';
import type { UpstreamDialect } from '../dialects/types.ts';
import { parseJsonLoose, readBody, type UpstreamResponse } from './http.ts';

/** A whole upstream answer that must be a JSON object, with its bytes for same-dialect relays. */
export async function readJsonObject(
  response: UpstreamResponse,
  provider: string,
  signal: CancelSignal,
): Promise<{ raw: Buffer; body: Record<string, unknown> }> {
  const raw = await readBody(response, provider, signal);
  const body = parseJsonLoose(raw);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(
      'upstream_error',
      `Provider "${provider}" returned a body that is not a JSON object`,
      {
        code: 'upstream_invalid_response',
      },
    );
  }
  return { raw, body: body as Record<string, unknown> };
}

/**
 * A whole upstream answer that must be JSON of any shape, with its bytes for same-dialect relays.
 * The OpenAI and Anthropic codecs judge the shape themselves.
 */
export async function readJsonValue(
  response: UpstreamResponse,
  provider: string,
  signal: CancelSignal,
): Promise<{ raw: Buffer; body: unknown }> {
  const raw = await readBody(response, provider, signal);
  const body = parseJsonLoose(raw);
  if (typeof body !== 'object' || body === null) {
    throw new GatewayError('upstream_error', `Provider "${provider}" returned a body that is not JSON`, {
      code: 'upstream_invalid_response',
    });
  }
  return { raw, body };
}

/** An upstream refusal (status >= 400) as the GatewayError its dialect says it is. */
export async function readFailure(
  response: UpstreamResponse,
  decodeError: UpstreamDialect['decodeError'],
  provider: string,
  signal: CancelSignal,
): Promise<GatewayError> {
  const body = await readBody(response, provider, signal);
  return decodeError(response.status, parseJsonLoose(body), response.headers);
}
