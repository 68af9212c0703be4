// The official Anthropic SDK through the gateway to an Anthropic upstream (the emulator's Anthropic
// wire): same-dialect traffic, where what the client sends and gets back must survive untouched.
// Then a route mixing dialects: Claude failing over to an OpenAI-compatible model, seen by an
// Anthropic client and an OpenAI client, each in its own dialect.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const KEY = 'anthropic-upstream-key';
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const TOOLS: Anthropic.Tool[] = [
  {
    name: 'get_stock_price',
    description: 'Latest price for a ticker',
    input_schema: { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] },
  },
];

const textOf = (message: Anthropic.Message) =>
  message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

describe('Anthropic SDK via an Anthropic upstream', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;
  let client: Anthropic;

  before(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    gateway = await startTestGateway({
      providers: [{ name: 'claude', type: 'anthropic', base_url: emulator.url, api_key: KEY }],
      routes: [{ name: 'sonnet', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] }],
    });
    client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.clientKey, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  const lastBody = () => emulator.stats().lastRequest?.body as Record<string, unknown>;

  test('messages.create: the answer, usage, and the upstream request', async () => {
    const message = await client.messages.create({
      model: 'sonnet',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Say it back [[emulator:echo]]' }],
    });
    assert.equal(message.type, 'message');
    assert.equal(textOf(message), 'Say it back');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 3);
    assert.ok(message.usage.input_tokens > 0);
    const request = emulator.stats().lastRequest;
    assert.equal(request?.path, '/v1/messages');
    assert.equal(request?.headers['x-api-key'], KEY, 'the provider key, never the client key');
    assert.equal(lastBody().model, 'claude-sonnet-4-5');
    assert.equal(lastBody().system, 'You are terse.');
  });

  test('messages.stream().finalMessage() equals the whole answer', async () => {
    const body = {
      model: 'sonnet',
      max_tokens: 256,
      messages: [{ role: 'user' as const, content: 'Stream to me [[emulator:tokens=15]]' }],
    };
    const stream = client.messages.stream(body);
    let deltas = 0;
    stream.on('text', () => deltas++);
    const streamed = await stream.finalMessage();
    const whole = await client.messages.create(body);
    assert.equal(deltas, 15);
    assert.deepEqual(streamed.content, whole.content);
    assert.equal(streamed.usage.output_tokens, 15);
    assert.equal(streamed.usage.input_tokens, whole.usage.input_tokens);
    assert.equal(streamed.stop_reason, 'end_turn');
  });

  test('tools round trip, the call streamed as input_json deltas', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'What is ACME trading at?' };
    const first = await client.messages
      .stream({ model: 'sonnet', max_tokens: 256, tools: TOOLS, messages: [question] })
      .finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call?.type === 'tool_use');
    assert.equal(call.name, 'get_stock_price');
    assert.deepEqual(call.input, { ticker: 'example ticker' });
    const second = await client.messages.create({
      model: 'sonnet',
      max_tokens: 256,
      tools: TOOLS,
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '123.45 USD' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.equal(textOf(second), 'The tool returned: 123.45 USD');
  });

  test('image input reaches the upstream as the client sent it', async () => {
    const message = await client.messages.create({
      model: 'sonnet',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
            { type: 'text', text: 'Describe this image' },
          ],
        },
      ],
    });
    assert.equal(message.content[0]?.type, 'text');
    const sent = (lastBody().messages as Array<{ content: Array<Record<string, unknown>> }>)[0]?.content[0];
    assert.deepEqual(sent, {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 },
    });
  });

  test('thinking blocks keep their signature: the upstream accepts them back, streamed or not', async () => {
    const ask = { role: 'user' as const, content: 'Think it through' };
    const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
    const streamed = await client.messages
      .stream({ model: 'sonnet', max_tokens: 2048, thinking, messages: [ask] })
      .finalMessage();
    const whole = await client.messages.create({
      model: 'sonnet',
      max_tokens: 2048,
      thinking,
      messages: [ask],
    });
    for (const first of [streamed, whole]) {
      const block = first.content[0];
      assert.ok(block?.type === 'thinking', 'the answer opens with a thinking block');
      assert.ok(block.signature.length > 0);
      // The emulator refuses a thinking block whose signature does not match its text.
      const next = await client.messages.create({
        model: 'sonnet',
        max_tokens: 2048,
        thinking,
        messages: [ask, { role: 'assistant', content: first.content }, { role: 'user', content: 'Go on' }],
      });
      assert.equal(next.stop_reason, 'end_turn');
    }
    assert.deepEqual(streamed.content, whole.content);
  });

  test('the anthropic-beta header reaches the upstream', async () => {
    await client.messages.create(
      { model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
    );
    assert.match(String(emulator.stats().lastRequest?.headers['anthropic-beta']), /context-1m-2025-08-07/);
  });

  test('prompt-cache usage passes through', async () => {
    const message = await client.messages.create({
      model: 'sonnet',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Cached prefix [[emulator:cached=6]] [[emulator:cache_write=3]]' }],
    });
    assert.equal(message.usage.cache_read_input_tokens, 6);
    assert.equal(message.usage.cache_creation_input_tokens, 3);
  });

  test('an upstream error keeps its Anthropic type', async () => {
    emulator.setFaults([{ status: 529 }]);
    await assert.rejects(
      client.messages.create({
        model: 'sonnet',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: InstanceType<typeof Anthropic.APIError>) => {
        assert.equal(error.status, 529);
        assert.equal((error.error as { error: { type: string } }).error.type, 'overloaded_error');
        return true;
      },
    );
  });
});

