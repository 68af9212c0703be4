// The catalog at work in the request path: context-window refusals before any upstream call,
// deprecation warnings, retired-model blocking with fallback, and catalog fields on /v1/models.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

describe('catalog in the pipeline', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    gateway = await startTestGateway({
      catalog: { block_retired: true },
      providers: [{ name: 'openai', type: 'openai', base_url: `${emulator.url}/v1`, api_key: 'k' }],
      routes: [
        { name: 'small-window', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
        { name: 'grows', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }], fallbacks: ['big-window'] },
        { name: 'big-window', targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] },
        {
          name: 'retired',
          targets: [{ provider: 'openai', model: 'gpt-4-0613' }],
          fallbacks: ['big-window'],
        },
        { name: 'retired-alone', targets: [{ provider: 'openai', model: 'gpt-4-0613' }] },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  const chat = (model: string, content: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: 100 }),
    });
  // About 140,000 tokens: more than gpt-4o-mini's 128,000-token window.
  const hugePrompt = 'lorem ipsum dolor sit amet '.repeat(28_000);

  test('a prompt over the context window is refused with the numbers, before any upstream call', async () => {
    const response = await chat('small-window', hugePrompt);
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'context_length_exceeded');
    assert.match(error.message, /128000 tokens/);
    assert.match(error.message, /about \d{6} input tokens/);
    assert.equal(emulator.stats().requests, 0);
  });

  test('a route with a larger-window fallback serves the same prompt there', async () => {
    const response = await chat('grows', hugePrompt);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-route'), 'big-window');
    assert.equal(emulator.stats().requestsByModel['gpt-4o-mini'] ?? 0, 0);
  });

  test('a retired model is blocked when configured, and the fallback serves', async () => {
    const response = await chat('retired', 'hello');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-route'), 'big-window');
    const alone = await chat('retired-alone', 'hello');
    assert.equal(alone.status, 404);
    assert.equal(((await alone.json()) as { error: { code: string } }).error.code, 'model_deprecated');
  });

  test('/v1/models carries catalog fields for each route target', async () => {
    const response = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${gateway.clientKey}` },
    });
    const body = (await response.json()) as {
      data: Array<{ id: string; switchyard?: { targets: Array<Record<string, unknown>> } }>;
    };
    const small = body.data.find((model) => model.id === 'small-window');
    const target = small?.switchyard?.targets[0];
    assert.ok(target, 'the route target has catalog fields');
    assert.equal(target.context_window, 128000);
    assert.equal((target.prices as Record<string, string>).input_per_million, '0.15');
  });
});

describe('deprecation warnings', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    gateway = await startTestGateway(
      {
        providers: [{ name: 'openai', type: 'openai', base_url: `${emulator.url}/v1`, api_key: 'k' }],
        routes: [{ name: 'old', targets: [{ provider: 'openai', model: 'gpt-4-0125-preview' }] }],
      },
      // Before the model's announced retirement date (2026-03-26).
      { clock: { now: () => Date.parse('2026-01-15T00:00:00Z') } },
    );
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  test('a deprecated model is served with a Sunset header and a warning', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'old', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('sunset') ?? '', /26 Mar 2026/);
    assert.match(response.headers.get('x-switchyard-deprecation') ?? '', /retired on 2026-03-26/);
  });
});
