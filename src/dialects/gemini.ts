/**
 * The Google Gemini dialect (upstream only): `models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse` on the Gemini API; Vertex AI takes the same bodies. The mapping
 * choices are documented where they are made: gemini/request.ts, gemini/response.ts, gemini/schema.ts.
 *
 * References:
 * - https://ai.google.dev/api/generate-content (request, response, streaming, UsageMetadata, FinishReason)
 * - https://ai.google.dev/api/caching#Content and #Schema (Content, Part, FunctionDeclaration, Schema)
 * - https://ai.google.dev/gemini-api/docs/function-calling (functionCall / functionResponse, toolConfig modes)
 * - https://ai.google.dev/gemini-api/docs/thinking and /docs/thought-signatures (thinkingConfig, signatures)
 * - https://ai.google.dev/gemini-api/docs/structured-output (responseMimeType, responseSchema)
 * - https://ai.google.dev/gemini-api/docs/troubleshooting (error statuses) and
 *   https://cloud.google.com/apis/design/errors (the `{error:{code,message,status,details}}` shape)
 */
import type { GatewayError } from '../core/errors.ts';
import { encodeGeminiRequest } from './gemini/request.ts';
import { createGeminiStreamDecoder, decodeGeminiResponse } from './gemini/response.ts';
import type { UpstreamDialect } from './types.ts';
import { arrayOf, type Headers, isRecord, textOf, upstreamError } from './upstream-common.ts';

export { GEMINI_THINKING_BUDGETS, guessImageMimeType, SKIP_THOUGHT_SIGNATURE } from './gemini/request.ts';
export { toGeminiSchema } from './gemini/schema.ts';

/** ErrorInfo reasons Gemini answers with status 400 although the gateway's key is at fault. */
const KEY_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED', 'API_KEY_SERVICE_BLOCKED']);

/** `retryDelay` of a google.rpc.RetryInfo detail ("37s", "1.5s") in seconds. */
function retryDelaySeconds(details: unknown[]): number | undefined {
  for (const detail of details) {
    if (!isRecord(detail) || typeof detail.retryDelay !== 'string') continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay);
    if (match) return Number(match[1]);
  }
  return undefined;
}

export function decodeGeminiError(status: number, body: unknown, headers?: Headers): GatewayError {
  // Non-SSE stream endpoints wrap the error in an array.
  const payload = Array.isArray(body) ? body[0] : body;
  const error = isRecord(payload) && isRecord(payload.error) ? payload.error : undefined;
  const details = arrayOf(error?.details);
  const keyRejected = details.some((detail) => isRecord(detail) && KEY_REASONS.has(String(detail.reason)));
  const message = typeof error?.message === 'string' ? error.message : textOf(body);
  const retryAfter = retryDelaySeconds(details);
  return upstreamError({
    dialect: 'gemini',
    status,
    message,
    headers,
    credentialFailure: keyRejected,
    ...(typeof error?.status === 'string' ? { code: error.status } : {}),
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
  });
}

export const gemini: UpstreamDialect = {
  name: 'gemini',
  encodeRequest: (request) => encodeGeminiRequest(request),
  decodeResponse: decodeGeminiResponse,
  createStreamDecoder: () => createGeminiStreamDecoder((status, body) => decodeGeminiError(status, body)),
  decodeError: decodeGeminiError,
};