describe('a route mixing dialects: Claude falling back to an OpenAI-compatible model', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;
  let anthropic: Anthropic;
  let openai: OpenAI;

  before(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    gateway = await startTestGateway({
      providers: [
        { name: 'claude', type: 'anthropic', base_url: emulator.url, api_key: KEY },
        { name: 'gpt', type: 'openai-compatible', base_url: `${emulator.url}/v1`, api_key: KEY },
      ],
      routing: { retry: { max_attempts: 1 } },
      routes: [
        {
          name: 'claude',
          targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }],
          fallbacks: ['gpt-fallback'],
        },
        { name: 'gpt-fallback', targets: [{ provider: 'gpt', model: 'gpt-4o-mini' }] },
      ],
    });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: gateway.clientKey, maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.clientKey, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });
  beforeEach(() => {
    emulator.reset();
    emulator.setFaults([{ match: { path: '/v1/messages' }, status: 529 }]);
  });

  const servedByFallback = (headers: Headers) => {
    assert.equal(headers.get('x-switchyard-route'), 'gpt-fallback');
    assert.equal(headers.get('x-switchyard-provider'), 'gpt');
    assert.equal(headers.get('x-switchyard-model'), 'gpt-4o-mini');
    assert.equal(emulator.stats().byPath['/v1/messages'], 1, 'Claude was tried first');
    assert.equal(emulator.stats().byPath['/v1/chat/completions'], 1);
  };
  const prompt = 'Who answers? [[emulator:echo]]';

  test('an Anthropic client gets an Anthropic message', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.equal(textOf(data), 'Who answers?');
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.output_tokens, 2);
    servedByFallback(response.headers);
  });

  test('an Anthropic client gets an Anthropic stream', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: prompt }],
    });
    const { response } = await stream.withResponse();
    const message = await stream.finalMessage();
    assert.equal(textOf(message), 'Who answers?');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 2);
    servedByFallback(response.headers);
  });

  test('an OpenAI client gets a chat completion', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0]?.message.content, 'Who answers?');
    assert.equal(data.usage?.completion_tokens, 2);
    servedByFallback(response.headers);
  });

  test('an OpenAI client gets a chat completion stream', async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: 'claude',
        messages: [{ role: 'user', content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Who answers?');
    assert.equal(usage?.completion_tokens, 2);
    servedByFallback(response.headers);
  });

  test('tools fall back across dialects too: an Anthropic tool_use from an OpenAI upstream', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'claude',
        max_tokens: 64,
        tools: TOOLS,
        messages: [{ role: 'user', content: 'Price of ACME?' }],
      })
      .finalMessage();
    assert.equal(message.stop_reason, 'tool_use');
    const call = message.content.find((block) => block.type === 'tool_use');
    assert.ok(call?.type === 'tool_use');
    assert.deepEqual(call.input, { ticker: 'example ticker' });
  });
});

describe('Anthropic SDK via an OpenAI-compatible upstream over HTTP', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;
  let client: Anthropic;

  before(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    gateway = await startTestGateway({
      providers: [{ name: 'gpt', type: 'openai-compatible', base_url: `${emulator.url}/v1`, api_key: KEY }],
      routes: [{ name: 'claude-like', targets: [{ provider: 'gpt', model: 'gpt-4o-mini' }] }],
    });
    client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.clientKey, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  test('an image block becomes an OpenAI image part carrying the same bytes', async () => {
    const message = await client.messages.create({
      model: 'claude-like',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
            { type: 'text', text: 'Describe this image' },
          ],
        },
      ],
    });
    assert.equal(message.type, 'message');
    const sent = emulator.stats().lastRequest?.body as { messages: Array<{ content: unknown }> };
    assert.equal(emulator.stats().lastRequest?.path, '/v1/chat/completions');
    assert.deepEqual(sent.messages[0]?.content, [
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1X1}` } },
      { type: 'text', text: 'Describe this image' },
    ]);
  });

  test('tools round trip and a streamed answer, translated both ways', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'What is ACME trading at?' };
    const first = await client.messages
      .stream({ model: 'claude-like', max_tokens: 256, tools: TOOLS, messages: [question] })
      .finalMessage();
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call?.type === 'tool_use');
    const second = await client.messages
      .stream({
        model: 'claude-like',
        max_tokens: 256,
        tools: TOOLS,
        messages: [
          question,
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '123.45 USD' }] },
        ],
      })
      .finalMessage();
    assert.equal(textOf(second), 'The tool returned: 123.45 USD');
    const sent = emulator.stats().lastRequest?.body as { messages: Array<Record<string, unknown>> };
    assert.deepEqual(sent.messages.at(-1), { role: 'tool', tool_call_id: call.id, content: '123.45 USD' });
  });
});
