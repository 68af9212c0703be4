/**
 * Bedrock Converse response -> IR, whole and streamed
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
 * - content blocks: text -> text; toolUse -> tool call (input as JSON text), except the `json_response`
 *   tool the request encoder forces for json_schema, whose input becomes the answer's text;
 *   reasoningContent -> reasoning with its signature, or its redacted content;
 * - stopReason: end_turn and stop_sequence -> stop, tool_use -> tool_calls (stop when only the JSON
 *   tool was used), max_tokens and model_context_window_exceeded -> length, guardrail_intervened and
 *   content_filtered -> content_filter; Bedrock's own reason is kept in `extra.stopReason`;
 * - usage: Bedrock's inputTokens leaves out prompt-cache reads and writes, the IR's input counts them,
 *   so input = inputTokens + cacheReadInputTokens + cacheWriteInputTokens. Converse reports no
 *   reasoning count. Responses carry neither an id (one is generated) nor the model (the provider
 *   fills it in);
 * - stream: ConverseStream is AWS's binary event stream; the provider decodes the frames and hands
 *   this decoder one SseEvent per frame, `event` = the event type and `data` = its JSON payload.
 *   messageStart -> start; contentBlockStart with toolUse -> tool_call_start; contentBlockDelta ->
 *   text, tool_call_delta or reasoning (text, signature or redacted content); contentBlockStop of a
 *   tool block -> tool_call_end; messageStop -> finish; metadata -> usage. An exception event
 *   (throttlingException, modelStreamErrorException, ...) is thrown as a GatewayError.
 */
import type { GatewayError } from '../../core/errors.ts';
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
  appendMergingText,
  arrayOf,
  count,
  generatedId,
  isRecord,
  type Json,
  malformedUpstream,
  nowSeconds,
  parseStreamData,
} from '../upstream-common.ts';
import { BEDROCK_JSON_TOOL_NAME } from './request.ts';

