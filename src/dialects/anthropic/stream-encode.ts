import type { GatewayError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { FinishReason, StreamEvent, StreamFrame, Usage } from '../../core/ir.ts';
import { formatSse } from '../sse-format.ts';
import type { StreamEncoder, StreamEncoderOptions } from '../types.ts';
import { errorBody } from './errors.ts';
import { anthropicMessageId } from './response.ts';
import { stopReasonFromFinish, usageToWire } from './usage.ts';

/**
 * IR frames -> an Anthropic event stream for a client of /v1/messages.
 *
 * Frames decoded from an Anthropic upstream are written back byte for byte; only `message_delta`
 * is re-encoded, when the usage extension has something to add under `switchyard`. Frames from
 * any other upstream are turned into the documented event sequence: message_start, then per
 * content block content_block_start / content_block_delta... / content_block_stop (one block open
 * at a time, so a text block is closed before a tool_use block starts), message_delta with the
 * stop reason and usage, message_stop.
 *
 * message_start is written before any usage is known, so its usage is zero; the totals come in
 * message_delta, which current SDKs read.
 */

type OpenBlock =
  | { index: number; kind: 'text' | 'thinking' }
  | { index: number; kind: 'tool'; toolIndex: number };

export function createStreamEncoder(options: StreamEncoderOptions): StreamEncoder {
  const { request, usageExtension } = options;
  let started = false;
  let stopped = false;
  let nextBlockIndex = 0;
  let open: OpenBlock | undefined;
  const toolBlocks = new Map<number, number>();
  let finish: { reason: FinishReason; stopSequence?: string } | undefined;
  let usage: Usage | undefined;
  let deltaSent = false;

  const event = (type: string, data: Record<string, unknown>): string =>
    formatSse(JSON.stringify({ type, ...data }), type);

  /** message_start, once; `id` is read the first time only (a fresh one when the IR gave none). */
  function start(id?: string): string {
    if (started) return '';
    started = true;
    const message = {
      id: anthropicMessageId(id || newId('msg')),
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 0,
      },
    };
    return event('message_start', { message });
  }

  function closeBlock(): string {
    if (!open) return '';
    const out = event('content_block_stop', { index: open.index });
    open = undefined;
    return out;
  }

  function openBlock(kind: 'text' | 'thinking', contentBlock: Record<string, unknown>): string {
    if (open?.kind === kind) return '';
    const out = closeBlock();
    open = { index: nextBlockIndex++, kind };
    return out + event('content_block_start', { index: open.index, content_block: contentBlock });
  }

  function messageDelta(): string {
    if (deltaSent) return '';
    deltaSent = true;
    const reason = finish?.reason ?? 'stop';
    const stopReason = stopReasonFromFinish(reason, finish?.stopSequence);
    const data: Record<string, unknown> = {
      delta: {
        stop_reason: stopReason,
        stop_sequence: stopReason === 'stop_sequence' ? finish?.stopSequence : null,
      },
      usage: usageToWire(
        usage ?? {
          inputTokens: 0,
          outputTokens: 0,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      ),
    };
    const extension = usage ? usageExtension?.(usage) : undefined;
    if (extension) data.switchyard = extension;
    return event('message_delta', data);
  }

  function encodeEvent(ir: StreamEvent): string {
    if (ir.type === 'start') return start(ir.id);
    let out = start();
    switch (ir.type) {
      case 'text':
        if (ir.text === '') return out;
        out += openBlock('text', { type: 'text', text: '' });
        return (
          out +
          event('content_block_delta', { index: open?.index, delta: { type: 'text_delta', text: ir.text } })
        );
      case 'reasoning':
        return out + encodeReasoning(ir);
      case 'tool_call_start': {
        out += closeBlock();
        open = { index: nextBlockIndex++, kind: 'tool', toolIndex: ir.index };
        toolBlocks.set(ir.index, open.index);
        const block = { type: 'tool_use', id: ir.id, name: ir.name, input: {} };
        return out + event('content_block_start', { index: open.index, content_block: block });
      }
      case 'tool_call_delta': {
        const index = toolBlocks.get(ir.index);
        if (index === undefined || ir.argumentsDelta === '') return out;
        const delta = { type: 'input_json_delta', partial_json: ir.argumentsDelta };
        return out + event('content_block_delta', { index, delta });
      }
      case 'tool_call_end':
        return open?.kind === 'tool' && open.toolIndex === ir.index ? out + closeBlock() : out;
      case 'usage':
        usage = ir.usage;
        return finish ? out + messageDelta() : out;
      case 'finish':
        finish =
          ir.stopSequence === undefined
            ? { reason: ir.reason }
            : { reason: ir.reason, stopSequence: ir.stopSequence };
        out += closeBlock();
        return usage ? out + messageDelta() : out;
    }
  }

  function encodeReasoning(ir: Extract<StreamEvent, { type: 'reasoning' }>): string {
    if (ir.redactedData !== undefined) {
      const out = closeBlock();
      const index = nextBlockIndex++;
      return (
        out +
        event('content_block_start', {
          index,
          content_block: { type: 'redacted_thinking', data: ir.redactedData },
        }) +
        event('content_block_stop', { index })
      );
    }
    let out = openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
    const index = open?.index;
    if (ir.text !== '') {
      out += event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: ir.text } });
    }
    if (ir.signature) {
      // a signature is the last thing a thinking block carries
      const delta = { type: 'signature_delta', signature: ir.signature };
      out += event('content_block_delta', { index, delta }) + closeBlock();
    }
    return out;
  }

  function relay(raw: NonNullable<StreamFrame['raw']>, events: StreamEvent[]): string {
    const name = raw.event ?? '';
    started = true;
    if (name === 'message_stop') stopped = true;
    if (name === 'message_delta') deltaSent = true;
    if (name === 'message_delta' && usageExtension) {
      const reported = events.find((item) => item.type === 'usage');
      const extension = reported?.type === 'usage' ? usageExtension(reported.usage) : undefined;
      if (extension) {
        return formatSse(JSON.stringify({ ...JSON.parse(raw.data), switchyard: extension }), name);
      }
    }
    return formatSse(raw.data, name);
  }

  return {
    encode(frame: StreamFrame): string {
      if (stopped) return '';
      if (frame.raw?.dialect === 'anthropic-messages') return relay(frame.raw, frame.events);
      return frame.events.map(encodeEvent).join('');
    },
    end(): string {
      if (stopped) return '';
      stopped = true;
      return start() + closeBlock() + messageDelta() + event('message_stop', {});
    },
    error(error: GatewayError): string {
      stopped = true;
      return formatSse(JSON.stringify(errorBody(error)), 'error');
    },
  };
}
