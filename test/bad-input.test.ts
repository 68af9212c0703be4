// Bad input gets a clear OpenAI-shaped error with the right status, and never hurts the process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

describe('bad input', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ server: { body_limit: '64kb', instance_id: 'gw-under-test' } });
  });
  after(() => gateway.close());

  const post = (body: string | Buffer, headers: Record<string, string> = {}, path = '/v1/chat/completions') =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${gateway.clientKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body,
    });
  const errorOf = async (response: Response) =>
    (
      (await response.json()) as {
        error: { message: string; type: string; param: string | null; code: string | null };
      }
    ).error;

  test('malformed JSON is a 400 invalid_request_error', async () => {
    const response = await post('{"model": "chat-default", "messages": [');
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /JSON/);
    assert.match(response.headers.get('x-request-id') ?? '', /^req_/);
  });

  test('missing messages is a 400 naming the field', async () => {
    const response = await post(JSON.stringify({ model: 'chat-default' }));
    assert.equal(response.status, 400);
    assert.equal((await errorOf(response)).param, 'messages');
  });

  test('a wrong type is a 400 naming the field', async () => {
    const response = await post(
      JSON.stringify({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 'hot',
      }),
    );
    assert.equal(response.status, 400);
    assert.equal((await errorOf(response)).param, 'temperature');
  });

  test('a body over the limit is a 413', async () => {
    const huge = JSON.stringify({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'x'.repeat(100_000) }],
    });
    const response = await post(huge);
    assert.equal(response.status, 413);
    assert.match((await errorOf(response)).message, /limit/);
  });

  test('an unknown model is a 404 model_not_found that says how to list models', async () => {
    const response = await post(
      JSON.stringify({ model: 'gpt-17-ultra', messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(response.status, 404);
    const error = await errorOf(response);
    assert.equal(error.code, 'model_not_found');
    assert.match(error.message, /GET \/v1\/models/);
  });

  test('a missing or wrong key is a 401', async () => {
    const body = JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] });
    const missing = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(missing.status, 401);
    assert.equal((await errorOf(missing)).type, 'authentication_error');
    const wrong = await post(body, { authorization: 'Bearer sk-sy-not-a-real-key' });
    assert.equal(wrong.status, 401);
    assert.ok(!(await wrong.text()).includes('sk-sy-not-a-real-key'), 'the presented key is not echoed');
  });

  test('fields that name another host change nothing: upstreams come only from config', async () => {
    const response = await post(
      JSON.stringify({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'hi' }],
        base_url: 'http://169.254.169.254/latest',
        api_base: 'http://169.254.169.254/latest',
      }),
      { 'x-base-url': 'http://169.254.169.254', 'x-forwarded-host': '169.254.169.254' },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'emulator');
  });

  test('a request that already passed through this gateway is refused as a loop', async () => {
    const response = await post(
      JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] }),
      {
        'x-switchyard-hop': 'gw-under-test',
      },
    );
    assert.equal(response.status, 508);
    assert.equal((await errorOf(response)).code, 'loop_detected');
  });

  test('1,000 random malformed requests, then a valid one succeeds; memory stays flat', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const random = seeded(42);
    const valid = JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] });
    await fuzzBatch(200, random, post, valid); // warm up allocations before measuring
    gc();
    const before = process.memoryUsage().heapUsed;
    const statuses = await fuzzBatch(1000, random, post, valid);
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    assert.ok(
      statuses.every((status) => status >= 400 && status < 500),
      `only 4xx answers, got ${[...new Set(statuses)].join(',')}`,
    );
    const ok = await post(valid);
    assert.equal(ok.status, 200);
    assert.ok(grownMb < 20, `heap grew ${grownMb.toFixed(1)} MB over 1,000 bad requests`);
  });
});

async function fuzzBatch(
  count: number,
  random: () => number,
  post: (body: string | Buffer) => Promise<Response>,
  valid: string,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, () => post(malformed(random, valid)));
    for (const response of await Promise.all(batch)) {
      statuses.push(response.status);
      await response.arrayBuffer();
    }
  }
  return statuses;
}

/** A request body that is wrong in one of many ways: truncated, wrong types, junk bytes, deep nesting. */
function malformed(random: () => number, valid: string): string {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const junk = () => pick([null, 1, -1, 1e308, 'x', true, [], {}, [1, 2], { a: 1 }]);
  switch (Math.floor(random() * 9)) {
    case 0:
      return valid.slice(0, Math.floor(random() * (valid.length - 1)));
    case 1:
      return JSON.stringify({ model: junk(), messages: [{ role: 'user', content: 'hi' }] });
    case 2:
      return JSON.stringify({ model: 'chat-default', messages: junk() });
    case 3:
      return JSON.stringify({
        model: 'chat-default',
        messages: [{ role: pick(['robot', 1, null, '']), content: 'hi' }],
      });
    case 4:
      return JSON.stringify({
        model: 'chat-default',
        messages: [{ role: 'user', content: junk() === null ? 5 : { bad: true } }],
      });
    case 5:
      return Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))).toString('latin1');
    case 6:
      return `${'['.repeat(5000)}${']'.repeat(5000)}`;
    case 7: {
      // Each value is wrong for every listed field ('nope' would be a valid `stop`, so stop gets no strings).
      const field = pick([
        'temperature',
        'max_tokens',
        'top_p',
        'stream',
        'tools',
        'tool_choice',
        'n',
        'stop',
      ]);
      const value = field === 'stop' ? pick([-5, { x: 1 }, [null]]) : pick(['nope', -5, { x: 1 }, [null]]);
      return JSON.stringify({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'hi' }],
        [field]: value,
      });
    }
    default:
      return JSON.stringify(junk());
  }
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}
