import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from './server.ts';
import { eventually, postJson, readSse } from './test-support.ts';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const user = (content: string) => [{ role: 'user', content }];
const chat = (model = 'emulator-chat', extra: Record<string, unknown> = {}) =>
  postJson(`${emulator.url}/v1/chat/completions`, {
    model,
    messages: user('hello [[emulator:tokens=10]]'),
    ...extra,
  });
const stream = (model = 'emulator-chat') => chat(model, { stream: true });

async function statuses(count: number, model = 'emulator-chat'): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await chat(model);
    await response.arrayBuffer();
    result.push(response.status);
  }
  return result;
}

describe('fault rules: error statuses', () => {
  test('status sends an OpenAI error object for the status, with retry-after when asked', async () => {
    emulator.setFaults([{ status: 429, retryAfterSeconds: 1.5 }]);
    const response = await chat();
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '2');
    assert.equal(response.headers.get('retry-after-ms'), '1500');
    assert.ok(response.headers.get('x-request-id'));
    assert.deepEqual(await response.json(), {
      error: {
        message: 'Rate limit reached for requests; try again later.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    const server = await (await postJson(`${emulator.url}/v1/embeddings`, { model: 'e', input: 'x' })).json();
    assert.equal((server as { error: { type: string } }).error.type, 'requests');
  });

  test('5xx defaults are server_error; a rule body is sent as given', async () => {
    emulator.setFaults([
      { match: { model: 'five-hundred' }, status: 500 },
      { status: 400, body: { error: { message: 'custom' } } },
    ]);
    const server = await chat('five-hundred');
    assert.equal(server.status, 500);
    assert.equal(((await server.json()) as { error: { type: string } }).error.type, 'server_error');
    const custom = await chat('other');
    assert.equal(custom.status, 400);
    assert.deepEqual(await custom.json(), { error: { message: 'custom' } });
  });

  test('match.model and match.path limit a rule to matching requests', async () => {
    emulator.setFaults([
      { match: { model: 'down' }, status: 503 },
      { match: { path: '/v1/embeddings' }, status: 502 },
    ]);
    assert.deepEqual(await statuses(1, 'down'), [503]);
    assert.deepEqual(await statuses(1, 'up'), [200]);
    const embeddings = await postJson(`${emulator.url}/v1/embeddings`, { model: 'up', input: 'x' });
    assert.equal(embeddings.status, 502);
  });

  test('skip lets the first N matches through; times stops after N applications', async () => {
    emulator.setFaults([{ status: 500, skip: 1, times: 2 }]);
    assert.deepEqual(await statuses(5), [200, 500, 500, 200, 200]);
  });

  test('rules are checked in order and the first match applies; a skipped rule lets later ones match', async () => {
    emulator.setFaults([{ status: 500, skip: 1 }, { status: 503 }]);
    assert.deepEqual(await statuses(3), [503, 500, 500]);
  });

  test('rate fails about that share of requests, the same ones on every run', async () => {
    emulator.setFaults([{ status: 500, rate: 0.5 }]);
    const first = await statuses(40);
    const failures = first.filter((status) => status === 500).length;
    assert.ok(failures > 8 && failures < 32, `${failures} of 40 failed`);
    emulator.reset();
    emulator.setFaults([{ status: 500, rate: 0.5 }]);
    assert.deepEqual(await statuses(40), first, 'same seed, same decisions');

    const other = await startEmulator({ faultSeed: 99, faults: [{ status: 500, rate: 0.5 }] });
    try {
      const otherStatuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const response = await postJson(`${other.url}/v1/chat/completions`, {
          model: 'm',
          messages: user('x'),
        });
        await response.arrayBuffer();
        otherStatuses.push(response.status);
      }
      assert.notDeepEqual(otherStatuses, first, 'another seed, other decisions');
    } finally {
      await other.close();
    }
  });

  test('rate 0 never applies and rate 1 always does', async () => {
    emulator.setFaults([{ status: 500, rate: 0 }]);
    assert.deepEqual(await statuses(3), [200, 200, 200]);
    emulator.setFaults([{ status: 500, rate: 1 }]);
    assert.deepEqual(await statuses(3), [500, 500, 500]);
  });

  test('reset restores the rules given at start, with fresh counters', async () => {
    const seeded = await startEmulator({ faults: [{ status: 500, times: 1 }] });
    try {
      const ask = async () => {
        const response = await postJson(`${seeded.url}/v1/chat/completions`, {
          model: 'm',
          messages: user('x'),
        });
        await response.arrayBuffer();
        return response.status;
      };
      seeded.setFaults([]);
      assert.equal(await ask(), 200);
      seeded.reset();
      assert.deepEqual([await ask(), await ask()], [500, 200]);
    } finally {
      await seeded.close();
    }
  });

  test('invalid rules are refused with the field named', () => {
    assert.throws(() => emulator.setFaults([{ rate: 2 }]), /faults\[0\]\.rate/);
    assert.throws(() => emulator.setFaults([{ status: 200 }]), /faults\[0\]\.status/);
    assert.throws(() => emulator.setFaults([{ typo: true } as never]), /faults\[0\]/);
  });
});

describe('fault rules: connections and streams', () => {
  test('disconnectBeforeHeaders drops the connection without an answer', async () => {
    emulator.setFaults([{ disconnectBeforeHeaders: true, times: 1 }]);
    await assert.rejects(chat());
    await eventually(() => emulator.stats().failed === 1);
    assert.equal((await chat()).status, 200, 'the next request is served');
  });

  test('slowHeadersMs delays the response headers', async () => {
    emulator.setFaults([{ slowHeadersMs: 120 }]);
    const started = performance.now();
    const response = await chat();
    assert.ok(performance.now() - started >= 110);
    assert.equal(response.status, 200);
  });

  test('disconnectAfterChunks sends N chunks, then drops the connection', async () => {
    emulator.setFaults([{ disconnectAfterChunks: 3 }]);
    const response = await stream();
    assert.equal(response.status, 200);
    const { data, broken } = await readSse(response);
    assert.equal(broken, true);
    assert.equal(data.length, 3);
    assert.ok(!data.includes('[DONE]'));
    await eventually(() => emulator.stats().failed === 1);
    assert.equal(emulator.stats().completed, 0);
  });

  test('errorAfterChunks sends N chunks, then an error event, and ends without [DONE]', async () => {
    emulator.setFaults([{ errorAfterChunks: 2, status: 503 }]);
    const response = await stream();
    assert.equal(response.status, 200);
    const { data, broken } = await readSse(response);
    assert.equal(broken, false);
    assert.equal(data.length, 3);
    assert.equal((JSON.parse(data[0] ?? '') as { object: string }).object, 'chat.completion.chunk');
    const error = JSON.parse(data[2] ?? '') as {
      error: { type: string; message: string; param: null; code: unknown };
    };
    assert.equal(error.error.type, 'server_error');
    assert.equal(typeof error.error.message, 'string');
    await eventually(() => emulator.stats().failed === 1);
    assert.equal(emulator.stats().completed, 0);
  });

  test('mid-stream rules leave whole (non-streamed) responses alone', async () => {
    emulator.setFaults([{ errorAfterChunks: 1 }, { disconnectAfterChunks: 1 }]);
    assert.deepEqual(await statuses(2), [200, 200]);
    assert.equal(emulator.stats().faulted, 0);
  });

  test('a rule with only pacing fields slows matching requests without failing them', async () => {
    emulator.setFaults([{ match: { model: 'slow' }, ttftMs: 80, tokensPerSecond: 200 }]);
    let started = performance.now();
    const slow = await readSse(await stream('slow'));
    const slowMs = performance.now() - started;
    assert.equal(slow.data.at(-1), '[DONE]');
    assert.ok(slowMs >= 100, `paced stream took ${slowMs} ms`); // 80 ms + 9 intervals of 5 ms
    started = performance.now();
    const whole = await chat('slow');
    assert.equal(whole.status, 200);
    assert.ok(performance.now() - started >= 100, 'a whole response waits as long as the stream would');
    assert.equal(emulator.stats().faulted, 2);
    await eventually(() => emulator.stats().completed === 2);
  });
});
