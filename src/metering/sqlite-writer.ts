import type Database from 'better-sqlite3';
import { toRow, USAGE_COLUMNS, type UsageRecord } from './record.ts';
import type { UsageSink } from './repository.ts';
import { ROLLUP_DIMENSIONS, ROLLUP_SUMS, rollupRows } from './rollup.ts';

/**
 * Writes usage batches to SQLite with statements prepared once: the same rows and rollups as
 * `UsageRepository.insert`, at a fraction of the CPU (no query building, no re-preparing per batch).
 * Used by the usage writer thread, where it runs synchronously without blocking request handling.
 */
export class SqliteUsageWriter implements UsageSink {
  private readonly insertRecord: Database.Statement;
  private readonly upsertRollup: Database.Statement;
  private readonly insertBatch: (records: readonly UsageRecord[]) => number;

  constructor(private readonly database: Database.Database) {
    this.insertRecord = database.prepare(
      `insert into usage_records (${USAGE_COLUMNS.join(', ')}) values (${USAGE_COLUMNS.map((column) => `@${column}`).join(', ')}) on conflict (request_id) do nothing`,
    );
    const rollupColumns = ['hour', ...ROLLUP_DIMENSIONS, ...ROLLUP_SUMS];
    this.upsertRollup = database.prepare(
      `insert into usage_rollup_hourly (${rollupColumns.join(', ')}) values (${rollupColumns.map((column) => `@${column}`).join(', ')})
       on conflict (hour, ${ROLLUP_DIMENSIONS.join(', ')}) do update set
       ${ROLLUP_SUMS.map((sum) => `${sum} = usage_rollup_hourly.${sum} + excluded.${sum}`).join(', ')}`,
    );
    // BEGIN IMMEDIATE: take the write lock up front, as every writer of this database does.
    this.insertBatch = database
      .transaction((records: readonly UsageRecord[]) => {
        // Only records actually inserted go into the rollup, so a replayed journal never counts twice.
        const fresh = records.filter((record) => this.insertRecord.run(toRow(record)).changes === 1);
        for (const row of rollupRows(fresh)) this.upsertRollup.run(row);
        return fresh.length;
      })
      .immediate.bind(null);
  }

  async insert(records: readonly UsageRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return this.insertBatch(records);
  }

  close(): void {
    this.database.close();
  }
}
