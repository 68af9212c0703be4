import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { emptyUsage } from '../core/ir.ts';
import { type CompletedRequest, newContext, type RequestContext } from '../pipeline/context.ts';
import { CircuitBreaker } from '../routing/breaker.ts';
import { OVERFLOW_LABEL } from './bounded-label.ts';
import { GatewayMetrics } from './metrics.ts';

function served(overrides: Partial<RequestContext> = {}): CompletedRequest {
  const context: RequestContext = {
    ...newContext('req-1', 'chat', 'openai-chat', 0),
    route: 'chat-default',
    provider: 'openai',
    providerType: 'openai',
    upstreamModel: 'gpt-4o',
    principal: { keyId: 'key-1', keyName: 'app', role: 'client', metadata: { team: 'search' } },
    usage: { ...emptyUsage(), inputTokens: 100, outputTokens: 20, cacheReadTokens: 40 },
    ...overrides,
  };
  return { context, latencyMs: 250 };
}

async function values(
  metrics: GatewayMetrics,
  name: string,
): Promise<Array<{ labels: Record<string, unknown>; value: number }>> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  return (await metric.get()).values.map(({ labels, value }) => ({ labels: { ...labels }, value }));
}

async function seriesValue(
  metrics: GatewayMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const found = (await values(metrics, name)).filter((entry) =>
    Object.entries(labels).every(([key, value]) => String(entry.labels[key]) === value),
  );
  assert.ok(found.length <= 1, `one ${name} series matches ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

const quiet = { defaultMetrics: false };

describe('GatewayMetrics', () => {
  test('a request is counted with its team, status class, tokens by type and cost in dollars', async () => {
    const metrics = new GatewayMetrics(quiet);
    metrics.recordRequest(served({ costMicros: 1_250_000 }));
    const base = {
      endpoint: 'chat',
      route: 'chat-default',
      provider: 'openai',
      model: 'gpt-4o',
      team: 'search',
    };
    assert.equal(await seriesValue(metrics, 'switchyard_requests_total', { ...base, status: '2xx' }), 1);
    assert.equal(await seriesValue(metrics, 'switchyard_tokens_total', { ...base, type: 'input' }), 100);
    assert.equal(await seriesValue(metrics, 'switchyard_tokens_total', { ...base, type: 'output' }), 20);
    assert.equal(await seriesValue(metrics, 'switchyard_tokens_total', { ...base, type: 'cached' }), 40);
    assert.equal(
      await seriesValue(metrics, 'switchyard_tokens_total', { ...base, type: 'reasoning' }),
      undefined,
    );
    assert.equal(await seriesValue(metrics, 'switchyard_cost_usd_total', base), 1.25);
    assert.equal(
      await seriesValue(metrics, 'switchyard_request_duration_seconds', {
        ...base,
        status: '2xx',
        le: '0.25',
      }),
      1,
    );
    assert.equal(
      await seriesValue(metrics, 'switchyard_request_duration_seconds', {
        ...base,
        status: '2xx',
        le: '0.1',
      }),
      0,
    );
  });

  test('counts stay exact across more series than the label-set cache keeps', async () => {
    const metrics = new GatewayMetrics(quiet);
    // 100 routes x 60 models: more series than the cache holds, so it starts over during each pass.
    for (let pass = 0; pass < 2; pass++) {
      for (let route = 0; route < 100; route++) {
        for (let model = 0; model < 60; model++)
          metrics.recordRequest(served({ route: `r${route}`, upstreamModel: `m${model}` }));
      }
    }
    const requests = await values(metrics, 'switchyard_requests_total');
    assert.equal(requests.length, 6000, 'one series per route and model');
    assert.ok(requests.every((entry) => entry.value === 2));
    assert.equal(
      await seriesValue(metrics, 'switchyard_tokens_total', { route: 'r99', model: 'm59', type: 'input' }),
      200,
    );
    const durations = await values(metrics, 'switchyard_request_duration_seconds');
    const count = durations.find(
      (entry) => entry.labels.route === 'r7' && entry.labels.model === 'm3' && entry.labels.le === '+Inf',
    );
    assert.equal(count?.value, 2);
  });

  test('an error is counted under its kind, and a key without a team has an empty team', async () => {
    const metrics = new GatewayMetrics(quiet);
    metrics.recordRequest(
      served({
        status: 429,
        errorKind: 'rate_limited',
        principal: { keyId: 'k', keyName: 'k', role: 'client', metadata: {} },
      }),
    );
    assert.equal(
      await seriesValue(metrics, 'switchyard_request_errors_total', {
        status: '4xx',
        error_kind: 'rate_limited',
        team: '',
      }),
      1,
    );
  });

  test('every upstream attempt is counted by outcome', async () => {
    const metrics = new GatewayMetrics(quiet);
    const attempt = {
      route: 'chat-default',
      target: 'openai/gpt-4o',
      provider: 'openai',
      model: 'gpt-4o',
      startedAt: 0,
    };
    metrics.recordRequest(
      served({
        attempts: [
          { ...attempt, durationMs: 5, outcome: 'error', errorKind: 'upstream_error', upstreamStatus: 500 },
          { ...attempt, durationMs: 0, outcome: 'circuit_open' },
          { ...attempt, durationMs: 9, outcome: 'success' },
        ],
      }),
    );
    for (const outcome of ['error', 'circuit_open', 'success']) {
      assert.equal(
        await seriesValue(metrics, 'switchyard_upstream_attempts_total', { model: 'gpt-4o', outcome }),
        1,
      );
    }
  });

  test('time to first token is observed for streams only', async () => {
    const metrics = new GatewayMetrics(quiet);
    metrics.recordRequest(served({ stream: false, ttftMs: 40 }));
    metrics.recordRequest(served({ stream: true, ttftMs: 40 }));
    assert.equal(await seriesValue(metrics, 'switchyard_time_to_first_token_seconds', { le: '+Inf' }), 1);
  });

  test('label values past the limit fold into one series', async () => {
    const metrics = new GatewayMetrics({ ...quiet, maxLabelValues: 2 });
    for (const model of ['openai/a', 'openai/b', 'openai/c', 'openai/d'])
      metrics.recordRequest(served({ route: model }));
    metrics.recordRequest(served({ route: 'openai/a' }));
    const routes = (await values(metrics, 'switchyard_requests_total')).map((entry) => [
      entry.labels.route,
      entry.value,
    ]);
    assert.deepEqual(routes, [
      ['openai/a', 2],
      ['openai/b', 1],
      [OVERFLOW_LABEL, 2],
    ]);
  });

  test('an open circuit reads half-open once its cooldown has passed, with no event to say so', async () => {
    const metrics = new GatewayMetrics(quiet);
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000 }, clock, (state) =>
      metrics.setCircuitState('openai/gpt-4o', state),
    );
    metrics.setCircuitSource(() => [{ target: 'openai/gpt-4o', state: breaker.state }]);
    assert.equal(await seriesValue(metrics, 'switchyard_circuit_state', { target: 'openai/gpt-4o' }), 0);
    assert.ok(breaker.tryAcquire());
    breaker.onFailure();
    assert.equal(await seriesValue(metrics, 'switchyard_circuit_state', { target: 'openai/gpt-4o' }), 2);
    clock.advance(1_000);
    assert.equal(await seriesValue(metrics, 'switchyard_circuit_state', { target: 'openai/gpt-4o' }), 1);
  });

  test('rejections by limits and budgets are counted by scope and team', async () => {
    const metrics = new GatewayMetrics(quiet);
    metrics.countRateLimitRejection('key');
    metrics.countRateLimitRejection('key');
    metrics.countBudgetRejection('team', 'search');
    assert.equal(
      await seriesValue(metrics, 'switchyard_rate_limit_rejections_total', { scope: 'key', team: '' }),
      2,
    );
    assert.equal(
      await seriesValue(metrics, 'switchyard_budget_rejections_total', { scope: 'team', team: 'search' }),
      1,
    );
  });

  test('two instances keep separate counts', async () => {
    const first = new GatewayMetrics(quiet);
    const second = new GatewayMetrics(quiet);
    first.recordRequest(served());
    assert.equal(await seriesValue(first, 'switchyard_requests_total', { status: '2xx' }), 1);
    assert.equal(await seriesValue(second, 'switchyard_requests_total', { status: '2xx' }), undefined);
    assert.doesNotMatch(await second.render(), /switchyard_requests_total\{/);
  });
});
