import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, StreamEvent, StreamFrame, Usage } from '../../core/ir.ts';
import { anthropicMessages, JSON_RESPONSE_TOOL_NAME } from '../anthropic-messages.ts';
import { parseSse, sseFixture } from '../fixtures/anthropic/load.ts';
import { formatSse } from '../sse-format.ts';
import type { SseEvent } from '../types.ts';

const request = { model: 'chat-default' } as ChatRequest;

function decodeAll(events: SseEvent[]): StreamFrame[] {
  const decoder = anthropicMessages.createStreamDecoder();
  return events.flatMap((event) => {
    const frame = decoder.push(event);
    return frame ? [frame] : [];
  });
}

const irEvents = (frames: StreamFrame[]): StreamEvent[] => frames.flatMap((frame) => frame.events);
const withoutStart = (events: StreamEvent[]): StreamEvent[] =>
  events.filter((event) => event.type !== 'start');
const sse = (event: string, data: Record<string, unknown>): SseEvent => ({
  event,
  data: JSON.stringify({ type: event, ...data }),
});

const FIXTURE_USAGE: Usage = {
  inputTokens: 472 + 1200,
  outputTokens: 89,
  cacheReadTokens: 1200,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};

describe('anthropic stream decoder', () => {
  it('decodes a documented stream of thinking, text and a streamed tool call', () => {
    const events = sseFixture('stream-thinking-text-tool.sse');
    const frames = decodeAll(events);
    const [start, ...rest] = irEvents(frames);
    assert.equal(start?.type, 'start');
    assert.equal(start?.type === 'start' && start.id, 'msg_014p7gG3wDgGV9EUtLvnow3U');
    assert.equal(start?.type === 'start' && start.model, 'claude-sonnet-4-5-20250929');
    assert.deepEqual(rest, [
      { type: 'reasoning', text: 'The dispatcher asks about A13; ' },
      { type: 'reasoning', text: 'I should look it up.' },
      { type: 'reasoning', text: '', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
      { type: 'text', text: 'Checking ' },
      { type: 'text', text: 'A13 now.' },
      { type: 'tool_call_start', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_section_status' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"section": ' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '"A13"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'usage', usage: FIXTURE_USAGE },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('keeps every upstream event but pings as raw, for same-dialect relays', () => {
    const events = sseFixture('stream-thinking-text-tool.sse');
    const frames = decodeAll(events);
    const relayed = events.filter((event) => event.event !== 'ping');
    assert.equal(frames.length, relayed.length);
    frames.forEach((frame, index) => {
      assert.deepEqual(frame.raw, {
        dialect: 'anthropic-messages',
        event: relayed[index]?.event,
        data: relayed[index]?.data,
      });
    });
  });

  it('throws the upstream error of an error event', () => {
    const decoder = anthropicMessages.createStreamDecoder();
    const events = sseFixture('stream-overloaded.sse');
    const texts: string[] = [];
    assert.throws(
      () => {
        for (const event of events) {
          for (const ir of decoder.push(event)?.events ?? []) if (ir.type === 'text') texts.push(ir.text);
        }
      },
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === 'overloaded' &&
        error.retryable &&
        error.upstreamStatus === 529,
    );
    assert.deepEqual(texts, ['Hello']);
  });

  it('numbers tool calls from 0 and gives a tool without input empty-object arguments', () => {
    const frames = decodeAll([
      sse('message_start', {
        message: { id: 'msg_x', model: 'm', usage: { input_tokens: 5, output_tokens: 1 } },
      }),
      sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      sse('content_block_stop', { index: 0 }),
      sse('content_block_start', {
        index: 1,
        content_block: { type: 'tool_use', id: 'a', name: 'now', input: {} },
      }),
      sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
      sse('content_block_stop', { index: 1 }),
      sse('content_block_start', {
        index: 2,
        content_block: { type: 'tool_use', id: 'b', name: 'f', input: {} },
      }),
      sse('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"x":1}' } }),
      sse('content_block_stop', { index: 2 }),
    ]);
    assert.deepEqual(withoutStart(irEvents(frames)), [
      { type: 'tool_call_start', index: 0, id: 'a', name: 'now' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'b', name: 'f' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"x":1}' },
      { type: 'tool_call_end', index: 1 },
    ]);
  });

  it('streams the json_response tool as text that finishes normally', () => {
    const frames = decodeAll([
      sse('message_start', {
        message: { id: 'msg_x', model: 'm', usage: { input_tokens: 5, output_tokens: 1 } },
      }),
      sse('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_j', name: JSON_RESPONSE_TOOL_NAME, input: {} },
      }),
      sse('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"eta":' } }),
      sse('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '"08:02"}' } }),
      sse('content_block_stop', { index: 0 }),
      sse('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 9 },
      }),
    ]);
    const events = withoutStart(irEvents(frames));
    assert.deepEqual(
      events.filter((event) => event.type === 'text'),
      [
        { type: 'text', text: '{"eta":' },
        { type: 'text', text: '"08:02"}' },
      ],
    );
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
  });

  it('reports redacted thinking and stop sequences', () => {
    const frames = decodeAll([
      sse('message_start', {
        message: { id: 'msg_x', model: 'm', usage: { input_tokens: 5, output_tokens: 1 } },
      }),
      sse('content_block_start', {
        index: 0,
        content_block: { type: 'redacted_thinking', data: 'EmwKAhgB' },
      }),
      sse('content_block_stop', { index: 0 }),
      sse('message_delta', {
        delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' },
        usage: { output_tokens: 3 },
      }),
    ]);
    const events = withoutStart(irEvents(frames));
    assert.deepEqual(events[0], { type: 'reasoning', text: '', redactedData: 'EmwKAhgB' });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop', stopSequence: 'END' });
  });

  it('rejects an event whose data is not JSON', () => {
    const decoder = anthropicMessages.createStreamDecoder();
    assert.throws(() => decoder.push({ event: 'content_block_delta', data: '{not json' }), {
      kind: 'upstream_error',
    });
  });
});

