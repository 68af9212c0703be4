/**
 * The Gemini wire format, on Google AI Studio (the Gemini API, `x-goog-api-key`) and on Vertex AI
 * (`/v1/projects/{p}/locations/{l}/publishers/google/models/...`, an OAuth bearer token). Written from:
 * - generateContent / streamGenerateContent (`?alt=sse`; without it a JSON array), candidates,
 *   finishReason, usageMetadata: https://ai.google.dev/api/generate-content
 * - Thinking (thought parts, thoughtSignature, thoughtsTokenCount): https://ai.google.dev/gemini-api/docs/thinking
 * - Embeddings (embedContent, batchEmbedContents): https://ai.google.dev/api/embeddings
 * - Models (models.list, models.get): https://ai.google.dev/api/models
 * - API keys (`x-goog-api-key`): https://ai.google.dev/gemini-api/docs/api-key
 * - Errors (`{"error": {"code", "message", "status"}}`): https://ai.google.dev/gemini-api/docs/troubleshooting
 * - Vertex AI generateContent: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 * - Vertex AI text embeddings (`:predict`): https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 */
import { BUILT_IN_MODELS, type EngineResult, generate } from '../engine.ts';
import { bearerToken, decodeSegment, header, idSource, signReasoning } from './common.ts';
import { batchEmbedContentsReply, embedContentReply, predictReply } from './gemini-embeddings.ts';
import { parseGenerateRequest } from './gemini-request.ts';
import type { JsonReply, StreamChunk, StreamReply, WireFormat, WireRequest, WireRoute } from './types.ts';
import { WireError } from './types.ts';

/** `/v1beta/models/{model}:{method}` (AI Studio) or the Vertex AI publisher-model path. */
const AI_STUDIO = /^\/(v1|v1beta)\/models\/([^/:]+):([a-zA-Z]+)$/;
const VERTEX =
  /^\/(v1|v1beta1)\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^/:]+):([a-zA-Z]+)$/;
const MODEL_PATH = /^\/(v1|v1beta)\/models\/([^/:]+)$/;
const responseId = idSource('emu');

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Default messages (our own wording) for statuses a fault rule may send. */
const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  403: 'The caller does not have permission.',
  404: 'Requested entity was not found.',
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred.',
  503: 'The model is overloaded. Please try again later.',
  504: 'The request timed out.',
};

function target(path: string): { model: string; method: string; vertex: boolean } | undefined {
  const studio = AI_STUDIO.exec(path);
  if (studio)
    return { model: decodeSegment(studio[2] as string), method: studio[3] as string, vertex: false };
  const vertex = VERTEX.exec(path);
  if (vertex) return { model: decodeSegment(vertex[2] as string), method: vertex[3] as string, vertex: true };
  return undefined;
}

const modelOfPath = (request: WireRequest) => target(request.path)?.model;

function generateRoute(stream: boolean): WireRoute {
  return {
    needsBody: true,
    model: modelOfPath,
    streams: () => stream,
    handle(request) {
      const model = modelOfPath(request) ?? '';
      const call = parseGenerateRequest(request.body, model);
      const result = generate(call.engine);
      const meta = { model, id: responseId(), includeThoughts: call.includeThoughts };
      if (!stream)
        return {
          kind: 'json',
          status: 200,
          tokens: result.usage.completionTokens,
          body: renderResponse(result, meta),
        };
      return renderStream(result, meta, request.query.get('alt') === 'sse');
    },
  };
}

const generateContent = generateRoute(false);
const streamGenerateContent = generateRoute(true);

const embedContent: WireRoute = {
  needsBody: true,
  model: modelOfPath,
  streams: () => false,
  handle: (request) => embedContentReply(modelOfPath(request) ?? '', request.body),
};

const batchEmbedContents: WireRoute = {
  needsBody: true,
  model: modelOfPath,
  streams: () => false,
  handle: (request) => batchEmbedContentsReply(modelOfPath(request) ?? '', request.body),
};

const predict: WireRoute = {
  needsBody: true,
  model: modelOfPath,
  streams: () => false,
  handle: (request) => predictReply(modelOfPath(request) ?? '', request.body),
};

