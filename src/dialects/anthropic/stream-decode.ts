import { GatewayError } from '../../core/errors.ts';
import type { StreamEvent, StreamFrame } from '../../core/ir.ts';
import type { SseEvent, StreamDecoder } from '../types.ts';
import { JSON_RESPONSE_TOOL_NAME } from './constants.ts';
import { decodeStreamError } from './errors.ts';
import {
  countsToUsage,
  emptyCounts,
  finishFromStopReason,
  mergeWireUsage,
  type WireCounts,
} from './usage.ts';
import { isRecord } from './validate.ts';

/**
 * Anthropic stream events -> IR frames. Every frame keeps the upstream event in `raw` so an
 * Anthropic client can be served the bytes as they came; pings return undefined. Content blocks
 * map by kind: text and thinking to text and reasoning events, tool_use to tool-call events
 * numbered from 0 in the order they start, the JSON-response fallback's tool_use to text, and
 * blocks the IR cannot express (server tools) to nothing. The usage event, emitted at each
 * `message_delta`, carries the totals of `message_start` and `message_delta` together.
 */

type BlockState =
  | { kind: 'text' | 'thinking' | 'json' | 'other' }
  | { kind: 'tool'; toolIndex: number; sawArguments: boolean };

export function createStreamDecoder(): StreamDecoder {
  const blocks = new Map<number, BlockState>();
  let nextToolIndex = 0;
  let counts: WireCounts = emptyCounts();
  let finished = false;

  function contentBlockStart(data: Record<string, unknown>): StreamEvent[] {
    const index = blockIndex(data);
    const block = isRecord(data.content_block) ? data.content_block : {};
    switch (block.type) {
      case 'text':
        blocks.set(index, { kind: 'text' });
        return nonEmpty(block.text) ? [{ type: 'text', text: block.text as string }] : [];
      case 'thinking':
        blocks.set(index, { kind: 'thinking' });
        return nonEmpty(block.thinking) ? [{ type: 'reasoning', text: block.thinking as string }] : [];
      case 'redacted_thinking':
        blocks.set(index, { kind: 'other' });
        return [
          { type: 'reasoning', text: '', redactedData: typeof block.data === 'string' ? block.data : '' },
        ];
      case 'tool_use': {
        if (block.name === JSON_RESPONSE_TOOL_NAME) {
          blocks.set(index, { kind: 'json' });
          return [];
        }
        const toolIndex = nextToolIndex++;
        blocks.set(index, { kind: 'tool', toolIndex, sawArguments: false });
        return [
          {
            type: 'tool_call_start',
            index: toolIndex,
            id: String(block.id ?? ''),
            name: String(block.name ?? ''),
          },
        ];
      }
      default:
        blocks.set(index, { kind: 'other' });
        return [];
    }
  }

  function contentBlockDelta(data: Record<string, unknown>): StreamEvent[] {
    const state = blocks.get(blockIndex(data));
    const delta = isRecord(data.delta) ? data.delta : {};
    if (!state) return [];
    switch (delta.type) {
      case 'text_delta':
        return nonEmpty(delta.text) ? [{ type: 'text', text: delta.text as string }] : [];
      case 'thinking_delta':
        return nonEmpty(delta.thinking) ? [{ type: 'reasoning', text: delta.thinking as string }] : [];
      case 'signature_delta':
        return nonEmpty(delta.signature)
          ? [{ type: 'reasoning', text: '', signature: delta.signature as string }]
          : [];
      case 'input_json_delta': {
        if (!nonEmpty(delta.partial_json)) return [];
        const text = delta.partial_json as string;
        if (state.kind === 'json') return [{ type: 'text', text }];
        if (state.kind !== 'tool') return [];
        state.sawArguments = true;
        return [{ type: 'tool_call_delta', index: state.toolIndex, argumentsDelta: text }];
      }
      default:
        return [];
    }
  }

  function contentBlockStop(data: Record<string, unknown>): StreamEvent[] {
    const state = blocks.get(blockIndex(data));
    if (state?.kind !== 'tool') return [];
    // A tool without parameters streams no argument text; `{}` keeps the arguments valid JSON.
    const events: StreamEvent[] = state.sawArguments
      ? []
      : [{ type: 'tool_call_delta', index: state.toolIndex, argumentsDelta: '{}' }];
    events.push({ type: 'tool_call_end', index: state.toolIndex });
    return events;
  }

  function messageDelta(data: Record<string, unknown>): StreamEvent[] {
    counts = mergeWireUsage(counts, data.usage);
    const events: StreamEvent[] = [{ type: 'usage', usage: countsToUsage(counts) }];
    const delta = isRecord(data.delta) ? data.delta : {};
    if (!finished && typeof delta.stop_reason === 'string') {
      finished = true;
      const finish: StreamEvent = {
        type: 'finish',
        reason: finishFromStopReason(delta.stop_reason, nextToolIndex > 0),
      };
      if (typeof delta.stop_sequence === 'string') finish.stopSequence = delta.stop_sequence;
      events.push(finish);
    }
    return events;
  }

  function eventsOf(type: string, data: Record<string, unknown>): StreamEvent[] {
    switch (type) {
      case 'message_start': {
        const message = isRecord(data.message) ? data.message : {};
        counts = mergeWireUsage(counts, message.usage);
        return [
          {
            type: 'start',
            id: typeof message.id === 'string' ? message.id : '',
            model: typeof message.model === 'string' ? message.model : '',
            created: Math.floor(Date.now() / 1000),
          },
        ];
      }
      case 'content_block_start':
        return contentBlockStart(data);
      case 'content_block_delta':
        return contentBlockDelta(data);
      case 'content_block_stop':
        return contentBlockStop(data);
      case 'message_delta':
        return messageDelta(data);
      case 'error':
        throw decodeStreamError(data);
      default:
        // message_stop, and event types newer than this codec: nothing for the IR, relayed as is
        return [];
    }
  }

  return {
    push(event: SseEvent): StreamFrame | undefined {
      const data = parseData(event.data);
      const type = event.event ?? (typeof data.type === 'string' ? data.type : '');
      if (type === 'ping') return undefined;
      return {
        events: eventsOf(type, data),
        raw: { dialect: 'anthropic-messages', event: type, data: event.data },
      };
    },
  };
}

function parseData(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isRecord(value)) {
    throw new GatewayError('upstream_error', 'The upstream sent a stream event that is not a JSON object', {
      code: 'invalid_upstream_response',
    });
  }
  return value;
}

function blockIndex(data: Record<string, unknown>): number {
  return typeof data.index === 'number' ? data.index : -1;
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}
