import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTestStores } from '../store/testing.ts';
import { UsageRepository } from './repository.ts';
import { sampleRecord } from './testing.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 15, 10, 0);

describe('usage repository', () => {
  it('stores a record and reads back exactly what was written', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const record = sampleRecord({
        tags: ['env=prod', 'feature=autocomplete'],
        cost_known: false,
        usage_estimated: true,
        streamed: true,
        client_disconnected: true,
        ttft_ms: null,
        error_kind: 'upstream_error',
        status: 502,
      });
      assert.equal(await repository.insert([record]), 1);
      assert.deepEqual(await repository.get(record.request_id), record);
      assert.equal(await repository.get('req_missing'), undefined);
    });
  });

  it('skips request ids already stored, and only new records reach the hourly rollup', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const first = sampleRecord({ started_at: T0 + 60_000, cost_micros: 100, input_tokens: 10 });
      const second = sampleRecord({
        started_at: T0 + 120_000,
        cost_micros: 250,
        input_tokens: 20,
        status: 429,
      });
      assert.equal(await repository.insert([first, second]), 2);
      const third = sampleRecord({
        started_at: T0 + 180_000,
        cost_micros: 1,
        input_tokens: 1,
        cost_known: false,
      });
      // A replay: two records already stored, one new.
      assert.equal(await repository.insert([first, second, third]), 1);
      assert.equal(await repository.count(), 3);

      const rows = await store.db.selectFrom('usage_rollup_hourly').selectAll().execute();
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.equal(row.hour, T0);
      assert.equal(row.team, 'discovery');
      assert.equal(row.request_count, 3);
      assert.equal(row.error_count, 1);
      assert.equal(row.unknown_cost_count, 1);
      assert.equal(row.input_tokens, 31);
      assert.equal(row.cost_micros, 351);
    });
  });

  it('keeps one rollup row per hour and dimensions; missing dimensions group together', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      await repository.insert([
        sampleRecord({ started_at: T0, team: 'a', cost_micros: 1 }),
        sampleRecord({ started_at: T0 + 10, team: 'b', cost_micros: 2 }),
        sampleRecord({ started_at: T0 + HOUR, team: 'a', cost_micros: 4 }),
        sampleRecord({ started_at: T0 + 20, team: null, cost_micros: 8 }),
      ]);
      await repository.insert([sampleRecord({ started_at: T0 + 30, team: null, cost_micros: 16 })]);
      const rows = await store.db
        .selectFrom('usage_rollup_hourly')
        .select(['hour', 'team', 'request_count', 'cost_micros'])
        .orderBy('hour')
        .orderBy('team')
        .execute();
      assert.deepEqual(rows, [
        { hour: T0, team: '', request_count: 2, cost_micros: 24 },
        { hour: T0, team: 'a', request_count: 1, cost_micros: 1 },
        { hour: T0, team: 'b', request_count: 1, cost_micros: 2 },
        { hour: T0 + HOUR, team: 'a', request_count: 1, cost_micros: 4 },
      ]);
    });
  });

  it('counts by filter and lists a time range oldest first', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const records = [0, 1, 2, 3, 4].map((i) =>
        sampleRecord({ started_at: T0 + i * 1000, team: i % 2 === 0 ? 'even' : 'odd', model: `m${i % 3}` }),
      );
      await repository.insert([...records].reverse());
      assert.equal(await repository.count({ team: 'even' }), 3);
      assert.equal(await repository.count({ model: 'm0', team: 'odd' }), 1);
      assert.equal(await repository.count({ from: T0 + 1000, to: T0 + 3000 }), 2);
      const listed = await repository.list({ from: T0 + 1000, limit: 3 });
      assert.deepEqual(
        listed.map((record) => record.request_id),
        records.slice(1, 4).map((record) => record.request_id),
      );
    });
  });

  it('stores a batch larger than one statement in one transaction', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const batch = Array.from({ length: 450 }, (_, i) => sampleRecord({ started_at: T0 + i }));
      assert.equal(await repository.insert(batch), 450);
      const duplicateInside = [sampleRecord(), sampleRecord()];
      duplicateInside[1] = { ...duplicateInside[1]!, request_id: batch[0]!.request_id };
      assert.equal(await repository.insert(duplicateInside), 1);
      assert.equal(await repository.count(), 451);
    });
  });
});