describe('anthropic stream encoder', () => {
  const fromOpenAi: StreamEvent[] = [
    { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1_700_000_000 },
    { type: 'reasoning', text: 'Think first.' },
    { type: 'reasoning', text: '', signature: 'sig-1' },
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'now.' },
    { type: 'tool_call_start', index: 0, id: 'call_1', name: 'status' },
    { type: 'tool_call_delta', index: 0, argumentsDelta: '{"section":' },
    { type: 'tool_call_delta', index: 0, argumentsDelta: '"A1"}' },
    { type: 'tool_call_end', index: 0 },
    {
      type: 'usage',
      usage: {
        inputTokens: 40,
        outputTokens: 12,
        cacheReadTokens: 30,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    },
    { type: 'finish', reason: 'tool_calls' },
  ];

  function synthesise(
    events: StreamEvent[],
    usageExtension?: (usage: Usage) => Record<string, unknown> | undefined,
  ): string {
    const encoder = anthropicMessages.createStreamEncoder(
      usageExtension ? { request, usageExtension } : { request },
    );
    return events.map((event) => encoder.encode({ events: [event] })).join('') + encoder.end();
  }

  it('writes the documented event sequence, closing each block before the next starts', () => {
    const wire = parseSse(synthesise(fromOpenAi));
    const summary = wire.map((event) => {
      const data = JSON.parse(event.data) as {
        index?: number;
        content_block?: { type: string };
        delta?: { type?: string };
      };
      return [event.event, data.index, data.content_block?.type ?? data.delta?.type]
        .filter((x) => x !== undefined)
        .join(' ');
    });
    assert.deepEqual(summary, [
      'message_start',
      'content_block_start 0 thinking',
      'content_block_delta 0 thinking_delta',
      'content_block_delta 0 signature_delta',
      'content_block_stop 0',
      'content_block_start 1 text',
      'content_block_delta 1 text_delta',
      'content_block_delta 1 text_delta',
      'content_block_stop 1',
      'content_block_start 2 tool_use',
      'content_block_delta 2 input_json_delta',
      'content_block_delta 2 input_json_delta',
      'content_block_stop 2',
      'message_delta',
      'message_stop',
    ]);
    const start = JSON.parse(wire[0]?.data ?? '{}');
    assert.equal(start.message.id, 'msg_chatcmpl-9');
    assert.equal(start.message.model, 'chat-default');
    const delta = JSON.parse(wire.at(-2)?.data ?? '{}');
    assert.deepEqual(delta.delta, { stop_reason: 'tool_use', stop_sequence: null });
    assert.deepEqual(delta.usage, {
      input_tokens: 10,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 30,
      output_tokens: 12,
    });
  });

  it('decodes back to the same IR events', () => {
    const decoded = irEvents(decodeAll(parseSse(synthesise(fromOpenAi))));
    assert.deepEqual(withoutStart(decoded), withoutStart(fromOpenAi));
    assert.equal(decoded[0]?.type === 'start' && decoded[0].id, 'msg_chatcmpl-9');
  });

  it('waits for usage that comes after the finish, as OpenAI sends it', () => {
    const finishFirst = [...fromOpenAi.slice(0, -2), fromOpenAi[10], fromOpenAi[9]] as StreamEvent[];
    const wire = parseSse(synthesise(finishFirst));
    const deltas = wire.filter((event) => event.event === 'message_delta');
    assert.equal(deltas.length, 1);
    assert.equal(JSON.parse(deltas[0]?.data ?? '{}').usage.output_tokens, 12);
  });

  it('adds the usage extension to message_delta', () => {
    const wire = parseSse(
      synthesise(fromOpenAi, (usage) => ({ cost_usd: '0.0001', seen_input: usage.inputTokens })),
    );
    const delta = JSON.parse(wire.find((event) => event.event === 'message_delta')?.data ?? '{}');
    assert.deepEqual(delta.switchyard, { cost_usd: '0.0001', seen_input: 40 });
  });

  it('closes a stream that ended without a finish', () => {
    const encoder = anthropicMessages.createStreamEncoder({ request });
    const head = encoder.encode({ events: [{ type: 'text', text: 'partial' }] });
    const wire = parseSse(head + encoder.end());
    assert.deepEqual(
      wire.map((event) => event.event),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    assert.equal(JSON.parse(wire[4]?.data ?? '{}').delta.stop_reason, 'end_turn');
    assert.equal(encoder.end(), '');
  });

  it('writes a failure as an Anthropic error event', () => {
    const encoder = anthropicMessages.createStreamEncoder({ request });
    const text = encoder.error(new GatewayError('overloaded', 'Overloaded'));
    assert.equal(
      text,
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    assert.equal(encoder.end(), '');
  });

  it('is read by the Anthropic SDK into the message it describes', async () => {
    const body = synthesise(fromOpenAi);
    const client = new Anthropic({
      apiKey: 'test-key',
      baseURL: 'http://gateway.invalid',
      maxRetries: 0,
      fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    });
    const message = await client.messages
      .stream({ model: 'chat-default', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    assert.deepEqual(
      message.content.map((block) => block.type),
      ['thinking', 'text', 'tool_use'],
    );
    assert.equal(message.content[0]?.type === 'thinking' && message.content[0].signature, 'sig-1');
    assert.equal(message.content[1]?.type === 'text' && message.content[1].text, 'Checking now.');
    assert.deepEqual(message.content[2]?.type === 'tool_use' && message.content[2].input, { section: 'A1' });
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.usage.input_tokens, 10);
    assert.equal(message.usage.cache_read_input_tokens, 30);
    assert.equal(message.usage.output_tokens, 12);
  });
});

describe('anthropic stream relay (Anthropic upstream to Anthropic client)', () => {
  const fixtureText = readFileSync(
    new URL('../fixtures/anthropic/stream-thinking-text-tool.sse', import.meta.url),
    'utf8',
  );
  const upstream = parseSse(fixtureText);

  it('writes the upstream events back unchanged', () => {
    const encoder = anthropicMessages.createStreamEncoder({ request });
    const out =
      decodeAll(upstream)
        .map((frame) => encoder.encode(frame))
        .join('') + encoder.end();
    const expected = upstream
      .filter((event) => event.event !== 'ping')
      .map((event) => formatSse(event.data, event.event))
      .join('');
    assert.equal(out, expected);
  });

  it('re-encodes only message_delta to add the usage extension', () => {
    const seen: Usage[] = [];
    const encoder = anthropicMessages.createStreamEncoder({
      request,
      usageExtension: (usage) => {
        seen.push(usage);
        return { cost_usd: '0.0042' };
      },
    });
    const frames = decodeAll(upstream);
    const outputs = frames.map((frame) => encoder.encode(frame));
    frames.forEach((frame, index) => {
      const raw = frame.raw;
      assert.ok(raw);
      if (raw.event !== 'message_delta') assert.equal(outputs[index], formatSse(raw.data, raw.event));
      else {
        const [event] = parseSse(outputs[index] ?? '');
        assert.deepEqual(JSON.parse(event?.data ?? '{}'), {
          ...JSON.parse(raw.data),
          switchyard: { cost_usd: '0.0042' },
        });
      }
    });
    assert.deepEqual(seen, [FIXTURE_USAGE]);
  });

  it('closes a relayed stream that lost its message_stop', () => {
    const encoder = anthropicMessages.createStreamEncoder({ request });
    const withoutStop = upstream.filter((event) => event.event !== 'message_stop');
    for (const frame of decodeAll(withoutStop)) encoder.encode(frame);
    assert.deepEqual(
      parseSse(encoder.end()).map((event) => event.event),
      ['message_stop'],
    );
  });
});
