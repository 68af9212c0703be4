import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase, type Store } from '../store/db.ts';
import { migrateToLatest } from '../store/migrations/index.ts';
import { openSqliteConnection } from '../store/sqlite.ts';
import type { UsageRecord } from './record.ts';
import { UsageRepository } from './repository.ts';
import { SqliteUsageWriter } from './sqlite-writer.ts';
import { sampleRecord } from './testing.ts';

const T0 = Date.UTC(2025, 0, 15, 10, 0);

async function dump(store: Store) {
  return {
    records: await store.db.selectFrom('usage_records').selectAll().orderBy('request_id').execute(),
    hourly: await store.db
      .selectFrom('usage_rollup_hourly')
      .selectAll()
      .orderBy('hour')
      .orderBy('team')
      .execute(),
    daily: await store.db
      .selectFrom('usage_rollup_daily')
      .selectAll()
      .orderBy('day')
      .orderBy('team')
      .execute(),
  };
}

describe('SQLite usage writer', () => {
  it('writes exactly the rows and rollups the repository writes, and skips stored request ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-sqlite-writer-'));
    try {
      const batches: UsageRecord[][] = [
        [
          sampleRecord({ started_at: T0 + 1000, team: 'search', cost_micros: 120, tags: ['env=prod'] }),
          sampleRecord({ started_at: T0 + 2000, team: 'search', status: 502, error_kind: 'upstream_error' }),
          sampleRecord({ started_at: T0 + 3_600_000, team: 'ads', cost_known: false, ttft_ms: null }),
        ],
        [sampleRecord({ started_at: T0 + 5000, team: 'search', streamed: true, client_disconnected: true })],
      ];
      const viaRepository = await openDatabase(`sqlite:${join(dir, 'a.db')}`);
      const viaWriter = await openDatabase(`sqlite:${join(dir, 'b.db')}`);
      await migrateToLatest(viaRepository);
      await migrateToLatest(viaWriter);
      const repository = new UsageRepository(viaRepository.db);
      const writer = new SqliteUsageWriter(openSqliteConnection(join(dir, 'b.db')));
      for (const batch of batches) {
        assert.equal(await writer.insert(batch), await repository.insert(batch));
      }
      // The first batch again: nothing new, and the sums do not move.
      assert.equal(await writer.insert(batches[0] ?? []), 0);
      const expected = await dump(viaRepository);
      assert.equal(expected.records.length, 4);
      assert.deepEqual(await dump(viaWriter), expected);
      writer.close();
      await viaRepository.close();
      await viaWriter.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
