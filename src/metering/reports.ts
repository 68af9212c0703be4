import { GatewayError } from '../core/errors.ts';
import {
  type AttributeDimension,
  isAttributeDimension,
  isTimeBucket,
  type ReportDimension,
  type ReportFilters,
  type TimeBucket,
} from './report-dimensions.ts';
import {
  type AggregateRow,
  type AggregateSpec,
  addSums,
  aggregate,
  emptySums,
  type ReportSource,
  type ReportStore,
  type UsageSums,
} from './report-query.ts';
import { bucketLabel, ceilTo, checkRange, DAY_MS, floorTo, HOUR_MS } from './report-time.ts';

export type { ReportStore, UsageSums };

export type ReportSort = 'cost' | 'time';

export interface ReportQuery {
  groupBy: readonly ReportDimension[];
  filters?: ReportFilters;
  /** Requests started at or after (ms since the epoch); unbounded when absent. */
  from?: number;
  /** Requests started before. */
  to?: number;
  /** Keep the first N rows after sorting: with the default sort, the top N by cost. */
  limit?: number;
  /** `cost` (highest first) or `time` (oldest bucket first, then cost). Default: `time` when grouping
   * by a time bucket without a limit, else `cost`. */
  sort?: ReportSort;
}

export interface ReportRow {
  /** Each grouped dimension's value: a label for time buckets, null where the requests had none. */
  group: Partial<Record<ReportDimension, string | null>>;
  /** Start of the row's time bucket (ms), when grouped by one. */
  bucketStart?: number;
  /** The key's current name, when grouped by key (null for a key that no longer exists). */
  keyName?: string | null;
  sums: UsageSums;
}

export interface UsageReport {
  groupBy: ReportDimension[];
  filters: ReportFilters;
  from: number | undefined;
  to: number | undefined;
  sort: ReportSort;
  /** Which tables answered: daily sums for whole days, hourly sums for whole hours, records for the rest. */
  sources: ReportSource[];
  rows: ReportRow[];
  /** Sums over everything that matched, before the limit. With `tag` grouping, a request is counted
   * once here but once under each of its tags in the rows. */
  totals: UsageSums;
  /** Groups before the limit was applied. */
  groupCount: number;
}

/** Sums of usage and cost grouped by any dimensions, over a time range, read from whichever table can answer. */
export async function usageReport(store: ReportStore, query: ReportQuery): Promise<UsageReport> {
  checkRange(query.from, query.to);
  const limit = query.limit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new GatewayError('invalid_request', 'limit: must be a positive whole number', {
      param: 'limit',
      retryable: false,
    });
  }
  const groupBy = [...query.groupBy];
  const filters = query.filters ?? {};
  const timeBucket = groupBy.find(isTimeBucket);
  const dimensions = groupBy.filter(isAttributeDimension);
  const byTag = groupBy.includes('tag');

  const segments = plan(query.from, query.to, {
    tagged: byTag || (filters.tag?.length ?? 0) > 0,
    // The daily sums have no hours and no users.
    daily: timeBucket !== 'hour' && !dimensions.includes('user') && (filters.user?.length ?? 0) === 0,
  });
  const merged = new Map<string, AggregateRow>();
  for (const segment of segments) {
    const rows = await aggregate(store, {
      ...segment,
      ...(timeBucket ? { timeBucket } : {}),
      dimensions,
      withTags: byTag,
      filters,
    });
    for (const row of rows) mergeInto(merged, row, dimensions);
  }

  const totals = emptySums();
  for (const row of merged.values()) addSums(totals, row.sums);
  const tagged = [...merged.values()].flatMap((row) => (byTag ? splitByTag(row) : [{ row, tag: undefined }]));
  let reportRows = regroupTags(tagged, byTag).map(({ row, tag }) =>
    toReportRow(row, groupBy, timeBucket, tag),
  );

  const sort = query.sort ?? (timeBucket && limit === undefined ? 'time' : 'cost');
  reportRows.sort(comparator(sort, groupBy));
  const groupCount = reportRows.length;
  if (limit !== undefined) reportRows = reportRows.slice(0, limit);
  if (dimensions.includes('key')) await attachKeyNames(store, reportRows);

  return {
    groupBy,
    filters,
    from: query.from,
    to: query.to,
    sort,
    sources: SOURCE_ORDER.filter((source) => segments.some((segment) => segment.source === source)),
    rows: reportRows,
    totals,
    groupCount,
  };
}

type Segment = Pick<AggregateSpec, 'source' | 'from' | 'to'>;

const SOURCE_ORDER: readonly ReportSource[] = ['daily', 'hourly', 'records'];

/**
 * Which table answers for which part of the range. The daily sums answer for whole UTC days (when the
 * report needs neither hours nor users), the hourly sums for whole hours, and raw records for the
 * partial hours at either end, and for everything when a tag is involved (tags are in no rollup).
 */
export function plan(
  from: number | undefined,
  to: number | undefined,
  can: { tagged: boolean; daily: boolean },
): Segment[] {
  if (can.tagged) return [{ source: 'records', ...range(from, to) }];
  if (!can.daily) return hourlyPlan(from, to);
  const dayFrom = from === undefined ? undefined : ceilTo(from, DAY_MS);
  const dayTo = to === undefined ? undefined : floorTo(to, DAY_MS);
  if (dayFrom !== undefined && dayTo !== undefined && dayFrom >= dayTo) return hourlyPlan(from, to);
  const segments: Segment[] = [{ source: 'daily', ...range(dayFrom, dayTo) }];
  if (from !== undefined && dayFrom !== undefined && from < dayFrom)
    segments.push(...hourlyPlan(from, dayFrom));
  if (to !== undefined && dayTo !== undefined && dayTo < to) segments.push(...hourlyPlan(dayTo, to));
  return segments;
}

