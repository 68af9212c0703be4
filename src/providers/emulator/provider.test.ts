import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { providerSchema } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest, Message, StreamEvent, StreamFrame } from '../../core/ir.ts';
import type { ChatResult, Deployment, Provider } from '../types.ts';
import { createEmulatorProvider } from './provider.ts';

function provider(extra: Record<string, unknown> = {}): { provider: Provider; target: Deployment } {
  const config = providerSchema.parse({ name: 'emu', type: 'emulator', models: ['custom-model'], ...extra });
  return {
    provider: createEmulatorProvider(config, { clock: systemClock, instanceId: 'test' }),
    target: { provider: config, model: 'emulator-chat', timeoutMs: 5_000 },
  };
}

function chatRequest(messages: Message[] | string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'chat-default',
    system: [],
    messages:
      typeof messages === 'string'
        ? [{ role: 'user', content: [{ type: 'text', text: messages }] }]
        : messages,
    stream: false,
    includeUsage: false,
    extra: {},
    source: { dialect: 'openai-chat', body: {} },
    ...extra,
  };
}

async function events(result: ChatResult): Promise<StreamEvent[]> {
  assert.equal(result.kind, 'stream');
  const all: StreamEvent[] = [];
  if (result.kind !== 'stream') return all;
  for await (const frame of result.frames) {
    assert.equal((frame as StreamFrame).raw, undefined, 'in-process frames carry no raw bytes');
    all.push(...frame.events);
  }
  return all;
}

const signal = () => new AbortController().signal;

