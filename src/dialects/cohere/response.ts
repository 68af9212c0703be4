/**
 * Cohere v2 Chat response -> IR, whole and streamed (https://docs.cohere.com/reference/chat,
 * https://docs.cohere.com/reference/chat-stream, https://docs.cohere.com/docs/streaming).
 * - content: `thinking` items -> reasoning; `tool_plan` -> text (it is the model's prose before its
 *   tool calls; the request encoder sends such text back as `tool_plan`); text items -> text;
 *   tool_calls -> tool calls;
 * - finish_reason: COMPLETE and STOP_SEQUENCE -> stop, MAX_TOKENS -> length, TOOL_CALL -> tool_calls,
 *   ERROR and TIMEOUT -> error; Cohere's own reason is kept in `extra.finishReason`;
 * - usage: `billed_units` (what Cohere charges for; it leaves out the prompt template Cohere adds)
 *   and, when a count is missing there, `tokens`; `cached_tokens` -> cacheRead. Cohere reports no
 *   separate reasoning count. Responses do not name the model: `model` is empty and the provider fills
 *   it in;
 * - stream (SSE with `event:` names, the same `type` in the data): message-start -> start;
 *   content-delta -> text or reasoning (a thinking block's deltas carry `thinking`); tool-plan-delta ->
 *   text; tool-call-start/-delta/-end -> tool call events with indexes counted from 0 in start order;
 *   message-end -> finish then usage. content-start/-end, citation-*, debug carry nothing.
 */
import type {
  ChatResponse,
  ContentPart,
  FinishReason,
  StreamEvent,
  StreamFrame,
  Usage,
} from '../../core/ir.ts';
import type { SseEvent, StreamDecoder } from '../types.ts';
import {
  arrayOf,
  count,
  generatedId,
  isRecord,
  type Json,
  malformedUpstream,
  nowSeconds,
  parseStreamData,
} from '../upstream-common.ts';

export function cohereFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR':
    case 'TIMEOUT':
      return 'error';
    default:
      return 'stop';
  }
}

