import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, StreamEvent, StreamFrame } from '../../core/ir.ts';
import { decodeChatRequest } from './decode-request.ts';
import { OpenAIStreamDecoder } from './stream-decoder.ts';
import { OpenAIStreamEncoder } from './stream-encoder.ts';

/** A stream fixture as the SSE data strings an upstream sends. */
function streamFixture(name: string): string[] {
  const chunks = JSON.parse(
    readFileSync(new URL(`../fixtures/openai/${name}`, import.meta.url), 'utf8'),
  ) as unknown[];
  return [...chunks.map((chunk) => JSON.stringify(chunk)), '[DONE]'];
}

function decodeAll(data: string[]): StreamFrame[] {
  const decoder = new OpenAIStreamDecoder();
  const frames: StreamFrame[] = [];
  for (const item of data) {
    const frame = decoder.push({ data: item });
    if (frame) frames.push(frame);
  }
  return frames;
}

function events(frames: StreamFrame[]): StreamEvent[] {
  return frames.flatMap((frame) => frame.events);
}

function openaiRequest(extra: Record<string, unknown> = {}): ChatRequest {
  return decodeChatRequest({
    model: 'chat-default',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    ...extra,
  });
}

/** The JSON payloads of an encoder's SSE output. */
function payloads(sse: string): unknown[] {
  return sse
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

describe('openai-chat stream decoder', () => {
  it('decodes streamed text, finish and the usage chunk', () => {
    const data = streamFixture('stream-text.json');
    const frames = decodeAll(data);
    assert.equal(frames.length, 5, '[DONE] yields no frame');
    assert.deepEqual(events(frames), [
      { type: 'start', id: 'chatcmpl-123', model: 'gpt-4o-mini', created: 1694268190 },
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' there!' },
      { type: 'finish', reason: 'stop' },
      {
        type: 'usage',
        usage: {
          inputTokens: 9,
          outputTokens: 3,
          cacheReadTokens: 4,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
    ]);
    frames.forEach((frame, i) => {
      assert.deepEqual(frame.raw, { dialect: 'openai-chat', data: data[i] });
    });
  });

  it('decodes two interleaved parallel tool calls by their index', () => {
    assert.deepEqual(events(decodeAll(streamFixture('stream-tools.json'))), [
      { type: 'start', id: 'chatcmpl-456', model: 'gpt-4o', created: 1700000000 },
      { type: 'tool_call_start', index: 0, id: 'call_boston', name: 'get_current_weather' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"loca' },
      { type: 'tool_call_start', index: 1, id: 'call_paris', name: 'get_current_weather' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"location":' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: 'tion":"Boston"}' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '"Paris"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('decodes reasoning_content deltas and a whole tool call in one chunk', () => {
    const chunk = (delta: unknown, finish: string | null = null) =>
      JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    const decoded = events(
      decodeAll([
        chunk({ role: 'assistant', reasoning_content: 'Hmm.' }),
        chunk({
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          ],
        }),
        chunk({}, 'stop'),
      ]),
    );
    assert.deepEqual(decoded.slice(1), [
      { type: 'reasoning', text: 'Hmm.' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('throws the upstream error carried by an error chunk', () => {
    const decoder = new OpenAIStreamDecoder();
    decoder.push({ data: streamFixture('stream-text.json')[0]! });
    assert.throws(
      () =>
        decoder.push({
          data: JSON.stringify({
            error: { message: 'Rate limit reached for gpt-4o', type: 'tokens', code: 'rate_limit_exceeded' },
          }),
        }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === 'rate_limited' &&
        error.code === 'rate_limit_exceeded' &&
        error.message === 'Upstream error: Rate limit reached for gpt-4o',
    );
    assert.throws(
      () =>
        new OpenAIStreamDecoder().push({
          data: JSON.stringify({ error: { message: 'boom', type: 'server_error' } }),
        }),
      (error: unknown) => error instanceof GatewayError && error.kind === 'upstream_error',
    );
  });

  it('throws upstream_invalid_stream on a chunk that is not JSON', () => {
    assert.throws(
      () => new OpenAIStreamDecoder().push({ data: '{"id": "chatcmpl-1", "choices": [' }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === 'upstream_error' &&
        error.code === 'upstream_invalid_stream',
    );
  });
});

describe('openai-chat stream encoder', () => {
  it('relays an OpenAI upstream byte for byte and drops the usage chunk the client did not ask for', () => {
    const data = streamFixture('stream-text.json');
    const encoder = new OpenAIStreamEncoder({ request: openaiRequest() });
    const frames = decodeAll(data);
    const out = frames.map((frame) => encoder.encode(frame));
    assert.deepEqual(
      out.slice(0, 4),
      data.slice(0, 4).map((item) => `data: ${item}\n\n`),
    );
    assert.equal(out[4], '');
    assert.equal(encoder.end(), 'data: [DONE]\n\n');
  });

  it('rebuilds the usage chunk with the gateway extension when the client asked for usage', () => {
    const encoder = new OpenAIStreamEncoder({
      request: openaiRequest({ stream_options: { include_usage: true } }),
      usageExtension: (usage) => ({ cost_usd: (usage.inputTokens * 0.000001).toFixed(6) }),
    });
    const frames = decodeAll(streamFixture('stream-text.json'));
    const last = frames.map((frame) => encoder.encode(frame)).at(-1) ?? '';
    assert.deepEqual(payloads(last), [
      {
        id: 'chatcmpl-123',
        object: 'chat.completion.chunk',
        created: 1694268190,
        model: 'gpt-4o-mini',
        choices: [],
        usage: {
          prompt_tokens: 9,
          completion_tokens: 3,
          total_tokens: 12,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
        switchyard: { cost_usd: '0.000009' },
      },
    ]);
  });

  it('re-encodes a relayed chunk that carries both a delta and usage', () => {
    const encoder = new OpenAIStreamEncoder({ request: openaiRequest() });
    const data = JSON.stringify({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 5,
      model: 'llama',
      choices: [{ index: 0, delta: { content: 'end' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
    const frame = new OpenAIStreamDecoder().push({ data });
    const sent = payloads(encoder.encode(frame!)) as Array<Record<string, unknown>>;
    assert.equal(sent.length, 3);
    assert.deepEqual(
      sent.map((chunk) => chunk.choices),
      [
        [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
        [{ index: 0, delta: { content: 'end' }, logprobs: null, finish_reason: null }],
        [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
      ],
    );
    assert.ok(
      sent.every((chunk) => !('usage' in chunk)),
      'no usage for a client that did not ask',
    );
  });

  it('builds OpenAI chunks from another dialect, tool calls included', () => {
    const encoder = new OpenAIStreamEncoder({
      request: openaiRequest({ stream_options: { include_usage: true } }),
    });
    const frames: StreamFrame[] = [
      { events: [{ type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1700000000 }] },
      { events: [{ type: 'reasoning', text: 'Thinking' }] },
      { events: [{ type: 'reasoning', text: '', signature: 'sig' }] },
      { events: [{ type: 'text', text: 'Let me look.' }] },
      { events: [{ type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'lookup' }] },
      { events: [{ type: 'tool_call_delta', index: 0, argumentsDelta: '{"q":' }] },
      { events: [{ type: 'tool_call_delta', index: 0, argumentsDelta: '"x"}' }] },
      { events: [{ type: 'tool_call_end', index: 0 }] },
      { events: [{ type: 'finish', reason: 'tool_calls' }] },
      {
        events: [
          {
            type: 'usage',
            usage: {
              inputTokens: 10,
              outputTokens: 5,
              cacheReadTokens: 0,
              cacheWriteTokens: 0,
              reasoningTokens: 0,
            },
          },
        ],
      },
    ];
    const sent = payloads(frames.map((frame) => encoder.encode(frame)).join('') + encoder.end()) as Array<
      Record<string, unknown>
    >;
    assert.equal(sent.at(-1), '[DONE]');
    const chunks = sent.slice(0, -1);
    for (const chunk of chunks) {
      assert.equal(chunk.id, 'msg_1');
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'claude-sonnet-4-5');
      assert.equal(chunk.created, 1700000000);
    }
    const deltas = chunks.slice(0, -1).map((chunk) => (chunk.choices as Array<Record<string, unknown>>)[0]);
    assert.deepEqual(
      deltas.map((choice) => [choice?.delta, choice?.finish_reason]),
      [
        [{ role: 'assistant', content: '' }, null],
        [{ reasoning_content: 'Thinking' }, null],
        [{ content: 'Let me look.' }, null],
        [
          {
            tool_calls: [
              { index: 0, id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '' } },
            ],
          },
          null,
        ],
        [{ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }, null],
        [{ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }, null],
        [{}, 'tool_calls'],
      ],
    );
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
    assert.deepEqual((chunks.at(-1) as Record<string, unknown>).choices, []);
    assert.equal(
      ((chunks.at(-1) as Record<string, unknown>).usage as Record<string, unknown>).total_tokens,
      15,
    );
  });

  it('writes errors in the OpenAI error shape', () => {
    const encoder = new OpenAIStreamEncoder({ request: openaiRequest() });
    const sse = encoder.error(
      new GatewayError('upstream_timeout', 'Provider "openai" did not answer in time'),
    );
    assert.deepEqual(payloads(sse), [
      {
        error: {
          message: 'Provider "openai" did not answer in time',
          type: 'server_error',
          param: null,
          code: null,
        },
      },
    ]);
  });
});
