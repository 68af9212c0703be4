/**
 * The OpenAI wire format: Chat Completions (whole and streamed), Embeddings and Models, with OpenAI's
 * error object, written from the OpenAI API reference. Shapes follow the documented
 * `chat.completion`, `chat.completion.chunk`, `list` of `embedding` and `model` objects.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  embeddingInputTokens,
  embeddingVector,
  vectorToBase64,
  vectorToNumbers,
} from '../embeddings.ts';
import { BUILT_IN_MODELS, type EngineResult, generate } from '../engine.ts';
import { parseChatRequest, parseEmbeddingRequest } from './openai-request.ts';
import type { JsonReply, StreamChunk, StreamReply, WireFormat, WireRoute } from './types.ts';

/** A fixed creation time, so the models list is the same on every run. */
const MODELS_CREATED = 1735689600;
const OWNER = 'switchyard';
const FINGERPRINT = 'fp_emulator';

/** Completion ids: unique per process without a random draw per request. */
const ID_PREFIX = `chatcmpl-emu${Date.now().toString(36)}`;
let nextId = 0;

function completionId(): string {
  nextId++;
  return `${ID_PREFIX}${nextId.toString(36).padStart(8, '0')}`;
}

const chatRoute: WireRoute = {
  needsBody: true,
  model: (request) => modelOf(request.body),
  streams: (request) => isObject(request.body) && request.body.stream === true,
  handle(request) {
    const call = parseChatRequest(request.body);
    const result = generate(call.engine);
    const meta = { id: completionId(), created: Math.floor(Date.now() / 1000), model: call.engine.model };
    return call.stream ? renderStream(result, meta, call.includeUsage) : renderCompletion(result, meta);
  },
};

const embeddingsRoute: WireRoute = {
  needsBody: true,
  model: (request) => modelOf(request.body),
  streams: () => false,
  handle(request): JsonReply {
    const call = parseEmbeddingRequest(request.body);
    const dimensions = call.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    let promptTokens = 0;
    const data = call.inputs.map((input, index) => {
      promptTokens += embeddingInputTokens(input);
      const vector = embeddingVector(call.model, input, dimensions);
      const embedding = call.encoding === 'base64' ? vectorToBase64(vector) : vectorToNumbers(vector);
      return { object: 'embedding', index, embedding };
    });
    return {
      kind: 'json',
      status: 200,
      tokens: 0,
      body: {
        object: 'list',
        data,
        model: call.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      },
    };
  },
};

const modelsRoute: WireRoute = {
  needsBody: false,
  model: () => undefined,
  streams: () => false,
  handle(request): JsonReply {
    const ids = [...new Set([...BUILT_IN_MODELS, ...request.extraModels])];
    return { kind: 'json', status: 200, tokens: 0, body: { object: 'list', data: ids.map(modelObject) } };
  },
};

/** Every model name is served, so every model can be retrieved. */
const modelRoute: WireRoute = {
  needsBody: false,
  model: (request) => modelIdFromPath(request.path),
  streams: () => false,
  handle(request): JsonReply {
    return { kind: 'json', status: 200, tokens: 0, body: modelObject(modelIdFromPath(request.path)) };
  },
};

export const openaiWire: WireFormat = {
  name: 'openai',
  route(method, path) {
    if (method === 'POST' && path === '/v1/chat/completions') return chatRoute;
    if (method === 'POST' && path === '/v1/embeddings') return embeddingsRoute;
    if (method === 'GET' && path === '/v1/models') return modelsRoute;
    if (method === 'GET' && path.startsWith('/v1/models/') && path.length > '/v1/models/'.length)
      return modelRoute;
    return undefined;
  },
  authorized(headers: IncomingHttpHeaders, apiKey: string) {
    return headers.authorization === `Bearer ${apiKey}`;
  },
  errorBody(status, error) {
    const fallback = DEFAULT_ERRORS[status] ?? (status >= 500 ? DEFAULT_ERRORS[500] : DEFAULT_ERRORS[400]);
    return {
      error: {
        message: error?.message ?? fallback?.message ?? 'Error.',
        type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
        param: error?.param ?? null,
        code: error ? error.code : (fallback?.code ?? null),
      },
    };
  },
  streamError(body) {
    return `data: ${JSON.stringify(body)}\n\n`;
  },
  responseHeaders(requestId, processingMs) {
    return {
      'x-request-id': requestId,
      'openai-processing-ms': String(processingMs),
      'openai-version': '2020-10-01',
    };
  },
};

