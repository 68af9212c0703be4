// Two replicas flushing usage into one database at the same time: every record stored once, the rollups
// add up, and neither flush fails (on PostgreSQL, rollup row locks taken in different orders would
// deadlock and abort one of them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../store/db.ts';
import { withTestStores } from '../store/testing.ts';
import type { UsageRecord } from './record.ts';
import { UsageRepository } from './repository.ts';
import { sampleRecord } from './testing.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 15);

/** A small deterministic generator, so a failure replays the same batches. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * Records over a small space of hours and teams on two days. Replicas lock their own hourly rollup
 * rows and then, through the daily rollup's triggers, shared daily rows in an order their own rows
 * decide: the case where two transactions can wait for each other.
 */
function batch(random: () => number, replica: number): UsageRecord[] {
  return Array.from({ length: 60 }, () =>
    sampleRecord({
      started_at: T0 + Math.floor(random() * 2) * DAY + Math.floor(random() * 24) * HOUR,
      team: `team-${Math.floor(random() * 3)}`,
      // Each replica serves its own users: its hourly rows are its own, the daily rows are shared.
      user_id: `user-${replica}-${Math.floor(random() * 3)}`,
      cost_micros: 10,
    }),
  );
}

describe('concurrent usage writers', () => {
  it('store every record once and keep the rollups exact when two replicas flush together', async () => {
    await withTestStores(async (store, label) => {
      // Replicas share a database only on PostgreSQL (SQLite is one node's file).
      if (label !== 'postgres' || !store.url) return;
      const second = await openDatabase(store.url);
      try {
        const replicas = [new UsageRepository(store.db), new UsageRepository(second.db)];
        const random = seeded(42);
        const rounds = 30;
        for (let round = 0; round < rounds; round++) {
          const inserted = await Promise.all(
            replicas.map((replica, index) => replica.insert(batch(random, index))),
          );
          assert.deepEqual(inserted, [60, 60]);
        }
        const expected = 2 * rounds * 60;
        assert.equal(await replicas[0]?.count(), expected);
        const sums = await sql<{ hourly: number; daily: number }>`
          select (select sum(request_count) from usage_rollup_hourly) as hourly,
                 (select sum(request_count) from usage_rollup_daily) as daily`.execute(store.db);
        assert.deepEqual([Number(sums.rows[0]?.hourly), Number(sums.rows[0]?.daily)], [expected, expected]);
      } finally {
        await second.close();
      }
    });
  });
});
