// GET /metrics of a real gateway, read back with an independent Prometheus text-format parser.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { family, sample, scrape } from './helpers/scrape.ts';

interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

const SERVED = { endpoint: 'chat', route: 'chat-default', provider: 'emulator', model: 'emulator-chat' };

describe('metrics endpoint', () => {
  let gateway: TestGateway;
  let teamKey: string;
  const usages: OpenAIUsage[] = [];

  const post = (path: string, key: string, body: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async () => {
    gateway = await startTestGateway();
    const created = await post('/admin/v1/keys', gateway.adminKey, {
      name: 'search-app',
      metadata: { team: 'search' },
    });
    teamKey = ((await created.json()) as { key: string }).key;

    const whole = await post('/v1/chat/completions', teamKey, {
      model: 'chat-default',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    assert.equal(whole.status, 200);
    usages.push(((await whole.json()) as { usage: OpenAIUsage }).usage);

    const unknown = await post('/v1/chat/completions', gateway.clientKey, {
      model: 'no-such-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(unknown.status, 404);

    const streamed = await post('/v1/chat/completions', teamKey, {
      model: 'chat-default',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'tell me a story' }],
    });
    assert.equal(streamed.status, 200);
    const chunks = (await streamed.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice('data: '.length)) as { usage?: OpenAIUsage | null });
    const streamUsage = chunks.find((chunk) => chunk.usage)?.usage;
    assert.ok(streamUsage, 'the stream reports usage');
    usages.push(streamUsage);
  });
  after(() => gateway.close());

  test('counts requests by route, serving model, team and status class', async () => {
    const metrics = await scrape(gateway.url);
    assert.equal(
      sample(metrics, 'switchyard_requests_total', { ...SERVED, team: 'search', status: '2xx' }),
      2,
    );
    // An unknown model is a 4xx with no route, provider or model: the client's string is not a label.
    assert.equal(sample(metrics, 'switchyard_requests_total', { endpoint: 'chat', status: '4xx' }), 1);
    assert.equal(
      sample(metrics, 'switchyard_request_errors_total', {
        endpoint: 'chat',
        status: '4xx',
        error_kind: 'model_not_found',
      }),
      1,
    );
    const exposed = JSON.stringify(family(metrics, 'switchyard_requests_total'));
    assert.ok(!exposed.includes('no-such-model'));
    assert.equal(
      sample(metrics, 'switchyard_upstream_attempts_total', {
        provider: 'emulator',
        model: 'emulator-chat',
        outcome: 'success',
      }),
      2,
    );
  });

  test('counts the tokens the responses reported', async () => {
    const metrics = await scrape(gateway.url);
    const input = usages.reduce((sum, usage) => sum + usage.prompt_tokens, 0);
    const output = usages.reduce((sum, usage) => sum + usage.completion_tokens, 0);
    assert.ok(input > 0 && output > 0);
    assert.equal(
      sample(metrics, 'switchyard_tokens_total', { ...SERVED, team: 'search', type: 'input' }),
      input,
    );
    assert.equal(
      sample(metrics, 'switchyard_tokens_total', { ...SERVED, team: 'search', type: 'output' }),
      output,
    );
  });

  test('observes latency for every request and time to first token for streams only', async () => {
    const metrics = await scrape(gateway.url);
    assert.equal(family(metrics, 'switchyard_request_duration_seconds').type, 'HISTOGRAM');
    const ttft = family(metrics, 'switchyard_time_to_first_token_seconds');
    assert.equal(ttft.type, 'HISTOGRAM');
    // One stream, so one observation, in the top bucket (the parser folds series together).
    assert.equal(ttft.metrics[0]?.buckets?.['+Inf'], '1');
    assert.equal(ttft.metrics[0]?.buckets?.['120'], '1');
  });

  test('reports circuit states, the journal lag and the process metrics', async () => {
    // Records wait in the journal until the next batch flush (every 200 ms): the lag drains to 0.
    let metrics = await scrape(gateway.url);
    const deadline = Date.now() + 5_000;
    while (sample(metrics, 'switchyard_journal_lag_records', {}) !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await scrape(gateway.url);
    }
    assert.equal(sample(metrics, 'switchyard_circuit_state', { target: 'emulator/emulator-chat' }), 0);
    assert.equal(sample(metrics, 'switchyard_journal_lag_records', {}), 0);
    family(metrics, 'process_cpu_user_seconds_total');
    family(metrics, 'nodejs_heap_size_used_bytes');
    for (const name of [
      'switchyard_rate_limit_rejections_total',
      'switchyard_budget_rejections_total',
      'switchyard_cost_usd_total',
    ]) {
      assert.ok(family(metrics, name).help.length > 0);
    }
  });

  test('the journal lag comes from the source the ledger registers', async () => {
    gateway.metrics?.setJournalLagSource(() => 42);
    assert.equal(sample(await scrape(gateway.url), 'switchyard_journal_lag_records', {}), 42);
  });
});

describe('metrics endpoint access', () => {
  test('with a token configured, a scrape without it or with another is refused', async () => {
    const token = 'scrape-token-0123456789';
    const gateway = await startTestGateway({ telemetry: { metrics: { token } } });
    try {
      const anonymous = await fetch(`${gateway.url}/metrics`);
      assert.equal(anonymous.status, 401);
      const body = (await anonymous.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'invalid_metrics_token');
      const wrong = await fetch(`${gateway.url}/metrics`, {
        headers: { authorization: `Bearer ${gateway.clientKey}` },
      });
      assert.equal(wrong.status, 401);
      family(await scrape(gateway.url, token), 'switchyard_requests_total');
    } finally {
      await gateway.close();
    }
  });

  test('switched off, there is no /metrics', async () => {
    const gateway = await startTestGateway({ telemetry: { metrics: { enabled: false } } });
    try {
      assert.equal((await fetch(`${gateway.url}/metrics`)).status, 404);
      assert.equal(gateway.metrics, undefined);
    } finally {
      await gateway.close();
    }
  });
});

describe('circuit state metric', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway;

  before(async () => {
    emulator = await startEmulator({ port: 0, faults: [{ match: { model: 'model-broken' }, status: 500 }] });
    gateway = await startTestGateway({
      providers: [
        { name: 'upstream', type: 'openai-compatible', base_url: `${emulator.url}/v1`, api_key: 'k' },
      ],
      routing: {
        retry: { max_attempts: 1, initial_backoff_ms: 1, max_backoff_ms: 1 },
        circuit_breaker: { failure_threshold: 1, cooldown_ms: 600_000 },
      },
      routes: [{ name: 'broken', targets: [{ provider: 'upstream', model: 'model-broken' }] }],
    });
  });
  after(async () => {
    await gateway.close();
    await emulator.close();
  });

  test('a target whose circuit opened reads 2', async () => {
    const target = { target: 'upstream/model-broken' };
    assert.equal(sample(await scrape(gateway.url), 'switchyard_circuit_state', target), 0);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 502);
    const metrics = await scrape(gateway.url);
    assert.equal(sample(metrics, 'switchyard_circuit_state', target), 2);
    assert.equal(
      sample(metrics, 'switchyard_request_errors_total', {
        endpoint: 'chat',
        route: 'broken',
        provider: 'upstream',
        model: 'model-broken',
        status: '5xx',
        error_kind: 'upstream_error',
      }),
      1,
    );
  });
});
