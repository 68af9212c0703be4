import { type RawBuilder, sql } from 'kysely';
import type { Store, StoreKind } from '../store/db.ts';
import {
  type AttributeDimension,
  DIMENSION_COLUMN,
  type ReportFilters,
  type TimeBucket,
} from './report-dimensions.ts';
import { DAY_MS, HOUR_MS } from './report-time.ts';

export type ReportStore = Pick<Store, 'db' | 'kind'>;

/** Which table a query reads: daily sums (no user dimension), hourly sums, or one row per request. */
export type ReportSource = 'daily' | 'hourly' | 'records';

const TABLES = {
  daily: { table: 'usage_rollup_daily', time: 'day' },
  hourly: { table: 'usage_rollup_hourly', time: 'hour' },
  records: { table: 'usage_records', time: 'started_at' },
} as const;

/** Sums over a group of requests. Cost is integer micro-USD. */
export interface UsageSums {
  requests: number;
  errors: number;
  /** Requests whose model has no price: their cost is unknown, not zero. */
  unpriced_requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micros: number;
}

export const SUM_FIELDS = [
  'requests',
  'errors',
  'unpriced_requests',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micros',
] as const satisfies ReadonlyArray<keyof UsageSums>;

export interface AggregateSpec {
  source: ReportSource;
  /** Inclusive, ms since the epoch. */
  from?: number;
  /** Exclusive. */
  to?: number;
  timeBucket?: TimeBucket;
  dimensions: readonly AttributeDimension[];
  /** Also group by the record's tag list (records only). */
  withTags?: boolean;
  filters: ReportFilters;
}

export interface AggregateRow {
  /** Start of the time bucket, when grouped by one. */
  bucket: number | undefined;
  /** Dimension values; '' where the request had none (the rollup's convention, kept for both sources). */
  values: Partial<Record<AttributeDimension, string>>;
  /** The record's tags as stored (a JSON list), when grouped by them. */
  tags: string | undefined;
  sums: UsageSums;
}

export function emptySums(): UsageSums {
  return {
    requests: 0,
    errors: 0,
    unpriced_requests: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_micros: 0,
  };
}

export function addSums(target: UsageSums, source: UsageSums): void {
  for (const field of SUM_FIELDS) target[field] += source[field];
}

/** One GROUP BY over one table. Every expression used is portable or chosen per database. */
export async function aggregate(store: ReportStore, spec: AggregateSpec): Promise<AggregateRow[]> {
  const rollup = spec.source !== 'records';
  const { table: tableName, time: timeColumn } = TABLES[spec.source];
  const time = sql.ref(timeColumn);
  const selects: RawBuilder<unknown>[] = [];
  const groups: RawBuilder<unknown>[] = [];

  if (spec.timeBucket) {
    const expression = bucketExpression(store.kind, spec.timeBucket, time);
    selects.push(sql`${expression} as bucket`);
    groups.push(expression);
  }
  for (const dimension of spec.dimensions) {
    const column = sql.ref(DIMENSION_COLUMN[dimension]);
    // The rollups store a missing value as '' (NULLs would defeat their unique keys); records keep NULL.
    const expression = rollup ? column : sql`coalesce(${column}, '')`;
    selects.push(sql`${expression} as ${sql.id(`d_${dimension}`)}`);
    groups.push(expression);
  }
  if (spec.withTags && !rollup) {
    selects.push(sql`tags`);
    groups.push(sql.ref('tags'));
  }
  selects.push(...(rollup ? ROLLUP_SUMS : RECORD_SUMS));

  const conditions = whereConditions(spec, time);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const groupBy = groups.length > 0 ? sql`group by ${sql.join(groups)}` : sql``;
  const table = sql.table(tableName);
  const result = await sql<
    Record<string, unknown>
  >`select ${sql.join(selects)} from ${table} ${where} ${groupBy}`.execute(store.db);

  const rows: AggregateRow[] = [];
  for (const row of result.rows) {
    const sums = emptySums();
    for (const field of SUM_FIELDS) sums[field] = Number(row[field] ?? 0);
    // Without GROUP BY an empty range still yields one row of NULL sums.
    if (sums.requests === 0) continue;
    const values: Partial<Record<AttributeDimension, string>> = {};
    for (const dimension of spec.dimensions) values[dimension] = String(row[`d_${dimension}`] ?? '');
    rows.push({
      bucket: spec.timeBucket ? Number(row.bucket) : undefined,
      values,
      tags: spec.withTags && !rollup ? String(row.tags ?? '[]') : undefined,
      sums,
    });
  }
  return rows;
}

