/**
 * The Cohere v2 Chat dialect (upstream only): `POST /v2/chat`, streamed as SSE when `stream: true`.
 * The mapping choices are documented where they are made: cohere/request.ts, cohere/response.ts.
 *
 * References:
 * - https://docs.cohere.com/reference/chat (request and response bodies)
 * - https://docs.cohere.com/reference/chat-stream and https://docs.cohere.com/docs/streaming (events)
 * - https://docs.cohere.com/docs/tool-use-overview (tool_calls, tool messages, tool_plan, tool_choice)
 * - https://docs.cohere.com/docs/reasoning (thinking)
 * - https://docs.cohere.com/reference/errors (statuses and the `{message}` body)
 */
import type { GatewayError } from '../core/errors.ts';
import { encodeCohereRequest } from './cohere/request.ts';
import { createCohereStreamDecoder, decodeCohereResponse } from './cohere/response.ts';
import type { UpstreamDialect } from './types.ts';
import { type Headers, isRecord, textOf, upstreamError } from './upstream-common.ts';

export { COHERE_MAX_K, COHERE_P_RANGE, COHERE_THINKING_BUDGETS } from './cohere/request.ts';

/** Cohere's "invalid token" status: the gateway's key is at fault, like a 401. */
const INVALID_TOKEN_STATUS = 498;

export function decodeCohereError(status: number, body: unknown, headers?: Headers): GatewayError {
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : textOf(body);
  return upstreamError({
    dialect: 'cohere',
    status,
    message,
    headers,
    credentialFailure: status === INVALID_TOKEN_STATUS,
  });
}

export const cohere: UpstreamDialect = {
  name: 'cohere',
  encodeRequest: encodeCohereRequest,
  decodeResponse: decodeCohereResponse,
  createStreamDecoder: createCohereStreamDecoder,
  decodeError: decodeCohereError,
};
