// `npm run bench:reports`: loads 1,000,000 synthetic usage records (one calendar month) into SQLite and,
// when SWITCHYARD_TEST_POSTGRES_URL is set, PostgreSQL, then times the reports. The month's report
// grouped by team and model must answer in under a second on each; the run fails otherwise.
// BENCH_ROWS changes the number of records.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { chargeback } from '../src/metering/chargeback.ts';
import { focusCsv } from '../src/metering/focus.ts';
import { aggregate } from '../src/metering/report-query.ts';
import { DAY_MS } from '../src/metering/report-time.ts';
import { usageReport } from '../src/metering/reports.ts';
import { type TestStore, testStoreTargets } from '../src/store/testing.ts';
import { bulkLoad, syntheticRecords } from './reports-data.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const MONTH_FROM = Date.UTC(2026, 10, 1);
const MONTH_TO = Date.UTC(2026, 11, 1);
const RUNS = 5;
const BUDGET_MS = 1000;
const HEADLINE = 'month, team x model';

interface Timing {
  name: string;
  /** What answered: rollup, records, or both. */
  source: string;
  rows: number;
  medianMs: number;
  minMs: number;
}

/** Each query's median over RUNS runs, after one warm-up run. */
const QUERIES: Array<{ name: string; run: (store: TestStore) => Promise<{ source: string; rows: number }> }> =
  [
    {
      name: HEADLINE,
      run: async (store) => {
        const report = await usageReport(store, {
          groupBy: ['team', 'model'],
          from: MONTH_FROM,
          to: MONTH_TO,
        });
        return { source: report.sources.join('+'), rows: report.rows.length };
      },
    },
    {
      name: 'month, day x cost center',
      run: async (store) => {
        const report = await usageReport(store, {
          groupBy: ['day', 'cost_center'],
          from: MONTH_FROM,
          to: MONTH_TO,
        });
        return { source: report.sources.join('+'), rows: report.rows.length };
      },
    },
    {
      name: 'month by month, top 10 apps, ends mid-hour',
      run: async (store) => {
        const from = MONTH_FROM + 17 * 60_000;
        const to = MONTH_TO - 23 * 60_000;
        const report = await usageReport(store, {
          groupBy: ['month', 'app'],
          from,
          to,
          limit: 10,
          sort: 'cost',
        });
        return { source: report.sources.join('+'), rows: report.rows.length };
      },
    },
    {
      name: 'month, user x model (hourly sums: users are not in the daily ones)',
      run: async (store) => {
        const report = await usageReport(store, {
          groupBy: ['user', 'model'],
          from: MONTH_FROM,
          to: MONTH_TO,
        });
        return { source: report.sources.join('+'), rows: report.rows.length };
      },
    },
    {
      name: 'one day, tag x model',
      run: async (store) => {
        const report = await usageReport(store, {
          groupBy: ['tag', 'model'],
          from: MONTH_FROM,
          to: MONTH_FROM + DAY_MS,
        });
        return { source: report.sources.join('+'), rows: report.rows.length };
      },
    },
    {
      name: 'chargeback for the month',
      run: async (store) => {
        const result = await chargeback(store, '2026-11');
        return { source: 'daily', rows: result.costCenters.length };
      },
    },
    {
      name: 'FOCUS export, one day',
      run: async (store) => {
        let lines = -1;
        for await (const _ of focusCsv(store, { from: MONTH_FROM, to: MONTH_FROM + DAY_MS })) lines += 1;
        return { source: 'records', rows: lines };
      },
    },
    {
      name: 'month, team x model, raw records only (for comparison)',
      run: async (store) => {
        const rows = await aggregate(store, {
          source: 'records',
          from: MONTH_FROM,
          to: MONTH_TO,
          dimensions: ['team', 'model'],
          filters: {},
        });
        return { source: 'records', rows: rows.length };
      },
    },
  ];

async function time(store: TestStore): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (const query of QUERIES) {
    const outcome = await query.run(store);
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      await query.run(store);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    timings.push({
      name: query.name,
      ...outcome,
      medianMs: round(samples[Math.floor(RUNS / 2)]!),
      minMs: round(samples[0]!),
    });
  }
  return timings;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

async function main(): Promise<void> {
  const targets = testStoreTargets().filter((target) => target.label !== 'sqlite-memory');
  if (!targets.some((target) => target.label === 'postgres')) {
    process.stdout.write('SWITCHYARD_TEST_POSTGRES_URL is not set: PostgreSQL is skipped.\n');
  }
  const results: Array<{
    database: string;
    loadSeconds: number;
    rollupRows: number;
    dailyRows: number;
    timings: Timing[];
  }> = [];
  for (const target of targets) {
    const store = await target.open();
    try {
      process.stdout.write(`${target.label}: loading ${ROWS.toLocaleString('en')} records...\n`);
      const started = performance.now();
      const rollupRows = await bulkLoad(store, syntheticRecords(ROWS, MONTH_FROM, MONTH_TO));
      const daily = await store.db
        .selectFrom('usage_rollup_daily')
        .select((eb) => eb.fn.countAll<number>().as('rows'))
        .executeTakeFirstOrThrow();
      const dailyRows = Number(daily.rows);
      // As a long-running database would have: planner statistics (PostgreSQL's autovacuum keeps them).
      await sql`analyze`.execute(store.db);
      const loadSeconds = Math.round((performance.now() - started) / 100) / 10;
      process.stdout.write(
        `  loaded in ${loadSeconds} s; ${rollupRows.toLocaleString('en')} hourly and ${dailyRows.toLocaleString('en')} daily rollup rows\n`,
      );
      results.push({
        database: target.label,
        loadSeconds,
        rollupRows,
        dailyRows,
        timings: await time(store),
      });
    } finally {
      await store.close();
    }
  }

  const lines = [
    '| database | query | answered from | rows | median ms | min ms |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const result of results) {
    for (const t of result.timings) {
      lines.push(`| ${result.database} | ${t.name} | ${t.source} | ${t.rows} | ${t.medianMs} | ${t.minMs} |`);
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const summary = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    records: ROWS,
    budgetMs: BUDGET_MS,
    results,
  };
  writeFileSync(join(dir, 'reports.json'), `${JSON.stringify(summary, null, 2)}\n`);

  const slow = results.filter(
    (result) => (result.timings.find((t) => t.name === HEADLINE)?.medianMs ?? Infinity) >= BUDGET_MS,
  );
  if (slow.length > 0) {
    process.stderr.write(
      `\nOver the ${BUDGET_MS} ms budget for "${HEADLINE}": ${slow.map((r) => r.database).join(', ')}\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `\n"${HEADLINE}" answered under ${BUDGET_MS} ms on ${results.map((r) => r.database).join(' and ')}.\n`,
    );
  }
}

await main();
