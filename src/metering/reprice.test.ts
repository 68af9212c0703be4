import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriceOverride } from '../config/schema.ts';
import { ManualClock } from '../core/clock.ts';
import { AdminActionLog } from '../store/admin-actions.ts';
import { openDatabase } from '../store/db.ts';
import { type TestStore, withTestStores } from '../store/testing.ts';
import { EXACT_PER_MICRO, type PricedProvider, type Pricer } from './pricer.ts';
import { recordPricer } from './record-pricer.ts';
import { dailyMatchesHourly, fixtureRecords, referenceSums } from './report-testing.ts';
import { usageReport } from './reports.ts';
import { UsageRepository } from './repository.ts';
import { REPRICE_ACTION, repriceUsage } from './reprice.ts';
import { rollupRows } from './rollup.ts';

const RECORDS = fixtureRecords();
const FEB = Date.UTC(2025, 1, 1);
const MARCH = Date.UTC(2025, 2, 1);
const NOW = Date.UTC(2025, 5, 1, 12);

/** Today's catalog: gpt-4o-mini at 2 µ$ per input and 5 µ$ per output token; gpt-4o no longer priced. */
const catalog: Pricer = {
  price: ({ model, override }) => {
    if (override) {
      const input = BigInt(Number(override.input_per_million ?? '0'));
      const output = BigInt(Number(override.output_per_million ?? '0'));
      return {
        version: `config/${model}@override`,
        exactCost: (usage) =>
          (BigInt(usage.inputTokens) * input + BigInt(usage.outputTokens) * output) * EXACT_PER_MICRO,
      };
    }
    if (model !== 'gpt-4o-mini' && model !== 'claude-sonnet-4-5') return undefined;
    return {
      version: `${model}@today`,
      exactCost: (usage) =>
        (BigInt(usage.inputTokens) * 2n + BigInt(usage.outputTokens) * 5n) * EXACT_PER_MICRO,
    };
  },
};

const providers: PricedProvider[] = [
  { name: 'openai', type: 'openai' },
  { name: 'claude-eu', type: 'anthropic', discount_percent: 20 },
];

async function rollupMatchesRecords(store: TestStore): Promise<void> {
  const records = await new UsageRepository(store.db).list({ limit: 10_000 });
  const order = (
    rows: Array<{ hour: number; key_id: string; model: string; user_id: string; route: string }>,
  ) =>
    [...rows].sort((a, b) =>
      JSON.stringify([a.hour, a.key_id, a.model, a.user_id, a.route]).localeCompare(
        JSON.stringify([b.hour, b.key_id, b.model, b.user_id, b.route]),
      ),
    );
  const stored = await store.db.selectFrom('usage_rollup_hourly').selectAll().execute();
  assert.deepEqual(order(stored), order(rollupRows(records)), 'the rollup sums exactly the records');
  await dailyMatchesHourly(store);
}

