/**
 * The Cohere v2 wire format: Chat (whole, and streamed as named SSE events) and Embed, with Cohere's
 * `{"message"}` errors. Written from Cohere's API reference:
 * - Chat: https://docs.cohere.com/reference/chat (response: message.content / tool_plan /
 *   tool_calls, finish_reason COMPLETE | STOP_SEQUENCE | MAX_TOKENS | TOOL_CALL | ERROR, usage
 *   billed_units and tokens)
 * - Chat stream events: https://docs.cohere.com/reference/chat-stream and
 *   https://docs.cohere.com/docs/streaming (message-start, content-start/delta/end,
 *   tool-plan-delta, tool-call-start/delta/end, message-end)
 * - Tool use streaming: https://docs.cohere.com/docs/tool-use-streaming
 * - Reasoning (thinking content blocks): https://docs.cohere.com/docs/reasoning
 * - Embed: https://docs.cohere.com/reference/embed
 * - Errors: https://docs.cohere.com/reference/errors
 * A stream cut by `errorAfterChunks` ends with a message-end whose finish_reason is ERROR.
 */
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  embeddingInputTokens,
  embeddingVector,
  vectorToNumbers,
} from '../embeddings.ts';
import type { EngineResult } from '../engine.ts';
import { generate } from '../engine.ts';
import { splitWords } from '../tokens.ts';
import { parseCohereChat, parseCohereEmbed } from './cohere-request.ts';
import { bearerToken, idSource, isObject, namedEvent, renameCallId, stringField } from './common.ts';
import type { JsonReply, StreamChunk, StreamReply, WireFormat, WireRoute } from './types.ts';
import { WireError } from './types.ts';

const responseId = idSource('emu-');

/** Default messages (our own wording) for statuses a fault rule may send. */
const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'invalid request',
  401: 'invalid api token',
  402: 'please add a payment method to continue',
  404: 'model not found',
  429: 'You have hit the rate limit; please slow down.',
  499: 'request cancelled',
  500: 'internal server error, this has been reported to our developers',
  503: 'service unavailable',
  504: 'the request timed out',
};

const chatRoute: WireRoute = {
  needsBody: true,
  model: (request) => stringField(request.body, 'model'),
  streams: (request) => isObject(request.body) && request.body.stream === true,
  handle(request) {
    const call = parseCohereChat(request.body);
    const answer = toAnswer(generate(call.engine));
    const id = responseId();
    return call.stream ? renderStream(answer, id) : renderResponse(answer, id);
  },
};

const embedRoute: WireRoute = {
  needsBody: true,
  model: (request) => stringField(request.body, 'model'),
  streams: () => false,
  handle(request): JsonReply {
    const call = parseCohereEmbed(request.body);
    const dimensions = call.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    let tokens = 0;
    const vectors = call.texts.map((text) => {
      tokens += embeddingInputTokens(text);
      return vectorToNumbers(embeddingVector(call.model, text, dimensions));
    });
    return {
      kind: 'json',
      status: 200,
      tokens: 0,
      body: {
        id: responseId(),
        embeddings: { float: vectors },
        texts: call.texts,
        meta: { api_version: { version: '2' }, billed_units: { input_tokens: tokens } },
        response_type: 'embeddings_by_type',
      },
    };
  },
};

export const cohereWire: WireFormat = {
  name: 'cohere',
  route(method, path) {
    if (method === 'POST' && path === '/v2/chat') return chatRoute;
    if (method === 'POST' && path === '/v2/embed') return embedRoute;
    return undefined;
  },
  authorized(headers, apiKey) {
    return bearerToken(headers) === apiKey;
  },
  unauthorized: (headers) =>
    new WireError(401, bearerToken(headers) === undefined ? 'no api key supplied' : 'invalid api token'),
  errorBody(status, error) {
    return {
      id: responseId(),
      message:
        error?.message ??
        DEFAULT_MESSAGES[status] ??
        (status >= 500 ? DEFAULT_MESSAGES[500] : DEFAULT_MESSAGES[400]),
    };
  },
  streamError(body) {
    const message =
      isObject(body) && typeof body.message === 'string' ? body.message : 'internal server error';
    return namedEvent('message-end', {
      type: 'message-end',
      delta: { error: message, finish_reason: 'ERROR' },
    });
  },
  responseHeaders(requestId) {
    return { 'x-debug-trace-id': requestId };
  },
};