/** Default messages (our own wording) and codes for statuses a fault rule may send. */
const DEFAULT_ERRORS: Record<number, { message: string; code: string | null }> = {
  400: { message: 'The request could not be processed.', code: null },
  401: { message: 'The API key is missing or incorrect.', code: 'invalid_api_key' },
  403: { message: 'This key may not use this resource.', code: 'permission_denied' },
  404: { message: 'The model does not exist or this key cannot use it.', code: 'model_not_found' },
  408: { message: 'The request timed out.', code: 'timeout' },
  409: { message: 'The request conflicts with another one; try again.', code: 'conflict' },
  413: { message: 'The request is too large.', code: 'request_too_large' },
  422: { message: 'The request could not be processed.', code: null },
  429: { message: 'Rate limit reached for requests; try again later.', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing the request.', code: null },
  502: { message: 'Bad gateway.', code: null },
  503: { message: 'The service is temporarily overloaded; try again later.', code: null },
  504: { message: 'The server did not finish the request in time.', code: 'timeout' },
};

interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

function renderCompletion(result: EngineResult, meta: CompletionMeta): JsonReply {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: result.toolCalls.length > 0 ? null : result.text.join(''),
    refusal: null,
    annotations: [],
  };
  if (result.toolCalls.length > 0) {
    message.tool_calls = result.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return {
    kind: 'json',
    status: 200,
    tokens: result.usage.completionTokens,
    body: {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: result.finishReason }],
      usage: usageObject(result),
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    },
  };
}

/**
 * The stream as OpenAI sends it: a role chunk, one chunk per token (text, or tool-call start then
 * argument fragments), a chunk with the finish reason, the usage chunk when asked, then [DONE].
 * OpenAI never streams reasoning text; reasoning tokens delay the first chunk and are counted in usage.
 */
function renderStream(result: EngineResult, meta: CompletionMeta, includeUsage: boolean): StreamReply {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"service_tier":"default","system_fingerprint":"${FINGERPRINT}","choices":`;
  const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const chunk = (delta: unknown, tokens: number, finish: string | null = null): StreamChunk => ({
    text: `${head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]${tail}`,
    tokens,
  });
  const toolReply = result.toolCalls.length > 0;
  const chunks: StreamChunk[] = [
    chunk({ role: 'assistant', content: toolReply ? null : '', refusal: null }, result.reasoning.length),
  ];
  for (const piece of result.text) chunks.push(chunk({ content: piece }, 1));
  result.toolCalls.forEach((call, index) => {
    chunks.push(
      chunk(
        {
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        },
        0,
      ),
    );
    for (const fragment of call.fragments)
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }, 1));
  });
  chunks.push(chunk({}, 0, result.finishReason));
  if (includeUsage) {
    chunks.push({ text: `${head}[],"usage":${JSON.stringify(usageObject(result))}}\n\n`, tokens: 0 });
  }
  return { kind: 'stream', chunks, trailer: 'data: [DONE]\n\n' };
}

function usageObject(result: EngineResult): Record<string, unknown> {
  const { promptTokens, completionTokens, reasoningTokens } = result.usage;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: MODELS_CREATED, owned_by: OWNER };
}

function modelOf(body: unknown): string | undefined {
  return isObject(body) && typeof body.model === 'string' ? body.model : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelIdFromPath(path: string): string {
  const raw = path.slice('/v1/models/'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
