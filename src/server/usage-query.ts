import { z } from 'zod';
import { GatewayError } from '../core/errors.ts';
import type { FocusGranularity } from '../metering/focus.ts';
import {
  dimensionNamed,
  FILTER_DIMENSIONS,
  parseFilters,
  parseGroupBy,
} from '../metering/report-dimensions.ts';
import { parseInstant, rangeFrom } from '../metering/report-time.ts';
import type { ReportQuery, ReportSort } from '../metering/reports.ts';

/** A query string as Fastify parses it: repeated names become lists. */
export type QueryString = Record<string, string | string[] | undefined>;

export const MAX_REPORT_LIMIT = 100_000;

/** `from` and `to` of a request (see `rangeFrom`: the current month when neither is given). */
export function rangeOf(
  query: QueryString,
  now: number,
): { from: number | undefined; to: number | undefined } {
  return rangeFrom(single(query, 'from'), single(query, 'to'), now);
}

const REPORT_PARAMS = new Set(['group_by', 'from', 'to', 'limit', 'sort', 'format']);

export function reportQueryOf(query: QueryString, now: number): ReportQuery {
  refuseUnknown(query, REPORT_PARAMS);
  const limitText = single(query, 'limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REPORT_LIMIT) {
      throw invalid('limit', `a whole number from 1 to ${MAX_REPORT_LIMIT}`);
    }
  }
  const sort = oneOf<ReportSort>(query, 'sort', ['cost', 'time']);
  const { from, to } = rangeOf(query, now);
  return {
    groupBy: parseGroupBy(query.group_by),
    filters: parseFilters(query),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(limit === undefined ? {} : { limit }),
    ...(sort === undefined ? {} : { sort }),
  };
}

export function formatOf(query: QueryString): 'json' | 'csv' {
  return oneOf(query, 'format', ['json', 'csv']) ?? 'json';
}

export function granularityOf(query: QueryString): FocusGranularity {
  return oneOf<FocusGranularity>(query, 'granularity', ['day', 'hour']) ?? 'day';
}

export function refuseUnknown(query: QueryString, known: ReadonlySet<string>): void {
  for (const name of Object.keys(query)) {
    if (known.has(name)) continue;
    const dimension = dimensionNamed(name);
    if (dimension && (FILTER_DIMENSIONS as readonly string[]).includes(dimension)) continue;
    throw new GatewayError(
      'invalid_request',
      `${name}: unknown parameter; filters are ${FILTER_DIMENSIONS.join(', ')}`,
      { param: name, retryable: false },
    );
  }
}

export function single(query: QueryString, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    if (value.length > 1) throw invalid(name, 'a single value');
    return value[0];
  }
  return value === '' ? undefined : value;
}

function oneOf<T extends string>(query: QueryString, name: string, allowed: readonly T[]): T | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw invalid(name, `one of ${allowed.join(', ')}`);
  return value as T;
}

function invalid(param: string, expected: string): GatewayError {
  return new GatewayError('invalid_request', `${param}: expected ${expected}`, { param, retryable: false });
}

const instant = z.union([z.string().min(1), z.number().int().nonnegative()]);

export const repriceBody = z.strictObject({
  from: instant,
  to: instant,
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  app: z.string().min(1).optional(),
  route: z.string().min(1).optional(),
  dry_run: z.boolean().default(false),
});

export type RepriceBody = z.infer<typeof repriceBody>;

export function instantOf(value: string | number, param: string): number {
  return typeof value === 'number' ? value : parseInstant(value, param);
}
