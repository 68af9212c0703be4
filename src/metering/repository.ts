import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, UsageRecordsTable } from '../store/schema.ts';
import { toRow, type UsageRecord } from './record.ts';
import { rollupRows } from './rollup.ts';
import { addToRollups } from './rollup-store.ts';

/** Rows per INSERT statement: 41 columns each stays far below SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 100;

export interface UsageFilter {
  /** Started at or after (ms since the epoch). */
  from?: number;
  /** Started before (ms since the epoch). */
  to?: number;
  keyId?: string;
  team?: string;
  app?: string;
  model?: string;
  provider?: string;
  route?: string;
}

export interface UsageListOptions {
  from?: number;
  to?: number;
  /** Default 100, at most 10,000. */
  limit?: number;
}

/** Where the ledger writes batches. */
export interface UsageSink {
  /** Stores records whose request id is new; returns how many were new. Atomic: all or nothing. */
  insert(records: readonly UsageRecord[]): Promise<number>;
}

/** The usage_records table and its hourly rollup. */
export class UsageRepository implements UsageSink {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Inserts a batch in one transaction. A record whose request id is already stored is skipped, and
   * only records actually inserted are added to the rollup, so replaying a journal never counts twice.
   */
  async insert(records: readonly UsageRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      const inserted = new Set<string>();
      for (let start = 0; start < records.length; start += ROWS_PER_STATEMENT) {
        const chunk = records.slice(start, start + ROWS_PER_STATEMENT);
        const rows = await trx
          .insertInto('usage_records')
          .values(chunk.map(toRow))
          .onConflict((conflict) => conflict.column('request_id').doNothing())
          .returning('request_id')
          .execute();
        for (const row of rows) inserted.add(row.request_id);
      }
      const fresh = records.filter((record) => inserted.has(record.request_id));
      await addToRollups(trx, rollupRows(fresh));
      return inserted.size;
    });
  }

  async get(requestId: string): Promise<UsageRecord | undefined> {
    const row = await this.db
      .selectFrom('usage_records')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async count(filter: UsageFilter = {}): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Records in a time range, oldest first. */
  async list(options: UsageListOptions = {}): Promise<UsageRecord[]> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 100)), 10_000);
    const rows = await this.filtered({
      ...(options.from === undefined ? {} : { from: options.from }),
      ...(options.to === undefined ? {} : { to: options.to }),
    })
      .selectAll()
      .orderBy('started_at')
      .orderBy('request_id')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  private filtered(filter: UsageFilter) {
    let query = this.db.selectFrom('usage_records');
    if (filter.from !== undefined) query = query.where('started_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('started_at', '<', filter.to);
    if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
    if (filter.team !== undefined) query = query.where('team', '=', filter.team);
    if (filter.app !== undefined) query = query.where('app', '=', filter.app);
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.provider !== undefined) query = query.where('provider', '=', filter.provider);
    if (filter.route !== undefined) query = query.where('route', '=', filter.route);
    return query;
  }
}

function fromRow(row: Selectable<UsageRecordsTable>): UsageRecord {
  return {
    ...row,
    tags: JSON.parse(row.tags) as string[],
    attempts: JSON.parse(row.attempts) as UsageRecord['attempts'],
    cost_known: row.cost_known === 1,
    zero_cost_anomaly: row.zero_cost_anomaly === 1,
    usage_estimated: row.usage_estimated === 1,
    streamed: row.streamed === 1,
    client_disconnected: row.client_disconnected === 1,
  };
}
