import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { withTestStores } from '../store/testing.ts';
import { Journal, segmentFile } from './journal.ts';
import type { UsageRecord } from './record.ts';
import { UsageRepository } from './repository.ts';
import { sampleRecord } from './testing.ts';
import { WorkerUsageSink } from './worker-sink.ts';

const T0 = Date.UTC(2025, 0, 15, 10, 0);
const lines = (records: UsageRecord[]) => records.map((record) => JSON.stringify(record));

describe('usage writer thread', () => {
  it('stores journal lines with their hourly and daily rollups, once per request id', async () => {
    await withTestStores(async (store) => {
      if (!store.url) return; // an in-memory database cannot be opened from another thread
      const sink = new WorkerUsageSink({ storageUrl: store.url, cwd: process.cwd() });
      try {
        const first = sampleRecord({
          started_at: T0 + 60_000,
          cost_micros: 100,
          input_tokens: 10,
          team: 'a',
        });
        const second = sampleRecord({ started_at: T0 + 120_000, cost_micros: 250, status: 429, team: 'a' });
        assert.equal(await sink.insertLines(lines([first, second])), 2);
        // A replayed journal changes nothing: neither the rows nor the sums.
        assert.equal(await sink.insertLines(lines([first, second])), 0);
        const repository = new UsageRepository(store.db);
        assert.deepEqual(await repository.get(first.request_id), first);
        assert.deepEqual(await repository.get(second.request_id), second);
        const hourly = await store.db.selectFrom('usage_rollup_hourly').selectAll().execute();
        assert.equal(hourly.length, 1);
        assert.equal(hourly[0]?.request_count, 2);
        assert.equal(hourly[0]?.error_count, 1);
        assert.equal(hourly[0]?.cost_micros, 350);
        const daily = await sql<{
          total: number;
        }>`select sum(cost_micros) as total from usage_rollup_daily`.execute(store.db);
        assert.equal(Number(daily.rows[0]?.total), 350);
      } finally {
        await sink.close();
      }
    });
  });

  it('reads a journal range itself and stores exactly the lines in it', async () => {
    await withTestStores(async (store) => {
      if (!store.url) return;
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-writer-'));
      const sink = new WorkerUsageSink({ storageUrl: store.url, cwd: process.cwd() });
      try {
        const journal = new Journal(dir);
        const records = [sampleRecord(), sampleRecord(), sampleRecord()];
        const ends = records.map((record) => {
          journal.append(JSON.stringify(record));
          return journal.currentBytes;
        });
        journal.close();
        const file = segmentFile(dir, journal.current);
        // The second and third lines only: the range starts where the first line ends.
        assert.equal(await sink.insertJournalRange({ file, from: ends[0]!, to: ends[2]! }), 2);
        const repository = new UsageRepository(store.db);
        assert.equal(await repository.get(records[0]!.request_id), undefined);
        assert.deepEqual(await repository.get(records[2]!.request_id), records[2]);
        assert.equal(await repository.count(), 2);
        await assert.rejects(
          sink.insertJournalRange({ file, from: 0, to: ends[2]! + 50 }),
          /ends before byte/,
        );
      } finally {
        await sink.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('fails a batch it cannot store, keeps nothing of it, and stores the next one', async () => {
    await withTestStores(async (store) => {
      if (!store.url) return;
      const sink = new WorkerUsageSink({ storageUrl: store.url, cwd: process.cwd() });
      try {
        const good = sampleRecord();
        await assert.rejects(
          sink.insertLines([JSON.stringify(good), '{"not":"a record"}']),
          /not a usage record/,
        );
        const repository = new UsageRepository(store.db);
        assert.equal(await repository.get(good.request_id), undefined);
        assert.equal(await sink.insertLines([JSON.stringify(good)]), 1);
        assert.equal(await repository.count(), 1);
      } finally {
        await sink.close();
      }
    });
  });

  it('reports an unreachable database as a failed batch, without ending the thread', async () => {
    // A directory that cannot exist: its parent is a regular file.
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-writer-'));
    writeFileSync(join(dir, 'file'), '');
    const sink = new WorkerUsageSink({ storageUrl: `sqlite:${join(dir, 'file', 'usage.db')}`, cwd: dir });
    try {
      await assert.rejects(
        sink.insertLines([JSON.stringify(sampleRecord())]),
        /Cannot open the SQLite database/,
      );
      await assert.rejects(
        sink.insertLines([JSON.stringify(sampleRecord())]),
        /Cannot open the SQLite database/,
      );
    } finally {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
