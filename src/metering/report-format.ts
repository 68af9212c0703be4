import { formatMicros } from '../core/money.ts';
import { type CsvValue, toCsv } from './csv.ts';
import { isoSeconds } from './report-time.ts';
import type { ReportRow, UsageReport, UsageSums } from './reports.ts';

/** Metric columns, in the order every format shows them. */
export const METRIC_COLUMNS = [
  'requests',
  'errors',
  'unpriced_requests',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_micros',
  'cost_usd',
] as const;

export type MetricColumn = (typeof METRIC_COLUMNS)[number];

/** Sums as shown: integers, plus total tokens and cost as a decimal USD string (exact, six places). */
export function metrics(sums: UsageSums): Record<MetricColumn, number | string> {
  return {
    requests: sums.requests,
    errors: sums.errors,
    unpriced_requests: sums.unpriced_requests,
    input_tokens: sums.input_tokens,
    output_tokens: sums.output_tokens,
    cache_read_tokens: sums.cache_read_tokens,
    cache_write_tokens: sums.cache_write_tokens,
    reasoning_tokens: sums.reasoning_tokens,
    // Input counts cached tokens and output counts reasoning tokens, so these two are the whole.
    total_tokens: sums.input_tokens + sums.output_tokens,
    cost_micros: sums.cost_micros,
    cost_usd: formatMicros(sums.cost_micros),
  };
}

/** The columns that name a row's group: its dimensions, and the key's name beside the key. */
export function groupColumns(report: Pick<UsageReport, 'groupBy'>): string[] {
  return report.groupBy.flatMap((dimension) => (dimension === 'key' ? ['key', 'key_name'] : [dimension]));
}

function groupValues(report: Pick<UsageReport, 'groupBy'>, row: ReportRow): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const dimension of report.groupBy) {
    values[dimension] = row.group[dimension] ?? null;
    if (dimension === 'key') values.key_name = row.keyName ?? null;
  }
  return values;
}

export function reportToJson(report: UsageReport): Record<string, unknown> {
  return {
    object: 'usage_report',
    currency: 'USD',
    from: report.from === undefined ? null : isoSeconds(report.from),
    to: report.to === undefined ? null : isoSeconds(report.to),
    group_by: report.groupBy,
    filters: report.filters,
    sort: report.sort,
    sources: report.sources,
    rows: report.rows.map((row) => ({ ...groupValues(report, row), ...metrics(row.sums) })),
    group_count: report.groupCount,
    truncated: report.rows.length < report.groupCount,
    totals: metrics(report.totals),
    // False when some requests had no price: the cost shown leaves them out, it does not count them as free.
    cost_complete: report.totals.unpriced_requests === 0,
  };
}

export function reportToCsv(report: UsageReport): string {
  const header = [...groupColumns(report), ...METRIC_COLUMNS];
  return toCsv(
    header,
    report.rows.map((row) => rowValues(report, row, header)),
  );
}

function rowValues(report: UsageReport, row: ReportRow, header: readonly string[]): CsvValue[] {
  const values: Record<string, CsvValue> = { ...groupValues(report, row), ...metrics(row.sums) };
  return header.map((column) => values[column]);
}

const TABLE_METRICS: readonly MetricColumn[] = [
  'requests',
  'errors',
  'unpriced_requests',
  'input_tokens',
  'output_tokens',
  'cost_usd',
];

/** A plain-text table for a terminal, with a totals line. */
export function reportToTable(report: UsageReport): string {
  const header = [...groupColumns(report), ...TABLE_METRICS];
  const lines = report.rows.map((row) =>
    rowValues(report, row, header).map((value) => (value ?? '-').toString()),
  );
  const totals = metrics(report.totals);
  const totalLine = header.map((column, index) =>
    index === 0 ? 'TOTAL' : column in totals ? String(totals[column as MetricColumn]) : '',
  );
  const notes: string[] = [];
  if (report.rows.length < report.groupCount)
    notes.push(`(${report.rows.length} of ${report.groupCount} groups shown)`);
  if (report.totals.unpriced_requests > 0) {
    notes.push(`(${report.totals.unpriced_requests} requests have no price: their cost is not included)`);
  }
  return [formatTable(header, [...lines, totalLine]), ...notes].join('\n') + '\n';
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, index) =>
    Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const numeric = header.map((_, index) => rows.every((row) => /^-?[\d.]*$/.test(row[index] ?? '')));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}
