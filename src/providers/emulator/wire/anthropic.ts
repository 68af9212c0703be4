/**
 * The Anthropic wire format: Messages (whole and streamed), Count Tokens and Models, with
 * Anthropic's error object and statuses. Written from Anthropic's API reference:
 * - Messages: https://docs.anthropic.com/en/api/messages
 * - Streaming events: https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * - Versions (`anthropic-version` required): https://docs.anthropic.com/en/api/versioning
 * - Errors (shape, 413, 429, 529 overloaded_error, `request-id`): https://docs.anthropic.com/en/api/errors
 * - Count tokens: https://docs.anthropic.com/en/api/messages-count-tokens
 * - Models list: https://docs.anthropic.com/en/api/models-list
 * - Extended thinking (thinking blocks, signature_delta): https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 * - Prompt caching usage fields: https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BUILT_IN_MODELS, countPromptTokens, type EngineResult, generate } from '../engine.ts';
import { parseMessagesRequest } from './anthropic-request.ts';
import {
  bearerToken,
  decodeSegment,
  header,
  idSource,
  isObject,
  namedEvent,
  renameCallId,
  signReasoning,
  stringField,
} from './common.ts';
import {
  type JsonReply,
  type StreamChunk,
  type StreamReply,
  WireError,
  type WireFormat,
  type WireRequest,
  type WireRoute,
} from './types.ts';

const messageId = idSource('msg_emu');
/** A fixed creation time, so the models list is the same on every run. */
const MODELS_CREATED_AT = '2025-01-01T00:00:00Z';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Default messages (our own wording) for statuses a fault rule may send. */
const DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: 'The request is not valid.',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Your account has hit a rate limit.',
  api_error: 'An unexpected error has occurred internal to the emulated API.',
  timeout_error: 'The request timed out.',
  overloaded_error: 'Overloaded',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function requireVersion(request: WireRequest): void {
  if (header(request.headers, 'anthropic-version') === undefined) {
    throw new WireError(400, 'anthropic-version: header is required', 'anthropic-version');
  }
}

const messagesRoute: WireRoute = {
  needsBody: true,
  model: (request) => stringField(request.body, 'model'),
  streams: (request) => isObject(request.body) && request.body.stream === true,
  handle(request) {
    requireVersion(request);
    const call = parseMessagesRequest(request.body);
    const result = generate(call.engine);
    const meta = { id: messageId(), model: call.engine.model };
    return call.stream ? renderStream(result, meta) : renderMessage(result, meta);
  },
};

const countTokensRoute: WireRoute = {
  needsBody: true,
  model: (request) => stringField(request.body, 'model'),
  streams: () => false,
  handle(request): JsonReply {
    requireVersion(request);
    const call = parseMessagesRequest(request.body, true);
    return { kind: 'json', status: 200, tokens: 0, body: { input_tokens: countPromptTokens(call.engine) } };
  },
};

const modelsRoute: WireRoute = {
  needsBody: false,
  model: () => undefined,
  streams: () => false,
  handle(request): JsonReply {
    const ids = [...new Set([...BUILT_IN_MODELS, ...request.extraModels])];
    return {
      kind: 'json',
      status: 200,
      tokens: 0,
      body: {
        data: ids.map(modelObject),
        has_more: false,
        first_id: ids[0] ?? null,
        last_id: ids.at(-1) ?? null,
      },
    };
  },
};

const modelRoute: WireRoute = {
  needsBody: false,
  model: (request) => decodeSegment(request.path.slice('/v1/models/'.length)),
  streams: () => false,
  handle(request): JsonReply {
    return {
      kind: 'json',
      status: 200,
      tokens: 0,
      body: modelObject(decodeSegment(request.path.slice('/v1/models/'.length))),
    };
  },
};

export const anthropicWire: WireFormat = {
  name: 'anthropic',
  route(method, path, headers: IncomingHttpHeaders) {
    if (method === 'POST' && path === '/v1/messages') return messagesRoute;
    if (method === 'POST' && path === '/v1/messages/count_tokens') return countTokensRoute;
    // OpenAI serves the same paths; Anthropic's clients always send their version header.
    if (method !== 'GET' || header(headers, 'anthropic-version') === undefined) return undefined;
    if (path === '/v1/models') return modelsRoute;
    if (path.startsWith('/v1/models/') && path.length > '/v1/models/'.length) return modelRoute;
    return undefined;
  },
  authorized(headers, apiKey) {
    return header(headers, 'x-api-key') === apiKey || bearerToken(headers) === apiKey;
  },
  unauthorized: () => new WireError(401, 'invalid x-api-key', null, 'authentication_error'),
  errorBody(status, error?: WireError) {
    const type = errorType(status);
    return { type: 'error', error: { type, message: error?.message ?? DEFAULT_MESSAGES[type] ?? 'Error.' } };
  },
  streamError(body) {
    return namedEvent('error', body);
  },
  responseHeaders(requestId) {
    return { 'request-id': requestId };
  },
};

