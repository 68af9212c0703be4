import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from './server.ts';
import { eventually, postJson } from './test-support.ts';

const KEY = 'emulator-test-key';
const auth = { authorization: `Bearer ${KEY}` };

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ apiKey: KEY, models: ['extra-model'] });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const chat = (body: Record<string, unknown>, headers: Record<string, string> = auth) =>
  postJson(`${emulator.url}/v1/chat/completions`, { model: 'emulator-chat', ...body }, headers);
const user = (content: string) => [{ role: 'user', content }];

describe('POST /v1/embeddings', () => {
  const embed = (body: Record<string, unknown>) =>
    postJson(`${emulator.url}/v1/embeddings`, { model: 'emulator-embed', ...body }, auth);
  type Embeddings = {
    object: string;
    model: string;
    data: Array<{ object: string; index: number; embedding: number[] | string }>;
    usage: { prompt_tokens: number; total_tokens: number };
  };

  test('returns one unit vector of 1536 floats per input, in order, with usage', async () => {
    const body = (await (await embed({ input: ['alpha', 'beta gamma'] })).json()) as Embeddings;
    assert.equal(body.object, 'list');
    assert.equal(body.model, 'emulator-embed');
    assert.deepEqual(
      body.data.map((item) => [item.object, item.index]),
      [
        ['embedding', 0],
        ['embedding', 1],
      ],
    );
    const vector = body.data[0]?.embedding as number[];
    assert.equal(vector.length, 1536);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
    assert.notDeepEqual(body.data[0]?.embedding, body.data[1]?.embedding);
    assert.ok(body.usage.prompt_tokens >= 3);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens);
  });

  test('the same input always gets the same vector; dimensions is honoured', async () => {
    const a = (await (await embed({ input: 'alpha', dimensions: 64 })).json()) as Embeddings;
    const b = (await (await embed({ input: ['alpha'], dimensions: 64 })).json()) as Embeddings;
    assert.equal((a.data[0]?.embedding as number[] | undefined)?.length, 64);
    assert.deepEqual(a.data[0]?.embedding, b.data[0]?.embedding);
  });

  test('base64 is the same vector as little-endian float32', async () => {
    const floats = (await (await embed({ input: 'alpha', dimensions: 32 })).json()) as Embeddings;
    const encoded = (await (
      await embed({ input: 'alpha', dimensions: 32, encoding_format: 'base64' })
    ).json()) as Embeddings;
    const bytes = Buffer.from(encoded.data[0]?.embedding as string, 'base64');
    assert.equal(bytes.length, 32 * 4);
    const decoded = Array.from({ length: 32 }, (_, i) => bytes.readFloatLE(i * 4));
    assert.deepEqual(
      decoded,
      ((floats.data[0]?.embedding ?? []) as number[]).map((value) => Math.fround(value)),
    );
  });

  test('token-id inputs are accepted and counted as tokens', async () => {
    const body = (await (
      await embed({
        input: [
          [1, 2, 3],
          [4, 5],
        ],
      })
    ).json()) as Embeddings;
    assert.equal(body.data.length, 2);
    assert.equal(body.usage.prompt_tokens, 5);
  });

  test('an empty input is refused naming the field', async () => {
    const response = await embed({ input: ['ok', ''] });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { param: string } }).error.param, 'input[1]');
  });
});

describe('GET /v1/models', () => {
  test('lists the emulator models and configured extras as model objects', async () => {
    const response = await fetch(`${emulator.url}/v1/models`, { headers: auth });
    const body = (await response.json()) as { object: string; data: Array<Record<string, unknown>> };
    assert.equal(body.object, 'list');
    assert.deepEqual(
      body.data.map((model) => model.id),
      ['emulator-chat', 'emulator-embed', 'extra-model'],
    );
    for (const model of body.data) {
      assert.equal(model.object, 'model');
      assert.ok(Number.isInteger(model.created));
      assert.equal(typeof model.owned_by, 'string');
    }
  });

  test('retrieves any model by id', async () => {
    const response = await fetch(`${emulator.url}/v1/models/some-model`, { headers: auth });
    assert.equal(((await response.json()) as { id: string }).id, 'some-model');
  });
});

