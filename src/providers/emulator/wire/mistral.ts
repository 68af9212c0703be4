/**
 * Mistral's flavour of the OpenAI format, served under `/mistral/v1/...` (Mistral's real paths are
 * `/v1/...`, which the emulator gives to OpenAI; point a `mistral` provider's base_url at
 * `<emulator>/mistral/v1`). Written from Mistral's API reference:
 * - Chat completions (request fields, `random_seed`, `tool_choice: "any"`, usage in the last chunk
 *   of every stream): https://docs.mistral.ai/api/endpoint/chat
 * - Embeddings (`output_dimension`, `output_dtype`, text input only): https://docs.mistral.ai/api/endpoint/embeddings
 * - Function calling (tool-call ids of 9 letters and digits): https://docs.mistral.ai/capabilities/function_calling
 * Mistral validates bodies strictly: a field it does not know is a 422 listing each offending field
 * (`extra_forbidden`), and a tool-call id of another shape is a 400.
 */
import type { EngineResult } from '../engine.ts';
import { bearerToken, isObject, type Json } from './common.ts';
import { chatRoute, embeddingsRoute, modelsRoute } from './openai.ts';
import { WireError, type WireFormat } from './types.ts';

const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'metadata',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'prompt_mode',
  'safe_prompt',
]);
const EMBEDDING_FIELDS = new Set([
  'model',
  'input',
  'metadata',
  'output_dimension',
  'output_dtype',
  'encoding_format',
]);
const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;

/** A 422 listing each field Mistral does not accept, as its validation errors do. */
class ValidationFailure extends WireError {
  constructor(readonly detail: unknown[]) {
    super(422, 'Extra inputs are not permitted', null, 'extra_forbidden');
  }
}

function rejectUnknownFields(body: unknown, known: ReadonlySet<string>): void {
  if (!isObject(body)) return;
  const extra = Object.keys(body).filter((key) => !known.has(key));
  if (extra.length === 0) return;
  throw new ValidationFailure(
    extra.map((key) => ({
      type: 'extra_forbidden',
      loc: ['body', key],
      msg: 'Extra inputs are not permitted',
      input: body[key],
    })),
  );
}

function prepareChat(body: unknown): unknown {
  rejectUnknownFields(body, CHAT_FIELDS);
  if (!isObject(body) || !Array.isArray(body.messages)) return body;
  for (const message of body.messages) {
    if (!isObject(message)) continue;
    const ids = [
      ...(Array.isArray(message.tool_calls) ? message.tool_calls : []).map(
        (call) => (call as Json | null)?.id,
      ),
      message.tool_call_id,
    ].filter((id) => id !== undefined && id !== null);
    const bad = ids.find((id) => typeof id !== 'string' || !TOOL_CALL_ID.test(id));
    if (bad !== undefined) {
      throw new WireError(
        400,
        `Tool call id was ${String(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`,
        null,
        'invalid_request_message',
      );
    }
  }
  return body;
}

/** Mistral's tool-call ids are 9 letters and digits: the first 9 of the engine's 24. */
function mistralIds(result: EngineResult): EngineResult {
  if (result.toolCalls.length === 0) return result;
  return { ...result, toolCalls: result.toolCalls.map((call) => ({ ...call, id: call.id.slice(5, 14) })) };
}

/** Mistral's `output_dimension` is OpenAI's `dimensions`, which Mistral itself does not accept. */
function prepareEmbeddings(body: unknown): unknown {
  rejectUnknownFields(body, EMBEDDING_FIELDS);
  if (!isObject(body)) return body;
  const { output_dimension: dimensions, output_dtype: dtype, ...rest } = body;
  if (dtype !== undefined && dtype !== 'float') {
    throw new WireError(
      400,
      "The emulator produces float embeddings only ('output_dtype': 'float').",
      'output_dtype',
    );
  }
  return dimensions === undefined ? rest : { ...rest, dimensions };
}

const mistralChat = chatRoute({
  flavour: { usageInFinalChunk: true },
  prepare: prepareChat,
  adjust: mistralIds,
});
const mistralEmbeddings = embeddingsRoute({ prepare: prepareEmbeddings });

export const mistralWire: WireFormat = {
  name: 'mistral',
  route(method, path) {
    if (method === 'POST' && path === '/mistral/v1/chat/completions') return mistralChat;
    if (method === 'POST' && path === '/mistral/v1/embeddings') return mistralEmbeddings;
    if (method === 'GET' && path === '/mistral/v1/models') return modelsRoute;
    return undefined;
  },
  authorized(headers, apiKey) {
    return bearerToken(headers) === apiKey;
  },
  unauthorized: () => new WireError(401, 'Unauthorized', null, null),
  errorBody(status, error) {
    if (error instanceof ValidationFailure) {
      return {
        object: 'error',
        message: { detail: error.detail },
        type: 'invalid_request_error',
        param: null,
        code: null,
      };
    }
    return {
      object: 'error',
      message:
        error?.message ??
        (status === 429
          ? 'Requests rate limit exceeded'
          : status >= 500
            ? 'Internal server error'
            : 'Invalid request'),
      type:
        status >= 500 ? 'internal_server_error' : status === 429 ? 'rate_limited' : 'invalid_request_error',
      param: error?.param ?? null,
      code: error?.code ?? null,
    };
  },
  streamError(body) {
    return `data: ${JSON.stringify(body)}\n\n`;
  },
  responseHeaders(requestId) {
    return { 'x-request-id': requestId, 'mistral-correlation-id': requestId };
  },
};
