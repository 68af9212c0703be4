import { type CreateTableBuilder, type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/** The hourly rollup's dimensions without `user_id`, the one whose many values keep hourly rows many. */
const DAILY_DIMENSIONS = [
  'key_id',
  'app',
  'team',
  'cost_center',
  'business_unit',
  'route',
  'provider',
  'model',
  'region',
] as const;

const SUMS = [
  'request_count',
  'error_count',
  'unknown_cost_count',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micros',
] as const;

const DAY_MS = 86_400_000;

/**
 * Daily sums of the hourly rollup, per dimension except the end user: a month of reports reads a few
 * thousand rows instead of one per user, route and target each hour. Triggers on usage_rollup_hourly
 * keep it in step in the same transaction as every change there (the ledger's inserts, re-pricing), so
 * no application code has to remember it, and the two tables cannot disagree.
 */
export const usageRollupDaily: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    let table: CreateTableBuilder<'usage_rollup_daily', string> = db.schema
      .createTable('usage_rollup_daily')
      .addColumn('day', 'bigint', (col) => col.notNull());
    for (const dimension of DAILY_DIMENSIONS) {
      table = table.addColumn(dimension, 'text', (col) => col.notNull().defaultTo(''));
    }
    for (const sum of SUMS) table = table.addColumn(sum, 'bigint', (col) => col.notNull().defaultTo(0));
    await table.addUniqueConstraint('usage_rollup_daily_unique', ['day', ...DAILY_DIMENSIONS]).execute();

    await sql
      .raw(
        `insert into usage_rollup_daily (day, ${DAILY_DIMENSIONS.join(', ')}, ${SUMS.join(', ')})
         select ${dayOf('hour')}, ${DAILY_DIMENSIONS.join(', ')}, ${SUMS.map((sum) => `sum(${sum})`).join(', ')}
         from usage_rollup_hourly
         group by ${dayOf('hour')}, ${DAILY_DIMENSIONS.join(', ')}`,
      )
      .execute(db);

    if (db.getExecutor().adapter instanceof PostgresAdapter) await createPostgresTriggers(db);
    else await createSqliteTriggers(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`drop trigger if exists usage_rollup_daily_sync on usage_rollup_hourly`.execute(db);
      await sql`drop function if exists usage_rollup_daily_apply()`.execute(db);
    } else {
      for (const event of ['insert', 'update', 'delete']) {
        await sql.raw(`drop trigger if exists usage_rollup_daily_${event}`).execute(db);
      }
    }
    await db.schema.dropTable('usage_rollup_daily').execute();
  },
};

function dayOf(column: string): string {
  return `(${column} / ${DAY_MS}) * ${DAY_MS}`;
}

/** Adds (sign +) or takes away (sign -) one hourly row (`NEW` or `OLD`) to or from its day's row. */
function upsert(row: 'NEW' | 'OLD', sign: '+' | '-'): string {
  const values = SUMS.map((sum) => (sign === '+' ? `${row}.${sum}` : `-${row}.${sum}`));
  return `insert into usage_rollup_daily (day, ${DAILY_DIMENSIONS.join(', ')}, ${SUMS.join(', ')})
    values (${dayOf(`${row}.hour`)}, ${DAILY_DIMENSIONS.map((d) => `${row}.${d}`).join(', ')}, ${values.join(', ')})
    on conflict (day, ${DAILY_DIMENSIONS.join(', ')}) do update set
    ${SUMS.map((sum) => `${sum} = usage_rollup_daily.${sum} + excluded.${sum}`).join(', ')}`;
}

async function createSqliteTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create trigger usage_rollup_daily_insert after insert on usage_rollup_hourly begin ${upsert('NEW', '+')}; end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger usage_rollup_daily_update after update on usage_rollup_hourly begin ${upsert('OLD', '-')}; ${upsert('NEW', '+')}; end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger usage_rollup_daily_delete after delete on usage_rollup_hourly begin ${upsert('OLD', '-')}; end`,
    )
    .execute(db);
}

async function createPostgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create function usage_rollup_daily_apply() returns trigger language plpgsql as $$
       begin
         if tg_op = 'UPDATE' or tg_op = 'DELETE' then ${upsert('OLD', '-')}; end if;
         if tg_op = 'UPDATE' or tg_op = 'INSERT' then ${upsert('NEW', '+')}; end if;
         return null;
       end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger usage_rollup_daily_sync after insert or update or delete on usage_rollup_hourly
       for each row execute function usage_rollup_daily_apply()`,
    )
    .execute(db);
}