const ROLLUP_SUMS = [
  sql`sum(request_count) as requests`,
  sql`sum(error_count) as errors`,
  sql`sum(unknown_cost_count) as unpriced_requests`,
  sql`sum(input_tokens) as input_tokens`,
  sql`sum(output_tokens) as output_tokens`,
  sql`sum(cache_read_tokens) as cache_read_tokens`,
  sql`sum(cache_write_tokens) as cache_write_tokens`,
  sql`sum(reasoning_tokens) as reasoning_tokens`,
  sql`sum(cost_micros) as cost_micros`,
];

/** The same sums from raw records, by the rollup's definitions (an error is a status of 400 or more). */
const RECORD_SUMS = [
  sql`count(*) as requests`,
  sql`sum(case when status >= 400 then 1 else 0 end) as errors`,
  sql`sum(1 - cost_known) as unpriced_requests`,
  sql`sum(input_tokens) as input_tokens`,
  sql`sum(output_tokens) as output_tokens`,
  sql`sum(cache_read_tokens) as cache_read_tokens`,
  sql`sum(cache_write_tokens) as cache_write_tokens`,
  sql`sum(reasoning_tokens) as reasoning_tokens`,
  sql`sum(cost_micros) as cost_micros`,
];

/**
 * The start of a record's (or rollup hour's) bucket, in ms. Hours and days are integer arithmetic,
 * identical on both databases (times are positive, so integer division floors). Calendar months are not
 * a fixed length, so each database truncates to the month with its own date functions, in UTC.
 */
export function bucketExpression(
  kind: StoreKind,
  bucket: TimeBucket,
  time: RawBuilder<unknown>,
): RawBuilder<unknown> {
  if (bucket === 'hour') return sql`(${time} / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)}`;
  if (bucket === 'day') return sql`(${time} / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)}`;
  if (kind === 'sqlite') {
    return sql`cast(strftime('%s', ${time} / 1000, 'unixepoch', 'start of month') as integer) * 1000`;
  }
  return sql`cast(extract(epoch from date_trunc('month', to_timestamp(${time} / 1000) at time zone 'UTC')) as bigint) * 1000`;
}

function whereConditions(spec: AggregateSpec, time: RawBuilder<unknown>): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  if (spec.from !== undefined) conditions.push(sql`${time} >= ${spec.from}`);
  if (spec.to !== undefined) conditions.push(sql`${time} < ${spec.to}`);
  for (const [name, values] of Object.entries(spec.filters) as Array<
    [keyof ReportFilters, readonly string[]]
  >) {
    if (values.length === 0) continue;
    if (name === 'tag') {
      conditions.push(tagCondition(values));
      continue;
    }
    const column = sql.ref(DIMENSION_COLUMN[name]);
    conditions.push(sql`${column} in (${sql.join(values.map((value) => sql`${value}`))})`);
  }
  return conditions;
}

/**
 * Tags are stored as a JSON list of strings, so a tag is in a record exactly when its JSON encoding
 * (quotes included) appears in the text. LIKE is portable; `!` escapes LIKE's own wildcards.
 */
function tagCondition(values: readonly string[]): RawBuilder<unknown> {
  const alternatives = values.map((value) => {
    const pattern = `%${JSON.stringify(value).replace(/[!%_]/g, (char) => `!${char}`)}%`;
    return sql`tags like ${pattern} escape '!'`;
  });
  return sql`(${sql.join(alternatives, sql` or `)})`;
}
