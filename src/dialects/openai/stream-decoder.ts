import { GatewayError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { StreamEvent, StreamFrame } from '../../core/ir.ts';
import type { SseEvent, StreamDecoder } from '../types.ts';
import { errorFromPayload } from './errors.ts';
import { finishFromOpenAI, usageFromOpenAI } from './usage.ts';
import { isRecord, type Json } from './validate.ts';

/** One streamed tool call, keyed by OpenAI's `index`, until its name is known and it can start. */
interface ToolCallState {
  irIndex: number;
  id: string | undefined;
  name: string | undefined;
  /** Arguments that arrived before the name (some compatible servers send them first). */
  pending: string;
}

/**
 * `chat.completion.chunk` events -> IR frames. Every frame keeps the upstream's data in `raw`, so an
 * OpenAI client of an OpenAI-compatible upstream gets the upstream's bytes unchanged. Only choice 0
 * is modelled.
 */
export class OpenAIStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private sawToolCall = false;
  private nextToolIndex = 0;
  private readonly toolCalls = new Map<number, ToolCallState>();

  push(event: SseEvent): StreamFrame | undefined {
    const data = event.data;
    if (data === '[DONE]' || data.length === 0) return undefined;
    const chunk = parseChunk(data);
    if (chunk.error !== undefined && chunk.error !== null) throw errorFromPayload(chunk);
    const events: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        type: 'start',
        id: typeof chunk.id === 'string' && chunk.id ? chunk.id : newId('chatcmpl'),
        model: typeof chunk.model === 'string' ? chunk.model : '',
        created: typeof chunk.created === 'number' ? chunk.created : Math.floor(Date.now() / 1000),
      });
    }
    const choices = chunk.choices;
    if (Array.isArray(choices)) {
      for (const choice of choices) {
        if (isRecord(choice) && (choice.index === undefined || choice.index === 0))
          this.decodeChoice(choice, events);
      }
    }
    // Groq reports stream usage under `x_groq` instead of `usage`.
    const usage = chunk.usage ?? (isRecord(chunk.x_groq) ? chunk.x_groq.usage : undefined);
    if (isRecord(usage)) events.push({ type: 'usage', usage: usageFromOpenAI(usage) });
    return { events, raw: { dialect: 'openai-chat', data } };
  }

  private decodeChoice(choice: Json, events: StreamEvent[]): void {
    const delta = choice.delta;
    if (isRecord(delta)) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) events.push({ type: 'reasoning', text: reasoning });
      if (typeof delta.content === 'string' && delta.content)
        events.push({ type: 'text', text: delta.content });
      if (typeof delta.refusal === 'string' && delta.refusal)
        events.push({ type: 'text', text: delta.refusal });
      const toolCalls = delta.tool_calls;
      if (Array.isArray(toolCalls)) {
        for (let i = 0; i < toolCalls.length; i++) this.decodeToolCall(toolCalls[i], i, events);
      }
    }
    const reason = choice.finish_reason;
    if (typeof reason === 'string' && !this.finished) {
      this.finished = true;
      for (const call of this.toolCalls.values()) {
        if (call.irIndex >= 0) events.push({ type: 'tool_call_end', index: call.irIndex });
      }
      this.toolCalls.clear();
      let mapped = finishFromOpenAI(reason);
      if (mapped === 'stop' && this.sawToolCall) mapped = 'tool_calls';
      events.push(
        typeof choice.stop_reason === 'string'
          ? { type: 'finish', reason: mapped, stopSequence: choice.stop_reason }
          : { type: 'finish', reason: mapped },
      );
    }
  }

  private decodeToolCall(value: unknown, position: number, events: StreamEvent[]): void {
    if (!isRecord(value)) return;
    const key = typeof value.index === 'number' ? value.index : position;
    let call = this.toolCalls.get(key);
    if (call === undefined) {
      call = { irIndex: -1, id: undefined, name: undefined, pending: '' };
      this.toolCalls.set(key, call);
    }
    if (typeof value.id === 'string' && value.id && call.id === undefined) call.id = value.id;
    const fn = isRecord(value.function) ? value.function : undefined;
    if (typeof fn?.name === 'string' && fn.name && call.name === undefined) call.name = fn.name;
    const args = typeof fn?.arguments === 'string' ? fn.arguments : '';
    if (call.irIndex < 0) {
      if (call.name === undefined) {
        call.pending += args;
        return;
      }
      call.irIndex = this.nextToolIndex++;
      this.sawToolCall = true;
      events.push({
        type: 'tool_call_start',
        index: call.irIndex,
        id: call.id ?? newId('call'),
        name: call.name,
      });
      if (call.pending)
        events.push({ type: 'tool_call_delta', index: call.irIndex, argumentsDelta: call.pending });
      call.pending = '';
    }
    if (args) events.push({ type: 'tool_call_delta', index: call.irIndex, argumentsDelta: args });
  }
}

function parseChunk(data: string): Json {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    chunk = undefined;
  }
  if (!isRecord(chunk)) {
    throw new GatewayError('upstream_error', 'The upstream sent a stream chunk that is not a JSON object', {
      code: 'upstream_invalid_stream',
    });
  }
  return chunk;
}