/** The engine's answer in Cohere's terms: a tool plan precedes tool calls and counts as output. */
interface CohereAnswer {
  result: EngineResult;
  toolPlan: string[];
  finishReason: 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL';
  outputTokens: number;
}

function toAnswer(result: EngineResult): CohereAnswer {
  const names = result.toolCalls.map((call) => call.name);
  const toolPlan = names.length > 0 ? splitWords(`I will call ${names.join(' and ')} to answer this.`) : [];
  const finishReason =
    result.finishReason === 'length'
      ? 'MAX_TOKENS'
      : result.finishReason === 'tool_calls'
        ? 'TOOL_CALL'
        : result.stopSequence !== undefined
          ? 'STOP_SEQUENCE'
          : 'COMPLETE';
  return { result, toolPlan, finishReason, outputTokens: result.usage.completionTokens + toolPlan.length };
}

function usageObject(answer: CohereAnswer): Record<string, unknown> {
  const { promptTokens, cachedTokens } = answer.result.usage;
  const usage: Record<string, unknown> = {
    billed_units: { input_tokens: promptTokens, output_tokens: answer.outputTokens },
    tokens: { input_tokens: promptTokens, output_tokens: answer.outputTokens },
  };
  if (cachedTokens > 0) usage.cached_tokens = cachedTokens;
  return usage;
}

function toolCallId(call: EngineResult['toolCalls'][number]): string {
  return renameCallId(call.id, `${call.name}_`).slice(0, call.name.length + 13);
}

function renderResponse(answer: CohereAnswer, id: string): JsonReply {
  const { result } = answer;
  const content: Array<Record<string, unknown>> = [];
  if (result.reasoning.length > 0) content.push({ type: 'thinking', thinking: result.reasoning.join('') });
  if (result.text.length > 0) content.push({ type: 'text', text: result.text.join('') });
  const message: Record<string, unknown> = { role: 'assistant' };
  if (answer.toolPlan.length > 0) message.tool_plan = answer.toolPlan.join('');
  if (result.toolCalls.length > 0) {
    message.tool_calls = result.toolCalls.map((call) => ({
      id: toolCallId(call),
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (content.length > 0) message.content = content;
  return {
    kind: 'json',
    status: 200,
    tokens: answer.outputTokens,
    body: { id, message, finish_reason: answer.finishReason, usage: usageObject(answer) },
  };
}

/**
 * The stream: message-start; thinking and text each as content-start, content-delta per token,
 * content-end; the tool plan as tool-plan-delta per word; each tool call as tool-call-start,
 * tool-call-delta per argument fragment, tool-call-end; then message-end with the finish reason
 * and usage. Every event has an `event:` line naming its type.
 */
function renderStream(answer: CohereAnswer, id: string): StreamReply {
  const { result } = answer;
  const chunks: StreamChunk[] = [];
  const event = (type: string, data: Record<string, unknown>, tokens = 0) =>
    chunks.push({
      text: namedEvent(type, { ...(type === 'message-start' ? { id } : {}), type, ...data }),
      tokens,
    });
  event('message-start', {
    delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
  });
  let index = 0;
  const block = (kind: 'thinking' | 'text', pieces: string[]) => {
    if (pieces.length === 0) return;
    event('content-start', { index, delta: { message: { content: { type: kind, [kind]: '' } } } });
    for (const piece of pieces)
      event('content-delta', { index, delta: { message: { content: { [kind]: piece } } } }, 1);
    event('content-end', { index });
    index++;
  };
  block('thinking', result.reasoning);
  block('text', result.text);
  for (const word of answer.toolPlan)
    event('tool-plan-delta', { delta: { message: { tool_plan: word } } }, 1);
  result.toolCalls.forEach((call, callIndex) => {
    event('tool-call-start', {
      index: callIndex,
      delta: {
        message: {
          tool_calls: {
            id: toolCallId(call),
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        },
      },
    });
    for (const fragment of call.fragments) {
      event(
        'tool-call-delta',
        { index: callIndex, delta: { message: { tool_calls: { function: { arguments: fragment } } } } },
        1,
      );
    }
    event('tool-call-end', { index: callIndex });
  });
  event('message-end', { delta: { finish_reason: answer.finishReason, usage: usageObject(answer) } });
  return { kind: 'stream', chunks, trailer: '' };
}