describe('in-process emulator provider', () => {
  test('prompt-cache directives are reported as cache reads and writes within the input tokens', async () => {
    const { provider: emu, target } = provider();
    const result = await emu.chat(
      chatRequest('Prefix [[emulator:cached=4]] [[emulator:cache_write=2]]'),
      target,
      signal(),
    );
    assert.ok(result.kind === 'response');
    const usage = result.response.usage;
    assert.equal(usage.cacheReadTokens, 4);
    assert.equal(usage.cacheWriteTokens, 2);
    assert.ok(usage.inputTokens > 6);
  });

  test('answers as an IR response: text, finish, usage, upstream model', async () => {
    const { provider: emu, target } = provider();
    assert.equal(emu.type, 'emulator');
    assert.equal(emu.dialect, 'openai-chat');
    const result = await emu.chat(chatRequest('Say [[emulator:echo]] hello world'), target, signal());
    assert.equal(result.kind, 'response');
    if (result.kind !== 'response') return;
    assert.deepEqual(result.response.content, [{ type: 'text', text: 'Say hello world' }]);
    assert.equal(result.response.finishReason, 'stop');
    assert.equal(result.response.model, 'emulator-chat');
    assert.equal(result.response.usage.outputTokens, 3);
    assert.ok(result.response.usage.inputTokens > 0);
  });

  test('streams start, one text event per token, finish, then usage', async () => {
    const { provider: emu, target } = provider();
    const result = await emu.chat(
      chatRequest('go [[emulator:tokens=5]]', { stream: true }),
      target,
      signal(),
    );
    const all = await events(result);
    assert.equal(all[0]?.type, 'start');
    assert.deepEqual(
      all.slice(1).map((event) => event.type),
      ['text', 'text', 'text', 'text', 'text', 'finish', 'usage'],
    );
    const usage = all.at(-1);
    assert.equal(usage?.type === 'usage' && usage.usage.outputTokens, 5);
  });

  test('the same request streamed and whole gives the same text', async () => {
    const { provider: emu, target } = provider();
    const whole = await emu.chat(chatRequest('Same question'), target, signal());
    const streamed = await events(
      await emu.chat(chatRequest('Same question', { stream: true }), target, signal()),
    );
    const text = streamed.map((event) => (event.type === 'text' ? event.text : '')).join('');
    assert.ok(whole.kind === 'response');
    assert.deepEqual(whole.response.content, [{ type: 'text', text }]);
  });

  test('tool calls stream as start, argument deltas and end, with finish tool_calls', async () => {
    const { provider: emu, target } = provider();
    const request = chatRequest('order status?', {
      stream: true,
      tools: [
        {
          name: 'find_order',
          parameters: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        },
      ],
    });
    const all = await events(await emu.chat(request, target, signal()));
    const start = all.find((event) => event.type === 'tool_call_start');
    assert.ok(start?.type === 'tool_call_start' && start.name === 'find_order' && start.index === 0);
    const args = all.map((event) => (event.type === 'tool_call_delta' ? event.argumentsDelta : '')).join('');
    assert.deepEqual(JSON.parse(args), { id: 1 });
    assert.ok(all.some((event) => event.type === 'tool_call_end'));
    const finish = all.find((event) => event.type === 'finish');
    assert.equal(finish?.type === 'finish' && finish.reason, 'tool_calls');
  });

  test('reasoning comes back as a reasoning part and reasoning tokens', async () => {
    const { provider: emu, target } = provider();
    const result = await emu.chat(
      chatRequest('think [[emulator:reasoning]] [[emulator:tokens=2]]'),
      target,
      signal(),
    );
    assert.ok(result.kind === 'response');
    assert.equal(result.response.content[0]?.type, 'reasoning');
    assert.ok(result.response.usage.reasoningTokens > 0);
    assert.equal(result.response.usage.outputTokens, result.response.usage.reasoningTokens + 2);
  });

  test('tool results inside a user message (as Anthropic sends them) get the tool-result reply', async () => {
    const { provider: emu, target } = provider();
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: '{}' }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'rain, 12 C' }] },
        ],
      },
    ];
    const result = await emu.chat(
      chatRequest(messages, { tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }),
      target,
      signal(),
    );
    assert.ok(result.kind === 'response');
    assert.deepEqual(result.response.content, [{ type: 'text', text: 'The tool returned: rain, 12 C' }]);
  });

  test('max output tokens and stop sequences map to finish reasons', async () => {
    const { provider: emu, target } = provider();
    const cut = await emu.chat(
      chatRequest('[[emulator:tokens=9]]', { maxOutputTokens: 2 }),
      target,
      signal(),
    );
    assert.ok(cut.kind === 'response');
    assert.equal(cut.response.finishReason, 'length');
    const stopped = await emu.chat(
      chatRequest('[[emulator:echo]] one two three', { stop: ['three'] }),
      target,
      signal(),
    );
    assert.ok(stopped.kind === 'response');
    assert.equal(stopped.response.finishReason, 'stop');
    assert.equal(stopped.response.stopSequence, 'three');
  });

  test('a named tool choice that is not among the tools is an invalid_request naming tool_choice', async () => {
    const { provider: emu, target } = provider();
    const request = chatRequest('hi', {
      tools: [{ name: 'one', parameters: {} }],
      toolChoice: { type: 'tool', name: 'two' },
    });
    await assert.rejects(
      emu.chat(request, target, signal()),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === 'invalid_request' && error.param === 'tool_choice',
    );
  });

  test('honours ttft_ms and tokens_per_second', async () => {
    const { provider: emu, target } = provider({ emulator: { ttft_ms: 40, tokens_per_second: 100 } });
    const started = performance.now();
    await events(await emu.chat(chatRequest('[[emulator:tokens=6]]', { stream: true }), target, signal()));
    // 40 ms to the first token, then 5 intervals of 10 ms.
    assert.ok(performance.now() - started >= 85, `took ${performance.now() - started} ms`);
  });

  test('stops producing when the signal aborts, with a GatewayError', async () => {
    const { provider: emu, target } = provider({ emulator: { tokens_per_second: 20 } });
    const controller = new AbortController();
    const result = await emu.chat(
      chatRequest('[[emulator:tokens=200]]', { stream: true }),
      target,
      controller.signal,
    );
    assert.ok(result.kind === 'stream');
    let texts = 0;
    const started = performance.now();
    await assert.rejects(async () => {
      for await (const frame of result.frames) {
        if (frame.events[0]?.type === 'text' && ++texts === 2) controller.abort();
      }
    }, GatewayError);
    assert.equal(texts, 2);
    assert.ok(performance.now() - started < 1_000, 'did not run the whole 10 s stream');
    await assert.rejects(emu.chat(chatRequest('hi'), target, controller.signal), GatewayError);
  });

  test('embeds deterministically, as floats or base64, with input token usage', async () => {
    const { provider: emu, target } = provider();
    const request = (extra: Partial<EmbeddingRequest> = {}): EmbeddingRequest => ({
      model: 'embed-default',
      input: ['alpha', 'beta'],
      extra: {},
      source: { dialect: 'openai-embeddings', body: {} },
      ...extra,
    });
    assert.ok(emu.embed);
    const floats = await emu.embed(request({ dimensions: 8 }), target, signal());
    const again = await emu.embed(request({ dimensions: 8 }), target, signal());
    assert.deepEqual(floats.response.data, again.response.data);
    assert.equal((floats.response.data[0] as number[]).length, 8);
    assert.ok(floats.response.usage.inputTokens >= 2);
    const encoded = await emu.embed(request({ dimensions: 8, encodingFormat: 'base64' }), target, signal());
    const bytes = Buffer.from(encoded.response.data[0] as string, 'base64');
    assert.deepEqual(
      Array.from({ length: 8 }, (_, i) => bytes.readFloatLE(i * 4)),
      (floats.response.data[0] as number[]).map((value) => Math.fround(value)),
    );
    const defaults = await emu.embed(request({ input: ['x'] }), target, signal());
    assert.equal((defaults.response.data[0] as number[]).length, 1536);
  });

  test('lists its models and the configured ones', async () => {
    const { provider: emu } = provider();
    assert.deepEqual(await emu.listModels?.(signal()), ['emulator-chat', 'emulator-embed', 'custom-model']);
  });
});