describe('re-pricing usage', () => {
  it('re-prices a period at today’s prices, records and rollup together, and records the action', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      await repository.insert(RECORDS);
      const result = await repriceUsage(store, {
        from: FEB,
        to: MARCH,
        pricer: recordPricer({ pricer: catalog, providers }),
        actor: 'key_admin_1',
        clock: new ManualClock(NOW),
      });

      const inPeriod = RECORDS.filter((r) => r.started_at >= FEB && r.started_at < MARCH);
      assert.equal(result.examined, inPeriod.length);
      assert.equal(result.skipped, 0);
      for (const original of RECORDS) {
        const now = (await repository.get(original.request_id))!;
        if (original.started_at < FEB) {
          assert.deepEqual(now, original, 'outside the period nothing changes');
          continue;
        }
        if (original.model === 'gpt-4o') {
          // No price today: the cost is now unknown, not zero and not the old one.
          assert.deepEqual([now.cost_known, now.cost_micros, now.price_version], [false, 0, null]);
        } else {
          const list = original.input_tokens * 2 + original.output_tokens * 5;
          const discounted = original.provider === 'claude-eu';
          assert.equal(now.cost_micros, discounted ? Math.round(list * 0.8) : list);
          assert.equal(now.cost_known, true);
          assert.equal(now.price_version, `${original.model}@today${discounted ? ';discount=20%' : ''}`);
        }
        assert.deepEqual(
          { ...now, cost_micros: 0, cost_known: true, price_version: null, zero_cost_anomaly: false },
          {
            ...original,
            cost_micros: 0,
            cost_known: true,
            price_version: null,
            zero_cost_anomaly: false,
          },
        );
      }
      await rollupMatchesRecords(store);

      const after = await repository.list({ from: FEB, to: MARCH, limit: 10_000 });
      assert.equal(
        result.costAfterMicros,
        after.reduce((sum, r) => sum + r.cost_micros, 0),
      );
      assert.equal(
        result.costBeforeMicros,
        inPeriod.reduce((sum, r) => sum + r.cost_micros, 0),
      );
      assert.equal(result.unpricedAfter, after.filter((r) => !r.cost_known).length);
      assert.ok(result.priceVersions.some((change) => change.to === 'gpt-4o-mini@today'));

      // Reports over the rollup see the new prices.
      const report = await usageReport(store, { groupBy: ['model'], from: FEB, to: MARCH });
      assert.deepEqual(
        new Map(report.rows.map((row) => [row.group.model, row.sums])),
        referenceSums(after, (r) => [r.model]),
      );

      const actions = await new AdminActionLog(store.db).list();
      assert.equal(actions.length, 1);
      const action = actions[0]!;
      assert.equal(action.id, result.actionId);
      assert.deepEqual([action.at, action.actorKeyId, action.action], [NOW, 'key_admin_1', REPRICE_ACTION]);
      assert.deepEqual(action.parameters, {
        from: '2025-02-01T00:00:00Z',
        to: '2025-03-01T00:00:00Z',
        filter: {},
      });
      assert.equal(action.result.changed, result.changed);
    });
  });

  it('re-prices only what the filter selects, and leaves records of removed providers as charged', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      await repository.insert(RECORDS);
      const onlyOpenai = await repriceUsage(store, {
        from: FEB,
        to: MARCH,
        filter: { provider: 'openai', model: 'gpt-4o-mini' },
        pricer: recordPricer({ pricer: catalog, providers }),
        actor: 'master',
      });
      const selected = RECORDS.filter(
        (r) =>
          r.started_at >= FEB && r.started_at < MARCH && r.provider === 'openai' && r.model === 'gpt-4o-mini',
      );
      assert.equal(onlyOpenai.examined, selected.length);
      for (const record of RECORDS.filter((r) => r.model !== 'gpt-4o-mini')) {
        assert.deepEqual(await repository.get(record.request_id), record);
      }

      // claude-eu is no longer configured: its records keep what they were charged.
      const removed = await repriceUsage(store, {
        from: FEB,
        to: MARCH,
        filter: { provider: 'claude-eu' },
        pricer: recordPricer({ pricer: catalog, providers: providers.slice(0, 1) }),
        actor: 'master',
      });
      assert.ok(removed.skipped > 0);
      assert.equal(removed.changed, 0);
      assert.equal(removed.costAfterMicros, removed.costBeforeMicros);
      await rollupMatchesRecords(store);
    });
  });

  it('charges a target’s negotiated price when the route has one', async () => {
    await withTestStores(async (store) => {
      await new UsageRepository(store.db).insert(RECORDS);
      const price: PriceOverride = { input_per_million: '1', output_per_million: '1' };
      await repriceUsage(store, {
        from: FEB,
        to: MARCH,
        filter: { route: 'chat-cheap', provider: 'openai' },
        pricer: recordPricer({
          pricer: catalog,
          providers,
          routes: [
            {
              name: 'chat-cheap',
              targets: [{ provider: 'openai', model: 'gpt-4o', weight: 1, tags: [], price }],
            },
          ],
        }),
        actor: 'master',
      });
      const records = await new UsageRepository(store.db).list({ from: FEB, to: MARCH, limit: 10_000 });
      const negotiated = records.filter((r) => r.route === 'chat-cheap' && r.model === 'gpt-4o');
      assert.ok(negotiated.length > 0);
      for (const record of negotiated) {
        assert.equal(record.cost_micros, record.input_tokens + record.output_tokens);
        assert.equal(record.price_version, 'config/gpt-4o@override');
      }
      await rollupMatchesRecords(store);
    });
  });

  it('a dry run reports what would change and changes nothing', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      await repository.insert(RECORDS);
      const rollupBefore = await store.db.selectFrom('usage_rollup_hourly').selectAll().execute();
      const result = await repriceUsage(store, {
        from: FEB,
        to: MARCH,
        pricer: recordPricer({ pricer: catalog, providers }),
        actor: 'master',
        dryRun: true,
      });
      assert.ok(result.changed > 0);
      assert.equal(result.actionId, null);
      for (const record of RECORDS) assert.deepEqual(await repository.get(record.request_id), record);
      assert.deepEqual(await store.db.selectFrom('usage_rollup_hourly').selectAll().execute(), rollupBefore);
      assert.deepEqual(await new AdminActionLog(store.db).list(), []);
    });
  });

  it('two re-pricings of the same period at once leave records and rollup consistent', async () => {
    await withTestStores(async (store, label) => {
      // Row locks are what is under test. Two SQLite connections in one process cannot take turns: the
      // synchronous driver's busy wait blocks the event loop the lock holder needs to finish.
      if (label !== 'postgres' || !store.url) return;
      const many = fixtureRecords('req_a').concat(fixtureRecords('req_b'), fixtureRecords('req_c'));
      await new UsageRepository(store.db).insert(many);
      const other = await openDatabase(store.url);
      try {
        const options = {
          from: FEB,
          to: MARCH,
          pricer: recordPricer({ pricer: catalog, providers }),
          actor: 'master',
        };
        const planned = await repriceUsage(store, { ...options, dryRun: true });
        const [first, second] = await Promise.all([
          repriceUsage(store, options),
          repriceUsage(other, options),
        ]);
        // Whichever ran second found the work done: every record changed exactly once.
        assert.equal(first.changed + second.changed, planned.changed);
        await rollupMatchesRecords(store);
        assert.equal((await new AdminActionLog(store.db).list()).length, 2);
      } finally {
        await other.close();
      }
    });
  });

  it('refuses an empty or reversed period', async () => {
    await withTestStores(async (store) => {
      const options = { pricer: recordPricer({ pricer: catalog, providers }), actor: 'master' };
      await assert.rejects(repriceUsage(store, { ...options, from: MARCH, to: FEB }), { param: 'to' });
    });
  });
});
