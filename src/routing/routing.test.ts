import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { backoffDelay } from './backoff.ts';
import { CircuitBreaker } from './breaker.ts';
import { execute } from './executor.ts';
import { RouteTable } from './table.ts';
import { weightedOrder } from './weighted.ts';

test('breaker opens after N consecutive failures, lets one probe through after the cooldown', () => {
  const clock = new ManualClock(0);
  const states: string[] = [];
  const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 }, clock, (s) => states.push(s));
  for (let i = 0; i < 3; i++) {
    assert.equal(breaker.tryAcquire(), true);
    breaker.onFailure();
  }
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
  clock.advance(1000);
  assert.equal(breaker.tryAcquire(), true, 'one probe');
  assert.equal(breaker.tryAcquire(), false, 'only one probe at a time');
  breaker.onFailure();
  assert.equal(breaker.state, 'open', 'failed probe reopens');
  clock.advance(1000);
  assert.equal(breaker.tryAcquire(), true);
  breaker.onSuccess();
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(states, ['open', 'half_open', 'open', 'half_open', 'closed']);
});

test('a success resets the consecutive-failure count', () => {
  const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 10 }, new ManualClock());
  breaker.onFailure();
  breaker.onSuccess();
  breaker.onFailure();
  assert.equal(breaker.state, 'closed');
});

test('weighted order follows the weights and puts zero-weight standbys last', () => {
  const items = [
    { id: 'a', weight: 3 },
    { id: 'b', weight: 1 },
    { id: 'standby', weight: 0 },
  ];
  let first = 0;
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 4000; i++) {
    const order = weightedOrder(items, random);
    if (order[0]?.id === 'a') first++;
    assert.equal(order[2]?.id, 'standby');
  }
  assert.ok(first > 2800 && first < 3200, `a first ${first}/4000 times, expected about 3000`);
});

test('backoff grows exponentially, is jittered, and honours retry-after up to the cap', () => {
  const settings = { initialMs: 100, maxMs: 2000 };
  assert.equal(
    backoffDelay(1, settings, undefined, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, settings, undefined, () => 1),
    400,
  );
  assert.equal(
    backoffDelay(3, settings, undefined, () => 0),
    200,
  );
  assert.equal(
    backoffDelay(10, settings, undefined, () => 1),
    2000,
  );
  assert.equal(
    backoffDelay(1, settings, 1.5, () => 1),
    1500,
  );
  assert.equal(
    backoffDelay(1, settings, 60, () => 1),
    2000,
  );
});

function table() {
  const config = parseConfig(
    {
      providers: [
        { name: 'p1', type: 'emulator' },
        { name: 'p2', type: 'emulator' },
      ],
      routing: {
        retry: { max_attempts: 2, initial_backoff_ms: 1 },
        circuit_breaker: { failure_threshold: 2, cooldown_ms: 1000 },
      },
      routes: [
        { name: 'main', targets: [{ provider: 'p1', model: 'm1' }], fallbacks: ['backup'] },
        { name: 'backup', targets: [{ provider: 'p2', model: 'm2' }] },
      ],
    },
    {},
  );
  const clock = new ManualClock(0);
  return { routes: new RouteTable(config, clock), clock };
}

const noSleep = async () => {};

test('retries a retryable failure, then falls back to the next route', async () => {
  const { routes, clock } = table();
  const calls: string[] = [];
  const result = await execute(
    routes,
    routes.resolve('main')!,
    { signal: new AbortController().signal, clock, sleep: noSleep },
    async (target) => {
      calls.push(target.key);
      if (target.provider.name === 'p1')
        throw new GatewayError('upstream_error', 'boom', { upstreamStatus: 500 });
      return 'ok';
    },
  );
  assert.equal(result.value, 'ok');
  assert.deepEqual(calls, ['p1/m1', 'p1/m1', 'p2/m2']);
  assert.equal(result.route.name, 'backup');
  assert.equal(result.attempts.length, 3);
});

test('a non-retryable error stops at once: no retry, no fallback', async () => {
  const { routes, clock } = table();
  let calls = 0;
  await assert.rejects(
    execute(
      routes,
      routes.resolve('main')!,
      { signal: new AbortController().signal, clock, sleep: noSleep },
      async () => {
        calls++;
        throw new GatewayError('invalid_request', 'bad', { retryable: false });
      },
    ),
    (error: GatewayError) => error.kind === 'invalid_request',
  );
  assert.equal(calls, 1);
});

test('an open circuit skips the target without calling it', async () => {
  const { routes, clock } = table();
  const fail = async (target: { provider: { name: string } }) => {
    if (target.provider.name === 'p1') throw new GatewayError('upstream_error', 'down');
    return 'ok';
  };
  const options = { signal: new AbortController().signal, clock, sleep: noSleep };
  await execute(routes, routes.resolve('main')!, options, fail); // two failures open p1's breaker
  const calls: string[] = [];
  const second = await execute(routes, routes.resolve('main')!, options, async (target) => {
    calls.push(target.key);
    return fail(target);
  });
  assert.deepEqual(calls, ['p2/m2']);
  assert.equal(second.attempts[0]?.outcome, 'circuit_open');
});

test('provider/model names resolve to implicit routes; unknown names do not', () => {
  const { routes } = table();
  assert.equal(routes.resolve('p2/some-model')?.targets[0]?.model, 'some-model');
  assert.equal(routes.resolve('nope/x'), undefined);
  assert.equal(routes.resolve('unknown'), undefined);
});

test('an upstream 401 moves on to the next route at once: no retry of a bad credential', async () => {
  const { routes, clock } = table();
  const calls: string[] = [];
  const result = await execute(
    routes,
    routes.resolve('main')!,
    { signal: new AbortController().signal, clock, sleep: noSleep },
    async (target) => {
      calls.push(target.key);
      if (target.provider.name === 'p1')
        throw new GatewayError('upstream_error', 'bad credential', { upstreamStatus: 401, retryable: false });
      return 'ok';
    },
  );
  assert.equal(result.value, 'ok');
  assert.deepEqual(calls, ['p1/m1', 'p2/m2']);
});
