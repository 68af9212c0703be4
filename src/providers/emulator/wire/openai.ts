/**
 * The OpenAI wire format: Chat Completions (whole and streamed), Embeddings and Models, with OpenAI's
 * error object, written from the OpenAI API reference. Shapes follow the documented
 * `chat.completion`, `chat.completion.chunk`, `list` of `embedding` and `model` objects.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BUILT_IN_MODELS, type EngineResult, generate } from '../engine.ts';
import { type OpenAIFlavour, renderCompletion, renderEmbeddings, renderStream } from './openai-render.ts';
import { parseChatRequest, parseEmbeddingRequest } from './openai-request.ts';
import type { JsonReply, WireError, WireFormat, WireRoute } from './types.ts';

/** A fixed creation time, so the models list is the same on every run. */
const MODELS_CREATED = 1735689600;
const OWNER = 'switchyard';
const OPENAI: OpenAIFlavour = { openaiExtras: true };

/** Completion ids: unique per process without a random draw per request. */
const ID_PREFIX = `chatcmpl-emu${Date.now().toString(36)}`;
let nextId = 0;

export function completionId(): string {
  nextId++;
  return `${ID_PREFIX}${nextId.toString(36).padStart(8, '0')}`;
}

/** How an OpenAI-shaped vendor differs from OpenAI on a route. */
export interface OpenAIRouteOptions {
  flavour: OpenAIFlavour;
  /** The model an answer names, from the body's model and the path (Azure: the deployment). */
  modelName?: (model: string, path: string) => string;
  /**
   * Refuses what this vendor refuses beyond OpenAI's own checks, and returns the body in OpenAI's
   * terms for the OpenAI parser (a new object: the request as received stays in the stats).
   */
  prepare?: (body: unknown) => unknown;
  /** Rewrites the engine's answer into this vendor's conventions (Mistral's tool-call ids). */
  adjust?: (result: EngineResult) => EngineResult;
}

export function chatRoute(options: OpenAIRouteOptions): WireRoute {
  const { flavour, modelName = (model: string) => model } = options;
  return {
    needsBody: true,
    model: (request) => modelOf(request.body),
    streams: (request) => isObject(request.body) && request.body.stream === true,
    handle(request) {
      const call = parseChatRequest(options.prepare ? options.prepare(request.body) : request.body);
      const generated = generate(call.engine);
      const result = options.adjust ? options.adjust(generated) : generated;
      const meta = {
        id: completionId(),
        created: Math.floor(Date.now() / 1000),
        model: modelName(call.engine.model, request.path),
      };
      return call.stream
        ? renderStream(result, meta, call.includeUsage, flavour)
        : renderCompletion(result, meta, flavour);
    },
  };
}

export function embeddingsRoute(options: Pick<OpenAIRouteOptions, 'modelName' | 'prepare'> = {}): WireRoute {
  const { modelName = (model: string) => model } = options;
  return {
    needsBody: true,
    model: (request) => modelOf(request.body),
    streams: () => false,
    handle(request): JsonReply {
      const call = parseEmbeddingRequest(options.prepare ? options.prepare(request.body) : request.body);
      return renderEmbeddings(call, modelName(call.model, request.path));
    },
  };
}

const openaiChat = chatRoute({ flavour: OPENAI });
const openaiEmbeddings = embeddingsRoute();

export const modelsRoute: WireRoute = {
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
    if (method === 'POST' && path === '/v1/chat/completions') return openaiChat;
    if (method === 'POST' && path === '/v1/embeddings') return openaiEmbeddings;
    if (method === 'GET' && path === '/v1/models') return modelsRoute;
    if (method === 'GET' && path.startsWith('/v1/models/') && path.length > '/v1/models/'.length)
      return modelRoute;
    return undefined;
  },
  authorized(headers: IncomingHttpHeaders, apiKey: string) {
    return headers.authorization === `Bearer ${apiKey}`;
  },
  errorBody: openaiErrorBody,
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

/** OpenAI's error object for a status; Azure OpenAI answers in the same shape. */
export function openaiErrorBody(status: number, error?: WireError): unknown {
  const fallback = DEFAULT_ERRORS[status] ?? (status >= 500 ? DEFAULT_ERRORS[500] : DEFAULT_ERRORS[400]);
  return {
    error: {
      message: error?.message ?? fallback?.message ?? 'Error.',
      type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
      param: error?.param ?? null,
      code: error ? error.code : (fallback?.code ?? null),
    },
  };
}

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