export function bedrockFinishReason(reason: unknown, calledTool: boolean): FinishReason {
  switch (reason) {
    case 'tool_use':
      return calledTool ? 'tool_calls' : 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export function bedrockUsage(value: unknown): Usage {
  const usage = isRecord(value) ? value : {};
  const cacheRead = count(usage.cacheReadInputTokens);
  const cacheWrite = count(usage.cacheWriteInputTokens);
  return {
    inputTokens: count(usage.inputTokens) + cacheRead + cacheWrite,
    outputTokens: count(usage.outputTokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: 0,
  };
}

function decodeReasoning(block: Json): ContentPart | undefined {
  if (typeof block.redactedContent === 'string')
    return { type: 'reasoning', text: '', redactedData: block.redactedContent };
  const text = isRecord(block.reasoningText) ? block.reasoningText : undefined;
  if (!text) return undefined;
  return {
    type: 'reasoning',
    text: typeof text.text === 'string' ? text.text : '',
    ...(typeof text.signature === 'string' ? { signature: text.signature } : {}),
  };
}

function decodeBlock(block: Json): ContentPart | undefined {
  if (typeof block.text === 'string') return { type: 'text', text: block.text };
  if (isRecord(block.toolUse)) {
    const use = block.toolUse;
    const input = JSON.stringify(use.input ?? {});
    if (use.name === BEDROCK_JSON_TOOL_NAME) return { type: 'text', text: input };
    return {
      type: 'tool_call',
      id: typeof use.toolUseId === 'string' ? use.toolUseId : generatedId('call'),
      name: typeof use.name === 'string' ? use.name : '',
      arguments: input,
    };
  }
  if (isRecord(block.reasoningContent)) return decodeReasoning(block.reasoningContent);
  return undefined;
}

export function decodeBedrockResponse(body: unknown): ChatResponse {
  if (!isRecord(body)) throw malformedUpstream('bedrock-converse', 'the body is not a JSON object');
  const output = isRecord(body.output) ? body.output : undefined;
  const message = output && isRecord(output.message) ? output.message : undefined;
  if (!message) throw malformedUpstream('bedrock-converse', 'no output.message');
  const content: ContentPart[] = [];
  for (const block of arrayOf(message.content).filter(isRecord)) {
    const part = decodeBlock(block);
    if (part) appendMergingText(content, part);
  }
  const extra: Json = {};
  if (typeof body.stopReason === 'string') extra.stopReason = body.stopReason;
  if (body.metrics !== undefined) extra.metrics = body.metrics;
  if (body.additionalModelResponseFields !== undefined)
    extra.additionalModelResponseFields = body.additionalModelResponseFields;
  return {
    id: generatedId('gen'),
    model: '',
    created: nowSeconds(),
    content,
    finishReason: bedrockFinishReason(
      body.stopReason,
      content.some((part) => part.type === 'tool_call'),
    ),
    usage: bedrockUsage(body.usage),
    extra,
  };
}

/** Stream decoder; `toError` turns an exception event into the error to throw. */
export function createBedrockStreamDecoder(
  toError: (type: string, payload: unknown) => GatewayError,
): StreamDecoder {
  let started = false;
  let nextToolIndex = 0;
  /** Content block index -> IR tool-call index, or 'json' for the forced JSON tool's block. */
  const toolBlocks = new Map<number, number | 'json'>();

  function decode(type: string, payload: Json): StreamEvent[] {
    const blockIndex = typeof payload.contentBlockIndex === 'number' ? payload.contentBlockIndex : 0;
    switch (type) {
      case 'messageStart':
        return [];
      case 'contentBlockStart': {
        const start = isRecord(payload.start) ? payload.start : {};
        const use = isRecord(start.toolUse) ? start.toolUse : undefined;
        if (!use) return [];
        if (use.name === BEDROCK_JSON_TOOL_NAME) {
          toolBlocks.set(blockIndex, 'json');
          return [];
        }
        const index = nextToolIndex++;
        toolBlocks.set(blockIndex, index);
        const id = typeof use.toolUseId === 'string' ? use.toolUseId : generatedId('call');
        return [{ type: 'tool_call_start', index, id, name: typeof use.name === 'string' ? use.name : '' }];
      }
      case 'contentBlockDelta':
        return decodeDelta(isRecord(payload.delta) ? payload.delta : {}, toolBlocks.get(blockIndex));
      case 'contentBlockStop': {
        const tool = toolBlocks.get(blockIndex);
        toolBlocks.delete(blockIndex);
        return typeof tool === 'number' ? [{ type: 'tool_call_end', index: tool }] : [];
      }
      case 'messageStop':
        return [{ type: 'finish', reason: bedrockFinishReason(payload.stopReason, nextToolIndex > 0) }];
      case 'metadata':
        return payload.usage === undefined ? [] : [{ type: 'usage', usage: bedrockUsage(payload.usage) }];
      default:
        if (/exception$/i.test(type)) throw toError(type, payload);
        return [];
    }
  }

  return {
    push(event: SseEvent): StreamFrame | undefined {
      const type = event.event ?? '';
      const data = event.data.trim();
      const payload = data === '' ? {} : parseStreamData('bedrock-converse', data);
      if (!isRecord(payload))
        throw malformedUpstream('bedrock-converse', 'a stream event is not a JSON object');
      const events = decode(type, payload);
      if (!started) {
        started = true;
        events.unshift({ type: 'start', id: generatedId('gen'), model: '', created: nowSeconds() });
      }
      if (events.length === 0) return undefined;
      return { events, raw: { dialect: 'bedrock-converse', event: type, data: event.data } };
    },
  };
}

function decodeDelta(delta: Json, tool: number | 'json' | undefined): StreamEvent[] {
  if (typeof delta.text === 'string') return delta.text === '' ? [] : [{ type: 'text', text: delta.text }];
  if (isRecord(delta.toolUse) && typeof delta.toolUse.input === 'string') {
    const input = delta.toolUse.input;
    if (input === '' || tool === undefined) return [];
    return tool === 'json'
      ? [{ type: 'text', text: input }]
      : [{ type: 'tool_call_delta', index: tool, argumentsDelta: input }];
  }
  if (isRecord(delta.reasoningContent)) {
    const reasoning = delta.reasoningContent;
    if (typeof reasoning.text === 'string') return [{ type: 'reasoning', text: reasoning.text }];
    if (typeof reasoning.signature === 'string')
      return [{ type: 'reasoning', text: '', signature: reasoning.signature }];
    if (typeof reasoning.redactedContent === 'string')
      return [{ type: 'reasoning', text: '', redactedData: reasoning.redactedContent }];
  }
  return [];
}