interface MessageMeta {
  id: string;
  model: string;
}

type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

function stopReason(result: EngineResult): StopReason {
  if (result.finishReason === 'length') return 'max_tokens';
  if (result.finishReason === 'tool_calls') return 'tool_use';
  return result.stopSequence === undefined ? 'end_turn' : 'stop_sequence';
}

/** Input tokens exclude the ones read from or written to the cache: Anthropic reports each apart. */
function usageObject(result: EngineResult, outputTokens: number): Record<string, unknown> {
  const { promptTokens, cachedTokens, cacheWriteTokens } = result.usage;
  return {
    input_tokens: promptTokens - cachedTokens - cacheWriteTokens,
    cache_creation_input_tokens: cacheWriteTokens,
    cache_read_input_tokens: cachedTokens,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function contentBlocks(result: EngineResult): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (result.reasoning.length > 0) {
    const thinking = result.reasoning.join('');
    blocks.push({ type: 'thinking', thinking, signature: signReasoning(thinking) });
  }
  if (result.text.length > 0) blocks.push({ type: 'text', text: result.text.join('') });
  for (const call of result.toolCalls) {
    blocks.push({
      type: 'tool_use',
      id: renameCallId(call.id, 'toolu_'),
      name: call.name,
      input: toolInput(call.arguments),
    });
  }
  return blocks;
}

/** Arguments cut short by `max_tokens` are not JSON; a real message then holds what was parsed: nothing. */
function toolInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function renderMessage(result: EngineResult, meta: MessageMeta): JsonReply {
  return {
    kind: 'json',
    status: 200,
    tokens: result.usage.completionTokens,
    body: {
      id: meta.id,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: contentBlocks(result),
      stop_reason: stopReason(result),
      stop_sequence: result.stopSequence ?? null,
      usage: usageObject(result, result.usage.completionTokens),
    },
  };
}

/**
 * The stream as Anthropic sends it: message_start (input usage, output_tokens 1), then each content
 * block as content_block_start, deltas (thinking_delta then one signature_delta; text_delta;
 * input_json_delta fragments) and content_block_stop, a ping after the first block opens, then
 * message_delta (stop reason, cumulative output tokens) and message_stop.
 */
function renderStream(result: EngineResult, meta: MessageMeta): StreamReply {
  const chunks: StreamChunk[] = [];
  const event = (name: string, data: Record<string, unknown>, tokens = 0) =>
    chunks.push({ text: namedEvent(name, { type: name, ...data }), tokens });
  event('message_start', {
    message: {
      id: meta.id,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usageObject(result, 1),
    },
  });
  let index = 0;
  const open = (block: Record<string, unknown>) => {
    event('content_block_start', { index, content_block: block });
    if (index === 0) event('ping', {});
  };
  const delta = (body: Record<string, unknown>, tokens: number) =>
    event('content_block_delta', { index, delta: body }, tokens);
  const close = () => event('content_block_stop', { index: index++ });

  if (result.reasoning.length > 0) {
    open({ type: 'thinking', thinking: '', signature: '' });
    for (const piece of result.reasoning) delta({ type: 'thinking_delta', thinking: piece }, 1);
    delta({ type: 'signature_delta', signature: signReasoning(result.reasoning.join('')) }, 0);
    close();
  }
  if (result.text.length > 0) {
    open({ type: 'text', text: '' });
    for (const piece of result.text) delta({ type: 'text_delta', text: piece }, 1);
    close();
  }
  for (const call of result.toolCalls) {
    open({ type: 'tool_use', id: renameCallId(call.id, 'toolu_'), name: call.name, input: {} });
    for (const fragment of call.fragments) delta({ type: 'input_json_delta', partial_json: fragment }, 1);
    close();
  }
  if (index === 0) event('ping', {});
  event('message_delta', {
    delta: { stop_reason: stopReason(result), stop_sequence: result.stopSequence ?? null },
    usage: { output_tokens: result.usage.completionTokens },
  });
  event('message_stop', {});
  return { kind: 'stream', chunks, trailer: '' };
}

function modelObject(id: string): Record<string, unknown> {
  return { type: 'model', id, display_name: id, created_at: MODELS_CREATED_AT };
}
