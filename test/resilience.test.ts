// Retries, fallbacks, timeouts, circuit breakers and stream failures, driven by emulator fault injection.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI, { type APIError } from 'openai';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

describe('resilience', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    const upstream = { type: 'openai-compatible', base_url: `${emulator.url}/v1`, api_key: 'k' };
    gateway = await startTestGateway({
      providers: [
        { name: 'primary', ...upstream },
        { name: 'secondary', ...upstream },
        { name: 'flaky', ...upstream },
      ],
      routing: {
        retry: { max_attempts: 2, initial_backoff_ms: 1, max_backoff_ms: 5 },
        circuit_breaker: { failure_threshold: 2, cooldown_ms: 600_000 },
      },
      routes: [
        { name: 'retry-me', targets: [{ provider: 'primary', model: 'model-retry' }] },
        { name: 'main', targets: [{ provider: 'primary', model: 'model-down' }], fallbacks: ['backup'] },
        { name: 'backup', targets: [{ provider: 'secondary', model: 'model-up' }] },
        {
          name: 'slow',
          targets: [{ provider: 'primary', model: 'model-slow' }],
          timeout_ms: 150,
          fallbacks: ['backup'],
        },
        { name: 'breaker', targets: [{ provider: 'flaky', model: 'model-broken' }], fallbacks: ['backup'] },
        {
          name: 'stream-fail',
          targets: [{ provider: 'primary', model: 'model-midstream' }],
          fallbacks: ['backup'],
        },
        {
          name: 'stream-early',
          targets: [{ provider: 'primary', model: 'model-early' }],
          fallbacks: ['backup'],
        },
        {
          name: 'bad-request',
          targets: [{ provider: 'primary', model: 'model-400' }],
          fallbacks: ['backup'],
        },
        { name: 'long-stream', targets: [{ provider: 'primary', model: 'model-long' }] },
      ],
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.clientKey, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  const ask = (model: string, content = 'hello') =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();
  const requestsFor = (model: string) => emulator.stats().requestsByModel?.[model] ?? 0;

  test('a retryable upstream error is retried on the same target', async () => {
    emulator.setFaults([{ match: { model: 'model-retry' }, status: 500, times: 1 }]);
    const { data, response } = await ask('retry-me');
    assert.ok(data.choices[0]?.message.content);
    assert.equal(response.headers.get('x-switchyard-attempts'), '2');
    assert.equal(requestsFor('model-retry'), 2);
  });

  test('when every attempt fails, the fallback route serves and says so', async () => {
    emulator.setFaults([{ match: { model: 'model-down' }, status: 503 }]);
    const { response } = await ask('main');
    assert.equal(response.headers.get('x-switchyard-route'), 'backup');
    assert.equal(response.headers.get('x-switchyard-provider'), 'secondary');
    assert.equal(response.headers.get('x-switchyard-model'), 'model-up');
    assert.equal(response.headers.get('x-switchyard-attempts'), '3');
  });

  test('a caller error (400) is returned as is: no retry, no fallback', async () => {
    emulator.setFaults([
      {
        match: { model: 'model-400' },
        status: 400,
        body: { error: { message: 'bad field', type: 'invalid_request_error', param: 'x', code: null } },
      },
    ]);
    await assert.rejects(ask('bad-request'), (error: APIError) => error.status === 400);
    assert.equal(requestsFor('model-400'), 1);
    assert.equal(requestsFor('model-up'), 0);
  });

  test('a slow upstream times out per attempt and the fallback answers', async () => {
    emulator.setFaults([{ match: { model: 'model-slow' }, slowHeadersMs: 2_000 }]);
    const { response } = await ask('slow');
    assert.equal(response.headers.get('x-switchyard-route'), 'backup');
  });

  test('the circuit opens after consecutive failures and stops calling the target', async () => {
    emulator.setFaults([{ match: { model: 'model-broken' }, status: 502 }]);
    await ask('breaker'); // two failed attempts open the circuit (threshold 2), fallback serves
    assert.equal(requestsFor('model-broken'), 2);
    const { response } = await ask('breaker');
    assert.equal(response.headers.get('x-switchyard-route'), 'backup');
    assert.equal(requestsFor('model-broken'), 2, 'no request reached the open circuit');
  });

  test('a stream that fails before its first byte falls back', async () => {
    emulator.setFaults([{ match: { model: 'model-early' }, disconnectBeforeHeaders: true }]);
    const stream = await client.chat.completions.create({
      model: 'stream-early',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
    assert.equal(requestsFor('model-up'), 1);
  });

  test('a stream that fails midway ends with an error event and is never retried', async () => {
    emulator.setFaults([{ match: { model: 'model-midstream' }, errorAfterChunks: 3 }]);
    const stream = await client.chat.completions.create({
      model: 'stream-fail',
      messages: [{ role: 'user', content: 'long answer [[emulator:tokens=50]]' }],
      stream: true,
    });
    let chunks = 0;
    await assert.rejects(async () => {
      for await (const _chunk of stream) chunks++;
    });
    assert.ok(chunks >= 1, 'the client received the first chunks');
    assert.equal(requestsFor('model-midstream'), 1);
    assert.equal(requestsFor('model-up'), 0, 'no fallback after the first byte');
  });

  test('an upstream that drops the connection midway ends the client stream with an error', async () => {
    emulator.setFaults([{ match: { model: 'model-midstream' }, disconnectAfterChunks: 2 }]);
    const stream = await client.chat.completions.create({
      model: 'stream-fail',
      messages: [{ role: 'user', content: 'long answer [[emulator:tokens=50]]' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _chunk of stream) {
        // drain
      }
    });
  });

  test('a client that disconnects aborts the upstream stream', async () => {
    emulator.setFaults([{ match: { model: 'model-long' }, tokensPerSecond: 50 }]);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'long-stream',
        messages: [{ role: 'user', content: 'very long [[emulator:tokens=500]]' }],
        stream: true,
      },
      { signal: controller.signal },
    );
    let chunks = 0;
    // The SDK ends the iteration quietly once its signal is aborted.
    for await (const _chunk of stream) {
      chunks++;
      controller.abort();
    }
    assert.ok(chunks < 20, `stopped after ${chunks} chunks`);
    // The upstream sees its client (the gateway) go away well before the 10 s the stream would take.
    const deadline = Date.now() + 5_000;
    while (emulator.stats().aborted === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(emulator.stats().aborted, 1);
    assert.equal(emulator.stats().completed, 0);
  });
});
