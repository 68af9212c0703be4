import { GatewayError } from '../core/errors.ts';

/** Calendar buckets a report can group by (UTC). */
export const TIME_BUCKETS = ['hour', 'day', 'month'] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

/** Attribution dimensions: each is a column of both usage_records and usage_rollup_hourly. */
export const ATTRIBUTE_DIMENSIONS = [
  'cost_center',
  'business_unit',
  'team',
  'app',
  'key',
  'user',
  'route',
  'provider',
  'model',
  'region',
] as const;
export type AttributeDimension = (typeof ATTRIBUTE_DIMENSIONS)[number];

/** Everything a report can group by. `tag` is only in the raw records, so grouping by it reads them. */
export const REPORT_DIMENSIONS = [...TIME_BUCKETS, ...ATTRIBUTE_DIMENSIONS, 'tag'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** Everything a report can filter on; several values of one dimension mean any of them. */
export const FILTER_DIMENSIONS = [...ATTRIBUTE_DIMENSIONS, 'tag'] as const;
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];
export type ReportFilters = Partial<Record<FilterDimension, readonly string[]>>;

export type DimensionColumn =
  | 'cost_center'
  | 'business_unit'
  | 'team'
  | 'app'
  | 'key_id'
  | 'user_id'
  | 'route'
  | 'provider'
  | 'model'
  | 'region';

export const DIMENSION_COLUMN: Readonly<Record<AttributeDimension, DimensionColumn>> = {
  cost_center: 'cost_center',
  business_unit: 'business_unit',
  team: 'team',
  app: 'app',
  key: 'key_id',
  user: 'user_id',
  route: 'route',
  provider: 'provider',
  model: 'model',
  region: 'region',
};

/** Other spellings people reach for; each maps to one dimension. */
const ALIASES: Readonly<Record<string, ReportDimension>> = {
  application: 'app',
  key_id: 'key',
  user_id: 'user',
  costcenter: 'cost_center',
  'cost-center': 'cost_center',
  bu: 'business_unit',
  tags: 'tag',
};

export function isTimeBucket(dimension: ReportDimension): dimension is TimeBucket {
  return (TIME_BUCKETS as readonly string[]).includes(dimension);
}

export function isAttributeDimension(dimension: ReportDimension): dimension is AttributeDimension {
  return (ATTRIBUTE_DIMENSIONS as readonly string[]).includes(dimension);
}

/** The dimension a name stands for, or undefined. */
export function dimensionNamed(name: string): ReportDimension | undefined {
  const normalized = name.trim().toLowerCase();
  if ((REPORT_DIMENSIONS as readonly string[]).includes(normalized)) return normalized as ReportDimension;
  return ALIASES[normalized];
}

/**
 * `team,model` (or a list of such strings) as dimensions, in the order given. At most one time bucket,
 * since a row cannot be in two calendars at once.
 */
export function parseGroupBy(
  value: string | readonly string[] | undefined,
  param = 'group_by',
): ReportDimension[] {
  const names = splitList(value);
  const dimensions: ReportDimension[] = [];
  for (const name of names) {
    const dimension = dimensionNamed(name);
    if (!dimension) {
      throw new GatewayError(
        'invalid_request',
        `${param}: unknown dimension "${name}"; use any of ${REPORT_DIMENSIONS.join(', ')}`,
        { param, retryable: false },
      );
    }
    if (dimensions.includes(dimension)) {
      throw new GatewayError('invalid_request', `${param}: "${dimension}" is listed twice`, {
        param,
        retryable: false,
      });
    }
    dimensions.push(dimension);
  }
  if (dimensions.filter(isTimeBucket).length > 1) {
    throw new GatewayError('invalid_request', `${param}: group by at most one of hour, day and month`, {
      param,
      retryable: false,
    });
  }
  return dimensions;
}

/**
 * Filters from named values, e.g. `{ team: 'search,ads', model: ['gpt-4o'] }`. Names that are not
 * dimensions are ignored, so a query string's other parameters can be passed as they are.
 */
export function parseFilters(source: Readonly<Record<string, unknown>>): ReportFilters {
  const filters: ReportFilters = {};
  for (const [name, raw] of Object.entries(source)) {
    const dimension = dimensionNamed(name);
    if (!dimension || isTimeBucket(dimension) || raw === undefined) continue;
    if (typeof raw !== 'string' && !(Array.isArray(raw) && raw.every((item) => typeof item === 'string'))) {
      throw new GatewayError('invalid_request', `${name}: expected a text value`, {
        param: name,
        retryable: false,
      });
    }
    const values = splitList(raw as string | string[]);
    if (values.length === 0) continue;
    filters[dimension] = [...(filters[dimension] ?? []), ...values];
  }
  return filters;
}

/** Comma-separated and repeated values, trimmed, empties dropped. */
export function splitList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === 'string' ? [value] : value;
  return parts
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