export function cohereUsage(value: unknown): Usage {
  const usage = isRecord(value) ? value : {};
  const billed = isRecord(usage.billed_units) ? usage.billed_units : {};
  const tokens = isRecord(usage.tokens) ? usage.tokens : {};
  const pick = (key: string) => (billed[key] !== undefined ? count(billed[key]) : count(tokens[key]));
  return {
    inputTokens: pick('input_tokens'),
    outputTokens: pick('output_tokens'),
    cacheReadTokens: count(usage.cached_tokens),
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
}

function toolCallPart(call: Json): ContentPart {
  const fn = isRecord(call.function) ? call.function : {};
  return {
    type: 'tool_call',
    id: typeof call.id === 'string' && call.id !== '' ? call.id : generatedId('call'),
    name: typeof fn.name === 'string' ? fn.name : '',
    arguments: typeof fn.arguments === 'string' ? fn.arguments : '',
  };
}

export function decodeCohereResponse(body: unknown): ChatResponse {
  if (!isRecord(body)) throw malformedUpstream('cohere', 'the body is not a JSON object');
  if (!isRecord(body.message)) throw malformedUpstream('cohere', 'no message');
  const message = body.message;
  const items = arrayOf(message.content).filter(isRecord);
  const content: ContentPart[] = [];
  for (const item of items) {
    if (item.type === 'thinking' && typeof item.thinking === 'string') {
      content.push({ type: 'reasoning', text: item.thinking });
    }
  }
  if (typeof message.tool_plan === 'string' && message.tool_plan !== '') {
    content.push({ type: 'text', text: message.tool_plan });
  }
  for (const item of items) {
    if (item.type === 'text' && typeof item.text === 'string')
      content.push({ type: 'text', text: item.text });
  }
  for (const call of arrayOf(message.tool_calls).filter(isRecord)) content.push(toolCallPart(call));

  const extra: Json = {};
  if (typeof body.finish_reason === 'string') extra.finishReason = body.finish_reason;
  if (message.citations !== undefined) extra.citations = message.citations;
  return {
    id: typeof body.id === 'string' ? body.id : generatedId('gen'),
    model: '',
    created: nowSeconds(),
    content,
    finishReason: cohereFinishReason(body.finish_reason),
    usage: cohereUsage(body.usage),
    extra,
  };
}

/** `delta.message` of a stream event, where Cohere puts every payload. */
function deltaMessage(payload: Json): Json {
  const delta = isRecord(payload.delta) ? payload.delta : {};
  return isRecord(delta.message) ? delta.message : {};
}

export function createCohereStreamDecoder(): StreamDecoder {
  let started = false;
  let nextToolIndex = 0;
  /** Cohere's tool-call index -> the IR's, for calls started and not yet ended. */
  const openCalls = new Map<number, number>();

  const startEvent = (payload: Json): StreamEvent => ({
    type: 'start',
    id: typeof payload.id === 'string' ? payload.id : generatedId('gen'),
    model: '',
    created: nowSeconds(),
  });

  const cohereIndex = (payload: Json): number => (typeof payload.index === 'number' ? payload.index : 0);

  function decode(type: string, payload: Json): StreamEvent[] {
    const message = deltaMessage(payload);
    switch (type) {
      case 'message-start':
        return [];
      case 'content-delta': {
        const content = isRecord(message.content) ? message.content : {};
        if (typeof content.thinking === 'string' && content.thinking !== '')
          return [{ type: 'reasoning', text: content.thinking }];
        if (typeof content.text === 'string' && content.text !== '')
          return [{ type: 'text', text: content.text }];
        return [];
      }
      case 'tool-plan-delta':
        return typeof message.tool_plan === 'string' && message.tool_plan !== ''
          ? [{ type: 'text', text: message.tool_plan }]
          : [];
      case 'tool-call-start': {
        const call = isRecord(message.tool_calls) ? message.tool_calls : {};
        const part = toolCallPart(call);
        if (part.type !== 'tool_call') return [];
        const index = nextToolIndex++;
        openCalls.set(cohereIndex(payload), index);
        const events: StreamEvent[] = [{ type: 'tool_call_start', index, id: part.id, name: part.name }];
        if (part.arguments !== '')
          events.push({ type: 'tool_call_delta', index, argumentsDelta: part.arguments });
        return events;
      }
      case 'tool-call-delta': {
        const index = openCalls.get(cohereIndex(payload));
        const call = isRecord(message.tool_calls) ? message.tool_calls : {};
        const fn = isRecord(call.function) ? call.function : {};
        if (index === undefined || typeof fn.arguments !== 'string' || fn.arguments === '') return [];
        return [{ type: 'tool_call_delta', index, argumentsDelta: fn.arguments }];
      }
      case 'tool-call-end': {
        const key = cohereIndex(payload);
        const index = openCalls.get(key);
        if (index === undefined) return [];
        openCalls.delete(key);
        return [{ type: 'tool_call_end', index }];
      }
      case 'message-end': {
        const delta = isRecord(payload.delta) ? payload.delta : {};
        const events: StreamEvent[] = [...openCalls.values()].map(
          (index) => ({ type: 'tool_call_end', index }) as const,
        );
        openCalls.clear();
        events.push({ type: 'finish', reason: cohereFinishReason(delta.finish_reason) });
        if (delta.usage !== undefined) events.push({ type: 'usage', usage: cohereUsage(delta.usage) });
        return events;
      }
      default:
        return [];
    }
  }

  return {
    push(event: SseEvent): StreamFrame | undefined {
      const data = event.data.trim();
      if (data === '' || data === '[DONE]') return undefined;
      const payload = parseStreamData('cohere', data);
      if (!isRecord(payload)) throw malformedUpstream('cohere', 'a stream event is not a JSON object');
      const type = event.event ?? (typeof payload.type === 'string' ? payload.type : '');
      const events = decode(type, payload);
      if (!started) {
        started = true;
        events.unshift(startEvent(payload));
      }
      if (events.length === 0) return undefined;
      return {
        events,
        raw: { dialect: 'cohere', ...(event.event ? { event: event.event } : {}), data: event.data },
      };
    },
  };
}
