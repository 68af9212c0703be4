import type { UsageRollupHourlyTable } from '../store/schema.ts';
import type { UsageRecord } from './record.ts';

const HOUR_MS = 3_600_000;

export const ROLLUP_DIMENSIONS = [
  'key_id',
  'app',
  'team',
  'cost_center',
  'business_unit',
  'user_id',
  'route',
  'provider',
  'model',
  'region',
] as const;

export const ROLLUP_SUMS = [
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

export function hourOf(time: number): number {
  return Math.floor(time / HOUR_MS) * HOUR_MS;
}

/**
 * Sums records into one row per hour (of their start) and dimension values; '' stands for none. Rows
 * come sorted by hour and dimensions (see `rollupOrder`).
 */
export function rollupRows(records: readonly UsageRecord[]): UsageRollupHourlyTable[] {
  const rows = new Map<string, UsageRollupHourlyTable>();
  for (const record of records) {
    const row: UsageRollupHourlyTable = {
      hour: hourOf(record.started_at),
      key_id: record.key_id ?? '',
      app: record.app ?? '',
      team: record.team ?? '',
      cost_center: record.cost_center ?? '',
      business_unit: record.business_unit ?? '',
      user_id: record.user_id ?? '',
      route: record.route ?? '',
      provider: record.provider ?? '',
      model: record.model ?? '',
      region: record.region ?? '',
      request_count: 1,
      error_count: record.status >= 400 ? 1 : 0,
      unknown_cost_count: record.cost_known ? 0 : 1,
      input_tokens: record.input_tokens,
      output_tokens: record.output_tokens,
      cache_read_tokens: record.cache_read_tokens,
      cache_write_tokens: record.cache_write_tokens,
      reasoning_tokens: record.reasoning_tokens,
      cost_micros: record.cost_micros,
    };
    const key = hourlyKey(row);
    const existing = rows.get(key);
    if (!existing) rows.set(key, row);
    else for (const sum of ROLLUP_SUMS) existing[sum] += row[sum];
  }
  return sortedByKey([...rows.entries()]);
}

/** Hourly rows in the one order every writer locks them in (by hour, then the dimensions). */
export function rollupOrder(rows: readonly UsageRollupHourlyTable[]): UsageRollupHourlyTable[] {
  return sortedByKey(rows.map((row) => [hourlyKey(row), row]));
}

function hourlyKey(row: UsageRollupHourlyTable): string {
  return JSON.stringify([row.hour, ...ROLLUP_DIMENSIONS.map((dimension) => row[dimension])]);
}

function sortedByKey<T>(entries: Array<[string, T]>): T[] {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

const DAY_MS = 86_400_000;

/** The daily rollup's dimensions: the hourly ones without the user. */
export const DAILY_DIMENSIONS = ROLLUP_DIMENSIONS.filter((dimension) => dimension !== 'user_id');

export type DailyKey = { day: number } & Record<(typeof DAILY_DIMENSIONS)[number], string>;

/**
 * The daily rows that hourly rows roll into (through the daily rollup's triggers), each once, in one
 * fixed order. A writer that locks these first, in this order, cannot deadlock with another writer:
 * otherwise the triggers lock daily rows in an order each batch's hourly rows decide.
 */
export function dailyKeys(rows: readonly UsageRollupHourlyTable[]): DailyKey[] {
  const keys = new Map<string, DailyKey>();
  for (const row of rows) {
    const key = { day: Math.floor(row.hour / DAY_MS) * DAY_MS } as DailyKey;
    for (const dimension of DAILY_DIMENSIONS) key[dimension] = row[dimension];
    keys.set(JSON.stringify([key.day, ...DAILY_DIMENSIONS.map((dimension) => key[dimension])]), key);
  }
  return sortedByKey([...keys.entries()]);
}
