import type { Kysely } from 'kysely';
import type { DatabaseSchema, UsageRollupHourlyTable } from '../store/schema.ts';
import { DAILY_DIMENSIONS, dailyKeys, ROLLUP_DIMENSIONS, ROLLUP_SUMS, rollupOrder } from './rollup.ts';

/** Rows per statement: far below SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 100;

const ZERO_SUMS = Object.fromEntries(ROLLUP_SUMS.map((sum) => [sum, 0])) as Record<
  (typeof ROLLUP_SUMS)[number],
  number
>;

/**
 * Adds sums to the hourly rollup (the daily rollup follows through its triggers). Every writer of the
 * rollups (the ledger, re-pricing) goes through here, inside its transaction, so all of them take row
 * locks in one order: first the daily rows, inserting missing ones with zero sums, in a fixed order;
 * then the hourly rows, in a fixed order. Writers that each lock in the same order cannot deadlock,
 * as replicas flushing at once did when the triggers locked daily rows in whatever order a batch's
 * hourly rows came in.
 */
export async function addToRollups(
  db: Kysely<DatabaseSchema>,
  rows: readonly UsageRollupHourlyTable[],
): Promise<void> {
  const days = dailyKeys(rows);
  for (let start = 0; start < days.length; start += ROWS_PER_STATEMENT) {
    await db
      .insertInto('usage_rollup_daily')
      .values(days.slice(start, start + ROWS_PER_STATEMENT).map((key) => ({ ...key, ...ZERO_SUMS })))
      .onConflict((conflict) =>
        conflict
          .columns(['day', ...DAILY_DIMENSIONS])
          .doUpdateSet((eb) => ({ request_count: eb.ref('usage_rollup_daily.request_count') })),
      )
      .execute();
  }
  const hourly = rollupOrder(rows);
  for (let start = 0; start < hourly.length; start += ROWS_PER_STATEMENT) {
    await db
      .insertInto('usage_rollup_hourly')
      .values(hourly.slice(start, start + ROWS_PER_STATEMENT))
      .onConflict((conflict) =>
        conflict.columns(['hour', ...ROLLUP_DIMENSIONS]).doUpdateSet((eb) => {
          const update: Record<string, unknown> = {};
          for (const sum of ROLLUP_SUMS) {
            update[sum] = eb(eb.ref(`usage_rollup_hourly.${sum}`), '+', eb.ref(`excluded.${sum}`));
          }
          return update as never;
        }),
      )
      .execute();
  }
}