function hourlyPlan(from: number | undefined, to: number | undefined): Segment[] {
  const hourFrom = from === undefined ? undefined : ceilTo(from, HOUR_MS);
  const hourTo = to === undefined ? undefined : floorTo(to, HOUR_MS);
  if (hourFrom !== undefined && hourTo !== undefined && hourFrom >= hourTo) {
    return [{ source: 'records', ...range(from, to) }];
  }
  const segments: Segment[] = [{ source: 'hourly', ...range(hourFrom, hourTo) }];
  if (from !== undefined && hourFrom !== undefined && from < hourFrom) {
    segments.push({ source: 'records', from, to: hourFrom });
  }
  if (to !== undefined && hourTo !== undefined && hourTo < to)
    segments.push({ source: 'records', from: hourTo, to });
  return segments;
}

function range(from: number | undefined, to: number | undefined): { from?: number; to?: number } {
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

function groupKey(row: AggregateRow, dimensions: readonly AttributeDimension[], tag?: string | null): string {
  return JSON.stringify([
    row.bucket ?? null,
    ...dimensions.map((d) => row.values[d] ?? ''),
    row.tags ?? null,
    tag,
  ]);
}

function mergeInto(
  merged: Map<string, AggregateRow>,
  row: AggregateRow,
  dimensions: readonly AttributeDimension[],
): void {
  const key = groupKey(row, dimensions);
  const existing = merged.get(key);
  if (existing) addSums(existing.sums, row.sums);
  else merged.set(key, { ...row, sums: { ...row.sums } });
}

interface TaggedRow {
  row: AggregateRow;
  tag: string | null | undefined;
}

/** A row grouped by its whole tag list becomes one row per tag (or one tagless row). */
function splitByTag(row: AggregateRow): TaggedRow[] {
  let tags: unknown;
  try {
    tags = JSON.parse(row.tags ?? '[]');
  } catch {
    tags = [];
  }
  const list = Array.isArray(tags)
    ? [...new Set(tags.filter((tag): tag is string => typeof tag === 'string'))]
    : [];
  if (list.length === 0) return [{ row, tag: null }];
  return list.map((tag) => ({ row, tag }));
}

/** Rows that differ only in their other tags fall into the same tag group once split. */
function regroupTags(rows: TaggedRow[], byTag: boolean): TaggedRow[] {
  if (!byTag) return rows;
  const groups = new Map<string, TaggedRow>();
  for (const { row, tag } of rows) {
    const key = JSON.stringify([row.bucket ?? null, row.values, tag]);
    const existing = groups.get(key);
    if (existing) addSums(existing.row.sums, row.sums);
    else groups.set(key, { row: { ...row, tags: undefined, sums: { ...row.sums } }, tag });
  }
  return [...groups.values()];
}

function toReportRow(
  row: AggregateRow,
  groupBy: readonly ReportDimension[],
  timeBucket: TimeBucket | undefined,
  tag: string | null | undefined,
): ReportRow {
  const group: ReportRow['group'] = {};
  for (const dimension of groupBy) {
    if (isTimeBucket(dimension)) group[dimension] = bucketLabel(dimension, row.bucket ?? 0);
    else if (dimension === 'tag') group.tag = tag ?? null;
    else group[dimension] = row.values[dimension] || null;
  }
  return {
    group,
    ...(timeBucket && row.bucket !== undefined ? { bucketStart: row.bucket } : {}),
    sums: row.sums,
  };
}

function comparator(
  sort: ReportSort,
  groupBy: readonly ReportDimension[],
): (a: ReportRow, b: ReportRow) => number {
  const byGroup = (a: ReportRow, b: ReportRow): number => {
    for (const dimension of groupBy) {
      const left = a.group[dimension] ?? '';
      const right = b.group[dimension] ?? '';
      if (left !== right) return left < right ? -1 : 1;
    }
    return 0;
  };
  const byCost = (a: ReportRow, b: ReportRow): number => b.sums.cost_micros - a.sums.cost_micros;
  const byTime = (a: ReportRow, b: ReportRow): number => (a.bucketStart ?? 0) - (b.bucketStart ?? 0);
  if (sort === 'time') return (a, b) => byTime(a, b) || byCost(a, b) || byGroup(a, b);
  return (a, b) => byCost(a, b) || byGroup(a, b);
}

const KEY_LOOKUP_CHUNK = 500;

async function attachKeyNames(store: ReportStore, rows: ReportRow[]): Promise<void> {
  const ids = [
    ...new Set(rows.map((row) => row.group.key).filter((id): id is string => typeof id === 'string')),
  ];
  const names = new Map<string, string>([['master', 'master']]);
  for (let start = 0; start < ids.length; start += KEY_LOOKUP_CHUNK) {
    const found = await store.db
      .selectFrom('api_keys')
      .select(['id', 'name'])
      .where('id', 'in', ids.slice(start, start + KEY_LOOKUP_CHUNK))
      .execute();
    for (const key of found) names.set(key.id, key.name);
  }
  for (const row of rows) {
    row.keyName = row.group.key ? (names.get(row.group.key) ?? null) : null;
  }
}
