import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Journal, readJournalRange, segmentFile } from './journal.ts';
import { PendingRecords } from './pending.ts';

/** Appends lines through a real journal and records each one's range, as the ledger does. */
function journalInto(journal: Journal, pending: PendingRecords, lines: string[]): void {
  for (const line of lines) {
    const from = journal.currentBytes;
    const segment = journal.append(line);
    pending.addJournaled(segment, from, journal.currentBytes);
  }
}

/** Runs `body` with a fresh directory, removed afterwards. */
function inTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pending-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('pending records', () => {
  it('keeps consecutive journal lines as one range, which reads back as those lines', () => {
    inTempDir((dir) => {
      const journal = new Journal(dir);
      const pending = new PendingRecords(500);
      journalInto(journal, pending, ['{"a":1}', '{"b":"é"}', '{"c":3}']);
      assert.equal(pending.size, 3);
      assert.equal(pending.runCount, 1);
      const batch = pending.oldest();
      assert.ok(batch && batch.segment !== undefined);
      const lines = readJournalRange({
        file: segmentFile(dir, batch.segment),
        from: batch.from,
        to: batch.to,
      });
      assert.deepEqual(lines, ['{"a":1}', '{"b":"é"}', '{"c":3}']);
      journal.close();
    });
  });

  it('starts a new run at the batch size, at a new segment and around a line kept in memory', () => {
    inTempDir((dir) => {
      const journal = new Journal(dir);
      const pending = new PendingRecords(2);
      journalInto(journal, pending, ['1', '2', '3']);
      assert.equal(pending.runCount, 2, 'two records a run');
      pending.addInMemory('4');
      journalInto(journal, pending, ['5']);
      journal.rotate();
      journalInto(journal, pending, ['6']);
      assert.equal(pending.runCount, 5);
      assert.equal(pending.size, 6);
      assert.equal(pending.inMemory, 1);
      const read: string[] = [];
      for (let batch = pending.oldest(); batch; batch = pending.oldest()) {
        if (batch.segment === undefined) read.push(...batch.lines);
        else
          read.push(
            ...readJournalRange({ file: segmentFile(dir, batch.segment), from: batch.from, to: batch.to }),
          );
        pending.removeOldest(batch);
      }
      assert.deepEqual(read, ['1', '2', '3', '4', '5', '6'], 'every record once, in order');
      assert.equal(pending.size, 0);
      journal.close();
    });
  });

  it('keeps what was appended to a run while that run was being stored', () => {
    const pending = new PendingRecords(500);
    pending.addJournaled(1, 0, 10);
    pending.addJournaled(1, 10, 20);
    const batch = pending.oldest();
    // A request finishes while the batch is in the database's hands.
    pending.addJournaled(1, 20, 30);
    pending.removeOldest(batch!);
    assert.equal(pending.size, 1);
    assert.deepEqual(pending.oldest(), { segment: 1, from: 20, to: 30, count: 1 });

    pending.addInMemory('a');
    pending.removeOldest(pending.oldest()!);
    const lines = pending.oldest();
    pending.addInMemory('b');
    pending.removeOldest(lines!);
    assert.deepEqual(pending.oldest(), { segment: undefined, lines: ['b'], count: 1 });
  });

  it('lets go of journaled runs and keeps the lines that are only in memory', () => {
    const pending = new PendingRecords(500);
    pending.addJournaled(3, 0, 10);
    pending.addInMemory('kept');
    pending.addJournaled(2, 0, 10);
    pending.addJournaled(3, 10, 20);
    assert.ok(pending.holds(2) && pending.holds(3));
    assert.deepEqual(pending.releaseJournaled(), [2, 3]);
    assert.equal(pending.holds(3), false);
    assert.equal(pending.size, 1);
    assert.deepEqual(pending.oldest(), { segment: undefined, lines: ['kept'], count: 1 });
  });

  it('fails to read a range the file no longer holds', () => {
    inTempDir((dir) => {
      const file = join(dir, 'journal-1.jsonl');
      writeFileSync(file, '{"a":1}\n');
      assert.throws(() => readJournalRange({ file, from: 0, to: 100 }), /ends before byte 100/);
    });
  });
});
