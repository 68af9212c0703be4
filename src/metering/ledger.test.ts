import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from '../store/db.ts';
import { migrateToLatest } from '../store/migrations/index.ts';
import { testStoreTargets, withTestStores } from '../store/testing.ts';
import { readSegment, segmentFile } from './journal.ts';
import { UsageLedger } from './ledger.ts';
import type { UsageRecord } from './record.ts';
import { UsageRepository, type UsageSink } from './repository.ts';
import { sampleRecord } from './testing.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-ledger-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function journalLines(): UsageRecord[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => readSegment<UsageRecord>(dir, Number(/\d+/.exec(name)?.[0])).entries);
}

/** A sink that forwards to whichever database is currently up, like a connection pool across an outage. */
class SwitchableSink implements UsageSink {
  constructor(public target: UsageSink) {}
  insert(records: readonly UsageRecord[]): Promise<number> {
    return this.target.insert(records);
  }
}

describe('usage ledger', () => {
  it('journals each record before returning and stores it on flush', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const ledger = new UsageLedger({ dir, sink: repository });
      const record = sampleRecord();
      ledger.record(record);
      assert.deepEqual(journalLines(), [record], 'on disk as soon as record() returns');
      assert.equal(await repository.count(), 0, 'not in the database before a flush');
      await ledger.flush();
      assert.deepEqual(await repository.get(record.request_id), record);
      assert.equal(ledger.stats().stored, 1);
      await ledger.close();
      assert.deepEqual(readdirSync(dir), [], 'a clean shutdown leaves no segment behind');
    });
  });

  it('replays what a crashed process journaled: every record lands exactly once', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const crashed = new UsageLedger({ dir, sink: repository });
      const records = [sampleRecord(), sampleRecord(), sampleRecord()];
      for (const record of records) crashed.record(record);
      // The process dies here: no flush, no close.

      const restarted = new UsageLedger({ dir, sink: repository });
      await restarted.start();
      assert.equal(await repository.count(), 3);
      for (const record of records) assert.deepEqual(await repository.get(record.request_id), record);
      assert.deepEqual(readdirSync(dir), [], 'replayed segments are deleted');
      await restarted.close();
    });
  });

  it('replaying records that were already stored changes nothing, rollup included', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const first = new UsageLedger({ dir, sink: repository });
      const stored = [sampleRecord({ cost_micros: 10 }), sampleRecord({ cost_micros: 20 })];
      for (const record of stored) first.record(record);
      await first.flush();
      // A crash after the commit but before the segment was deleted: the same lines are replayed, plus
      // one record that never reached the database.
      const fresh = sampleRecord({ cost_micros: 5 });
      writeFileSync(
        segmentFile(dir, 100),
        [...stored, fresh].map((r) => JSON.stringify(r)).join('\n') + '\n',
      );

      const restarted = new UsageLedger({ dir, sink: repository });
      await restarted.start();
      assert.equal(await repository.count(), 3);
      const rollup = await store.db
        .selectFrom('usage_rollup_hourly')
        .select((eb) => [
          eb.fn.sum<number>('request_count').as('requests'),
          eb.fn.sum<number>('cost_micros').as('cost'),
        ])
        .executeTakeFirstOrThrow();
      assert.deepEqual([Number(rollup.requests), Number(rollup.cost)], [3, 35]);
      await restarted.close();
    });
  });

  it('skips a torn or foreign line in a segment and keeps the records around it', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const before = sampleRecord();
      const after = sampleRecord();
      writeFileSync(
        segmentFile(dir, 1),
        `${JSON.stringify(before)}\n{"not":"a record"}\n${JSON.stringify(after)}\n{"request_id":"req_torn","sta`,
      );
      const ledger = new UsageLedger({ dir, sink: repository });
      await ledger.start();
      assert.equal(await repository.count(), 2);
      assert.equal(ledger.stats().corruptLines, 2);
      await ledger.close();
    });
  });

  it('keeps records through a database outage and stores them once it is back', async () => {
    // Real outages: SQLite locked by another process, PostgreSQL's connections gone. An in-memory
    // database has neither (and no durability to test).
    for (const target of testStoreTargets().filter((t) => t.label !== 'sqlite-memory')) {
      const store = await target.open();
      const ledgerStore = await openDatabase(store.url!);
      const blocker = store.kind === 'sqlite' ? new Database(store.location) : undefined;
      try {
        const sink = new SwitchableSink(new UsageRepository(ledgerStore.db));
        const ledger = new UsageLedger({ dir, sink });
        if (blocker) {
          await sql`pragma busy_timeout = 20`.execute(ledgerStore.db);
          blocker.exec('begin exclusive');
        } else {
          await ledgerStore.close();
        }
        const records = [sampleRecord(), sampleRecord(), sampleRecord()];
        for (const record of records) ledger.record(record);
        await assert.rejects(ledger.flush(), target.label);
        assert.equal(ledger.stats().flushFailures, 1);
        assert.equal(ledger.stats().queued, 3);
        assert.equal(journalLines().length, 3, 'still journaled');

        if (blocker) blocker.exec('rollback');
        else sink.target = new UsageRepository(store.db); // the pool comes back
        await ledger.flush();
        assert.equal(await new UsageRepository(store.db).count(), 3, target.label);
        assert.equal(ledger.stats().queued, 0);
        await ledger.close();
        assert.deepEqual(readdirSync(dir), []);
      } finally {
        blocker?.close();
        await ledgerStore.close();
        await store.close();
      }
    }
  });

  it('lets go of records in memory during a long outage and reads them back from the journal', async () => {
    const store = await openDatabase('sqlite::memory:');
    await migrateToLatest(store);
    try {
      const down: UsageSink = { insert: () => Promise.reject(new Error('connection refused')) };
      const sink = new SwitchableSink(down);
      const ledger = new UsageLedger({ dir, sink, maxQueued: 3 });
      const records = Array.from({ length: 5 }, () => sampleRecord());
      for (const record of records) ledger.record(record);
      assert.ok(ledger.stats().queued <= 3, 'never more than maxQueued in memory');
      assert.ok(ledger.stats().backlogSegments >= 1);
      await assert.rejects(ledger.flush());

      sink.target = new UsageRepository(store.db);
      const more = sampleRecord();
      ledger.record(more);
      await ledger.flush();
      const repository = new UsageRepository(store.db);
      assert.equal(await repository.count(), 6);
      assert.deepEqual(ledger.stats().backlogSegments, 0);
      await ledger.close();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      await store.close();
    }
  });

  it('rotates a full segment after a flush and deletes it once every record is stored', async () => {
    const store = await openDatabase('sqlite::memory:');
    await migrateToLatest(store);
    try {
      const down: UsageSink = { insert: () => Promise.reject(new Error('down')) };
      const sink = new SwitchableSink(down);
      const ledger = new UsageLedger({ dir, sink, segmentBytes: 1 });
      ledger.record(sampleRecord());
      await assert.rejects(ledger.flush());
      // Rotated (the segment is over its size) but kept: its record is not stored yet.
      ledger.record(sampleRecord());
      assert.deepEqual(readdirSync(dir).sort(), ['journal-1.jsonl', 'journal-2.jsonl']);

      sink.target = new UsageRepository(store.db);
      await ledger.flush();
      assert.deepEqual(readdirSync(dir), [], 'both segments stored, closed and deleted');
      ledger.record(sampleRecord());
      assert.deepEqual(readdirSync(dir), ['journal-3.jsonl']);
      await ledger.close();
      assert.equal(await new UsageRepository(store.db).count(), 3);
    } finally {
      await store.close();
    }
  });

  it('flushes on its own, every interval', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      const ledger = new UsageLedger({ dir, sink: repository, flushIntervalMs: 10 });
      await ledger.start();
      const record = sampleRecord();
      ledger.record(record);
      const deadline = Date.now() + 5000;
      while ((await repository.count()) === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(await repository.get(record.request_id), record);
      await ledger.close();
    });
  });

  it('stores records that arrive while a flush is writing, each exactly once', async () => {
    const store = await openDatabase('sqlite::memory:');
    await migrateToLatest(store);
    try {
      const repository = new UsageRepository(store.db);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const stored: string[] = [];
      let writing: () => void = () => {};
      const started = new Promise<void>((resolve) => {
        writing = resolve;
      });
      const slow: UsageSink = {
        insert: async (records) => {
          writing();
          await gate;
          stored.push(...records.map((record) => record.request_id));
          return repository.insert(records);
        },
      };
      const ledger = new UsageLedger({ dir, sink: slow });
      const early = [sampleRecord(), sampleRecord(), sampleRecord()];
      for (const record of early) ledger.record(record);
      const flushing = ledger.flush();
      await started;
      // These extend the very run the flush is writing, while the database is busy with it.
      const late = [sampleRecord(), sampleRecord()];
      for (const record of late) ledger.record(record);
      release();
      await flushing;
      await ledger.flush();
      const all = [...early, ...late].map((record) => record.request_id);
      assert.deepEqual(stored, all, 'in order, none twice');
      assert.equal(await repository.count(), 5);
      assert.equal(ledger.stats().queued, 0);
      await ledger.close();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      await store.close();
    }
  });

  it('counts zero-cost anomalies and unknown costs', async () => {
    const ledger = new UsageLedger({ dir, sink: { insert: async (records) => records.length } });
    ledger.record(sampleRecord({ cost_micros: 0, zero_cost_anomaly: true }));
    ledger.record(sampleRecord({ cost_micros: 0, cost_known: false }));
    ledger.record(sampleRecord());
    assert.equal(ledger.stats().zeroCostAnomalies, 1);
    assert.equal(ledger.stats().unknownCost, 1);
    await ledger.close();
  });
});