const modelsRoute: WireRoute = {
  needsBody: false,
  model: () => undefined,
  streams: () => false,
  handle(request): JsonReply {
    const ids = [...new Set([...BUILT_IN_MODELS, ...request.extraModels])];
    return { kind: 'json', status: 200, tokens: 0, body: { models: ids.map(modelObject) } };
  },
};

const modelRoute: WireRoute = {
  needsBody: false,
  model: (request) => decodeSegment(MODEL_PATH.exec(request.path)?.[2] ?? ''),
  streams: () => false,
  handle(request): JsonReply {
    return {
      kind: 'json',
      status: 200,
      tokens: 0,
      body: modelObject(decodeSegment(MODEL_PATH.exec(request.path)?.[2] ?? '')),
    };
  },
};

const METHODS: Record<string, WireRoute> = {
  generateContent,
  streamGenerateContent,
  embedContent,
  batchEmbedContents,
};

export const geminiWire: WireFormat = {
  name: 'gemini',
  route(method, path) {
    // `GET /v1/models` is OpenAI's; Gemini's own clients use v1beta.
    if (method === 'GET' && path === '/v1beta/models') return modelsRoute;
    if (method === 'GET')
      return path.startsWith('/v1beta/') && MODEL_PATH.test(path) ? modelRoute : undefined;
    if (method !== 'POST') return undefined;
    const found = target(path);
    if (!found) return undefined;
    if (found.vertex && found.method === 'predict') return predict;
    return METHODS[found.method];
  },
  authorized(headers, apiKey, path) {
    if (VERTEX.test(path)) return bearerToken(headers) === apiKey;
    return header(headers, 'x-goog-api-key') === apiKey;
  },
  unauthorized(headers, path) {
    if (VERTEX.test(path)) {
      return new WireError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        null,
        'UNAUTHENTICATED',
      );
    }
    if (header(headers, 'x-goog-api-key') === undefined) {
      return new WireError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        null,
        'PERMISSION_DENIED',
      );
    }
    return new WireError(400, 'API key not valid. Please pass a valid API key.', null, 'API_KEY_INVALID');
  },
  errorBody(status, error) {
    const code = error?.code ?? null;
    const body: Record<string, unknown> = {
      code: status,
      message:
        error?.message ??
        DEFAULT_MESSAGES[status] ??
        (status >= 500 ? DEFAULT_MESSAGES[500] : DEFAULT_MESSAGES[400]),
      status:
        code !== null && /^[A-Z_]+$/.test(code) && code !== 'API_KEY_INVALID'
          ? code
          : (STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT')),
    };
    if (code === 'API_KEY_INVALID') {
      body.details = [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ];
    }
    return { error: body };
  },
  streamError(body) {
    return `data: ${JSON.stringify(body)}\r\n\r\n`;
  },
  responseHeaders(_requestId, processingMs) {
    return { 'server-timing': `gfet4t7; dur=${processingMs}` };
  },
};

interface ResponseMeta {
  model: string;
  id: string;
  includeThoughts: boolean;
}

function finishReason(result: EngineResult): string {
  return result.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP';
}

/** Gemini counts thoughts apart from the candidates' tokens; the total covers both. */
function usageMetadata(
  result: EngineResult,
  emitted: { output: number; reasoning: number },
): Record<string, unknown> {
  const { promptTokens, cachedTokens } = result.usage;
  const usage: Record<string, unknown> = { promptTokenCount: promptTokens };
  if (emitted.output > 0) usage.candidatesTokenCount = emitted.output;
  usage.totalTokenCount = promptTokens + emitted.output + emitted.reasoning;
  if (emitted.reasoning > 0) usage.thoughtsTokenCount = emitted.reasoning;
  if (cachedTokens > 0) usage.cachedContentTokenCount = cachedTokens;
  return usage;
}

function finalUsage(result: EngineResult) {
  const reasoning = result.usage.reasoningTokens;
  return usageMetadata(result, { output: result.usage.completionTokens - reasoning, reasoning });
}

function callPart(call: EngineResult['toolCalls'][number]): Record<string, unknown> {
  let args: unknown = {};
  try {
    args = JSON.parse(call.arguments);
  } catch {
    // Arguments cut by the token limit are not JSON: Gemini then sends what it has, nothing.
  }
  return { functionCall: { name: call.name, args } };
}

