import { toCsv } from './csv.ts';
import { formatTable, METRIC_COLUMNS, metrics } from './report-format.ts';
import { addSums, emptySums, type ReportStore, type UsageSums } from './report-query.ts';
import { monthRange } from './report-time.ts';
import { usageReport } from './reports.ts';

/** What one application spent on one model within a cost center. */
export interface ChargebackLine {
  app: string | null;
  model: string | null;
  sums: UsageSums;
}

export interface ChargebackCenter {
  /** Null for requests whose key names no cost center. */
  costCenter: string | null;
  sums: UsageSums;
  /** Highest cost first. */
  lines: ChargebackLine[];
}

export interface Chargeback {
  /** `YYYY-MM` (UTC). */
  month: string;
  from: number;
  to: number;
  /** Highest cost first; the unassigned center (null) last. */
  costCenters: ChargebackCenter[];
  totals: UsageSums;
}

/** A month's spend per cost center, itemized by application and model. */
export async function chargeback(store: ReportStore, month: string): Promise<Chargeback> {
  const { from, to } = monthRange(month);
  const report = await usageReport(store, {
    groupBy: ['cost_center', 'app', 'model'],
    from,
    to,
    sort: 'cost',
  });
  const centers = new Map<string | null, ChargebackCenter>();
  for (const row of report.rows) {
    const costCenter = row.group.cost_center ?? null;
    let center = centers.get(costCenter);
    if (!center) {
      center = { costCenter, sums: emptySums(), lines: [] };
      centers.set(costCenter, center);
    }
    addSums(center.sums, row.sums);
    // Report rows come sorted by cost, so each center's lines stay highest first.
    center.lines.push({ app: row.group.app ?? null, model: row.group.model ?? null, sums: row.sums });
  }
  const costCenters = [...centers.values()].sort(
    (a, b) =>
      Number(a.costCenter === null) - Number(b.costCenter === null) ||
      b.sums.cost_micros - a.sums.cost_micros ||
      (a.costCenter ?? '').localeCompare(b.costCenter ?? ''),
  );
  return { month: month.trim(), from, to, costCenters, totals: report.totals };
}

export function chargebackToJson(result: Chargeback): Record<string, unknown> {
  return {
    object: 'chargeback',
    month: result.month,
    currency: 'USD',
    cost_centers: result.costCenters.map((center) => ({
      cost_center: center.costCenter,
      ...metrics(center.sums),
      lines: center.lines.map((line) => ({ app: line.app, model: line.model, ...metrics(line.sums) })),
    })),
    totals: metrics(result.totals),
    cost_complete: result.totals.unpriced_requests === 0,
  };
}

const LINE_COLUMNS = ['month', 'cost_center', 'app', 'model', ...METRIC_COLUMNS] as const;

/** One CSV line per line item; a spreadsheet's pivot gives the per-center subtotals. */
export function chargebackToCsv(result: Chargeback): string {
  const rows = result.costCenters.flatMap((center) =>
    center.lines.map((line) => {
      const values: Record<string, string | number | null> = {
        month: result.month,
        cost_center: center.costCenter,
        app: line.app,
        model: line.model,
        ...metrics(line.sums),
      };
      return LINE_COLUMNS.map((column) => values[column]);
    }),
  );
  return toCsv(LINE_COLUMNS, rows);
}

/** Per center: its line items, then its subtotal. */
export function chargebackToTable(result: Chargeback): string {
  const header = ['cost_center', 'app', 'model', 'requests', 'input_tokens', 'output_tokens', 'cost_usd'];
  const cells = (sums: UsageSums) => {
    const shown = metrics(sums);
    return [shown.requests, shown.input_tokens, shown.output_tokens, shown.cost_usd].map(String);
  };
  const rows: string[][] = [];
  for (const center of result.costCenters) {
    const name = center.costCenter ?? '(none)';
    for (const line of center.lines)
      rows.push([name, line.app ?? '-', line.model ?? '-', ...cells(line.sums)]);
    rows.push([name, 'SUBTOTAL', '', ...cells(center.sums)]);
  }
  rows.push(['TOTAL', '', '', ...cells(result.totals)]);
  const note =
    result.totals.unpriced_requests > 0
      ? `\n(${result.totals.unpriced_requests} requests have no price: their cost is not included)`
      : '';
  return `Chargeback ${result.month} (USD)\n${formatTable(header, rows)}${note}\n`;
}