describe('authentication and input errors (OpenAI error shape)', () => {
  test('a missing or wrong key is a 401 invalid_api_key that does not repeat the key', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-key-123' }];
    for (const headers of attempts) {
      const response = await chat({ messages: user('hi') }, headers);
      assert.equal(response.status, 401);
      const text = await response.text();
      assert.ok(!text.includes('wrong-key-123'));
      assert.deepEqual(JSON.parse(text), {
        error: {
          message: 'The API key is missing or incorrect.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
  });

  test('malformed JSON is a 400', async () => {
    const response = await fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"model": ',
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'invalid_request_error');
  });

  test('missing model or messages, and a bad message, are 400s naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ messages: user('hi'), model: undefined }, 'model'],
      [{}, 'messages'],
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'user', content: 'a' }, { role: 'user' }] }, 'messages[1].content'],
      [{ messages: [{ role: 'wizard', content: 'a' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'tool', content: 'a' }] }, 'messages[0].tool_call_id'],
      [
        { messages: user('a'), tools: [{ type: 'function', function: { name: 'bad name!' } }] },
        'tools[0].function.name',
      ],
      [{ messages: user('a'), max_tokens: 0 }, 'max_tokens'],
      [{ messages: user('a'), stream_options: { include_usage: true } }, 'stream_options'],
    ];
    for (const [body, param] of cases) {
      const response = await chat(body);
      assert.equal(response.status, 400, param);
      const error = ((await response.json()) as { error: { param: string; type: string } }).error;
      assert.equal(error.param, param);
      assert.equal(error.type, 'invalid_request_error');
    }
  });

  test('a named tool_choice that is not among the tools is refused', async () => {
    const response = await chat({
      messages: user('a'),
      tools: [{ type: 'function', function: { name: 'one' } }],
      tool_choice: { type: 'function', function: { name: 'two' } },
    });
    assert.equal(response.status, 400);
  });

  test('an unknown path is a 404 in the same shape', async () => {
    const response = await fetch(`${emulator.url}/v1/nothing-here`, { headers: auth });
    assert.equal(response.status, 404);
    assert.equal(
      ((await response.json()) as { error: { type: string } }).error.type,
      'invalid_request_error',
    );
  });
});

describe('stats and control endpoints', () => {
  test('stats count requests, outcomes, paths and models, and keep the last request', async () => {
    await (await chat({ model: 'model-a', messages: user('one') })).text();
    await (await chat({ model: 'model-a', stream: true, messages: user('two') })).text();
    await (await chat({ model: 'model-b', messages: [] })).text();
    await (await fetch(`${emulator.url}/v1/models`, { headers: auth })).text();
    await eventually(() => emulator.stats().completed + emulator.stats().failed === 4);
    const stats = emulator.stats();
    assert.equal(stats.requests, 4);
    assert.equal(stats.completed, 3);
    assert.equal(stats.failed, 1);
    assert.deepEqual(stats.byPath, { '/v1/chat/completions': 3, '/v1/models': 1 });
    assert.deepEqual(stats.requestsByModel, { 'model-a': 2, 'model-b': 1 });
    assert.equal(stats.lastRequest?.path, '/v1/models');
    assert.equal(stats.lastRequest?.headers.authorization, `Bearer ${KEY}`);
  });

  test('lastRequest holds the parsed body', async () => {
    await (await chat({ messages: user('remember me'), temperature: 0.2 })).text();
    assert.deepEqual(emulator.stats().lastRequest?.body, {
      model: 'emulator-chat',
      messages: user('remember me'),
      temperature: 0.2,
    });
  });

  test('the control endpoints read stats, replace and clear faults, and reset', async () => {
    await (await chat({ messages: user('hi') })).text();
    const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as { requests: number };
    assert.equal(stats.requests, 1);

    const put = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'PUT',
      body: JSON.stringify({ faults: [{ status: 503 }] }),
    });
    assert.equal(put.status, 200);
    assert.equal((await chat({ messages: user('hi') })).status, 503);

    const bad = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'PUT',
      body: JSON.stringify({ faults: [{ status: 'soon' }] }),
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /faults\[0\]\.status/);
    assert.equal(
      (await chat({ messages: user('hi') })).status,
      503,
      'an invalid update leaves the rules as they were',
    );

    assert.equal((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 200);
    assert.equal((await chat({ messages: user('hi') })).status, 200);

    assert.equal((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status, 200);
    assert.equal(emulator.stats().requests, 0);
    assert.equal(emulator.stats().lastRequest, null);
  });

  test('a stats snapshot does not change afterwards', async () => {
    const snapshot = emulator.stats();
    await (await chat({ messages: user('hi') })).text();
    assert.equal(snapshot.requests, 0);
    assert.deepEqual(snapshot.byPath, {});
  });
});