/** Parts of a whole answer: thoughts (when asked for), text, function calls; a signature after thinking. */
function answerParts(result: EngineResult, includeThoughts: boolean): Array<Record<string, unknown>> {
  const parts: Array<Record<string, unknown>> = [];
  if (includeThoughts && result.reasoning.length > 0)
    parts.push({ text: result.reasoning.join(''), thought: true });
  const answer: Array<Record<string, unknown>> = [];
  if (result.text.length > 0) answer.push({ text: result.text.join('') });
  for (const call of result.toolCalls) answer.push(callPart(call));
  if (answer.length === 0) answer.push({ text: '' });
  if (result.reasoning.length > 0)
    (answer[0] as Record<string, unknown>).thoughtSignature = signReasoning(result.reasoning.join(''));
  return [...parts, ...answer];
}

function renderResponse(result: EngineResult, meta: ResponseMeta): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { parts: answerParts(result, meta.includeThoughts), role: 'model' },
        finishReason: finishReason(result),
        index: 0,
      },
    ],
    usageMetadata: finalUsage(result),
    modelVersion: meta.model,
    responseId: meta.id,
  };
}

/**
 * The stream: one GenerateContentResponse per token (thought parts when asked for, then text), the
 * function calls whole in one response, the finish reason on the last. Every response carries the
 * usage so far (cumulative, not per chunk). With `alt=sse` each is a `data:` event; without, the
 * body is one JSON array written piece by piece.
 */
function renderStream(result: EngineResult, meta: ResponseMeta, sse: boolean): StreamReply {
  const pieces: Array<{ parts: Array<Record<string, unknown>>; tokens: number; reasoning: number }> = [];
  const hidden = meta.includeThoughts ? 0 : result.reasoning.length;
  if (meta.includeThoughts) {
    for (const piece of result.reasoning)
      pieces.push({ parts: [{ text: piece, thought: true }], tokens: 1, reasoning: 1 });
  }
  for (const piece of result.text) pieces.push({ parts: [{ text: piece }], tokens: 1, reasoning: 0 });
  if (result.toolCalls.length > 0) {
    const tokens = result.toolCalls.reduce((sum, call) => sum + call.fragments.length, 0);
    pieces.push({ parts: result.toolCalls.map(callPart), tokens, reasoning: 0 });
  }
  if (pieces.length === 0 || pieces.at(-1)?.reasoning)
    pieces.push({ parts: [{ text: '' }], tokens: 0, reasoning: 0 });
  const answerStart = pieces.findIndex((piece) => piece.reasoning === 0);
  if (result.reasoning.length > 0 && answerStart >= 0) {
    const first = (pieces[answerStart] as (typeof pieces)[number]).parts[0] as Record<string, unknown>;
    first.thoughtSignature = signReasoning(result.reasoning.join(''));
  }
  // Hidden thoughts still take time: they delay the first response and count in its usage.
  (pieces[0] as (typeof pieces)[number]).tokens += hidden;
  let output = 0;
  let reasoning = hidden;
  const chunks: StreamChunk[] = pieces.map((piece, index) => {
    reasoning += piece.reasoning;
    output += piece.tokens - piece.reasoning - (index === 0 ? hidden : 0);
    const last = index === pieces.length - 1;
    const candidate: Record<string, unknown> = { content: { parts: piece.parts, role: 'model' }, index: 0 };
    if (last) candidate.finishReason = finishReason(result);
    const response = {
      candidates: [candidate],
      usageMetadata: usageMetadata(result, { output, reasoning }),
      modelVersion: meta.model,
      responseId: meta.id,
    };
    const json = JSON.stringify(response);
    const text = sse ? `data: ${json}\r\n\r\n` : `${index === 0 ? '[' : ',\r\n'}${json}`;
    return { text, tokens: piece.tokens };
  });
  return sse
    ? { kind: 'stream', chunks, trailer: '' }
    : { kind: 'stream', chunks, trailer: ']', contentType: 'application/json; charset=UTF-8' };
}

function modelObject(id: string): Record<string, unknown> {
  return {
    name: `models/${id}`,
    version: '001',
    displayName: id,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'embedContent', 'batchEmbedContents'],
  };
}
