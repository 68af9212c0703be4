import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { Usage } from '../core/ir.ts';
import { parseDecimal } from '../core/money.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { migrateToLatest } from '../store/migrations/index.ts';
import { readSegment } from './journal.ts';
import type { Pricer } from './pricer.ts';
import type { MeteredContext } from './record.ts';
import { createMeteringStage, type Metering } from './stage.ts';

/** $1 per million input tokens and $3 per million output tokens, for every model. */
const flatPricer: Pricer = {
  price: () => ({
    version: 'flat@1',
    exactCost: (usage: Usage) =>
      BigInt(usage.inputTokens) * parseDecimal('1', 12) + BigInt(usage.outputTokens) * parseDecimal('3', 12),
  }),
};

function context(overrides: Partial<MeteredContext> = {}): MeteredContext {
  return {
    id: `req_stage_${Math.random().toString(36).slice(2)}`,
    startedAt: 1_700_000_000_000,
    startedHr: process.hrtime.bigint(),
    endpoint: 'chat',
    dialect: 'openai-chat',
    principal: { keyId: 'key_1', keyName: 'app', metadata: { team: 'core' } },
    requestedModel: 'chat-default',
    route: 'chat-default',
    provider: 'openai',
    providerType: 'openai',
    upstreamModel: 'gpt-4o-mini',
    stream: false,
    attempts: [],
    usage: {
      inputTokens: 100,
      outputTokens: 10,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    },
    usageEstimated: false,
    status: 200,
    clientDisconnected: false,
    responseHeaders: {},
    tags: [],
    ...overrides,
  };
}

describe('metering stage', () => {
  let dir: string;
  let store: Store;
  let metering: Metering;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-stage-'));
    store = await openDatabase('sqlite::memory:');
    await migrateToLatest(store);
    metering = createMeteringStage({
      db: store.db,
      journalDir: dir,
      pricer: flatPricer,
      providers: (name) => (name === 'openai' ? { name, type: 'openai' } : undefined),
      clock: new ManualClock(1_700_000_000_500),
    });
    await metering.start();
  });

  afterEach(async () => {
    await metering.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function journaled(): Array<{ request_id: string }> {
    return readdirSync(dir).flatMap(
      (name) => readSegment<{ request_id: string }>(dir, Number(/\d+/.exec(name)?.[0])).entries,
    );
  }

  it('journals a non-streamed request once: before sending, not again on completion', async () => {
    const request = context();
    metering.beforeSend(request);
    assert.equal(journaled().length, 1, 'journaled before the response goes out');
    assert.equal(request.responseHeaders['x-switchyard-cost-usd'], '0.000130');
    assert.equal(request.responseHeaders['x-switchyard-price-version'], 'flat@1');
    assert.equal(request.costMicros, 130, 'left on the context for metrics');
    metering.onComplete({ context: request, latencyMs: 12 });
    assert.equal(journaled().length, 1);
    await metering.ledger.flush();
    const record = await metering.repository.get(request.id);
    assert.equal(record?.cost_micros, 130);
    assert.equal(record?.team, 'core');
  });

  it('prices a stream the same way in its usage event and in its record', async () => {
    const request = context({ stream: true });
    const extension = metering.usageExtension(request)(request.usage!);
    metering.onComplete({ context: request, latencyMs: 40 });
    await metering.ledger.flush();
    const record = await metering.repository.get(request.id);
    assert.deepEqual(extension, { cost_usd: '0.000130', cost_known: true, price_version: 'flat@1' });
    assert.equal(record?.cost_micros, 130);
    assert.equal(record?.latency_ms, 40);
    assert.equal(record?.completed_at, 1_700_000_000_500);
  });

  it('does not record a request nobody was authenticated for', async () => {
    metering.onComplete({ context: context({ principal: undefined, status: 401 }), latencyMs: 1 });
    assert.equal(journaled().length, 0);
    assert.equal(metering.stats().recorded, 0);
  });

  it('records an unknown provider as unknown cost, and counts tokens priced at zero', async () => {
    const unpriced = context({ provider: 'self-hosted' });
    metering.onComplete({ context: unpriced, latencyMs: 1 });
    assert.equal(unpriced.costMicros, undefined);
    const free: Pricer = { price: () => ({ version: 'free@1', exactCost: () => 0n }) };
    const zero = createMeteringStage({
      db: store.db,
      journalDir: join(dir, 'zero'),
      pricer: free,
      providers: (name) => ({ name, type: 'openai' }),
      clock: new ManualClock(0),
    });
    zero.onComplete({ context: context(), latencyMs: 1 });
    assert.equal(metering.stats().unknownCost, 1);
    assert.equal(zero.stats().zeroCostAnomalies, 1);
    await zero.close();
  });
});
