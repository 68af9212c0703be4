/**
 * `switchyard usage ...`: reports, chargeback, the FOCUS export, single records and re-pricing, run
 * directly against the database the configuration points at.
 */
import { createWriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Catalog } from '../catalog/catalog.ts';
import { catalogSnapshotDir } from '../catalog/live.ts';
import { FileSnapshotStore } from '../catalog/sync.ts';
import { loadConfig } from '../config/load.ts';
import type { SwitchyardConfig } from '../config/schema.ts';
import { systemClock } from '../core/clock.ts';
import { formatMicros } from '../core/money.ts';
import { catalogPricer } from '../metering/catalog-pricer.ts';
import { chargeback, chargebackToCsv, chargebackToJson, chargebackToTable } from '../metering/chargeback.ts';
import { type FocusGranularity, focusCsv } from '../metering/focus.ts';
import { recordPricer } from '../metering/record-pricer.ts';
import {
  FILTER_DIMENSIONS,
  type FilterDimension,
  parseGroupBy,
  type ReportFilters,
} from '../metering/report-dimensions.ts';
import { reportToCsv, reportToJson, reportToTable } from '../metering/report-format.ts';
import { bucketLabel, parseInstant, rangeFrom, startOfMonth } from '../metering/report-time.ts';
import { type ReportSort, usageReport } from '../metering/reports.ts';
import { UsageRepository } from '../metering/repository.ts';
import { type RepriceFilter, repriceUsage } from '../metering/reprice.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { migrateToLatest } from '../store/migrations/index.ts';

type OutputFormat = 'table' | 'csv' | 'json';

interface ReportOptions extends Partial<Record<string, unknown>> {
  groupBy?: string;
  from?: string;
  to?: string;
  limit?: number;
  sort?: ReportSort;
  format: OutputFormat;
}

interface RepriceOptions {
  from: string;
  to: string;
  provider?: string;
  model?: string;
  key?: string;
  team?: string;
  app?: string;
  route?: string;
  dryRun?: boolean;
  json?: boolean;
}

function parseLimit(value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number from 1');
  return Number(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--cost-center` for the `cost_center` dimension: commander names it `costCenter`. */
function optionName(dimension: FilterDimension): { flag: string; property: string } {
  const flag = dimension.replaceAll('_', '-');
  return { flag, property: flag.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()) };
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Who re-priced, for admin_actions: the command line and the operating-system user running it. */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export function registerUsageCommands(program: Command): void {
  const usage = program
    .command('usage')
    .description('usage reports, chargeback, FOCUS export and re-pricing');

  const settings = (): SwitchyardConfig =>
    loadConfig(program.opts().config ? { file: program.opts().config as string } : {}).config;

  const withStore = async (run: (store: Store, config: SwitchyardConfig) => Promise<void>) => {
    const config = settings();
    const store = await openDatabase(config.storage.url);
    try {
      await migrateToLatest(store);
      await run(store, config);
    } finally {
      await store.close();
    }
  };

  const format = () =>
    new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table');

  const report = usage
    .command('report')
    .description('spend and tokens grouped by any dimensions (default range: this month, UTC)')
    .option(
      '-g, --group-by <dimensions>',
      'comma-separated: hour|day|month, cost_center, business_unit, team, app, key, user, route, provider, model, region, tag',
    )
    .option('--from <time>', 'start: 2026-11, 2026-11-05, or a date-time with a zone')
    .option('--to <time>', 'end (exclusive)')
    .option('--limit <n>', 'keep the top N rows', parseLimit)
    .addOption(new Option('--sort <order>', 'cost (highest first) or time').choices(['cost', 'time']))
    .addOption(format());
  for (const dimension of FILTER_DIMENSIONS) {
    const { flag } = optionName(dimension);
    report.option(
      `--${flag} <values>`,
      `only these ${dimension} values (comma-separated, repeatable)`,
      collect,
    );
  }
  report.action(async (options: ReportOptions) => {
    const { from, to } = rangeFrom(options.from, options.to, systemClock.now());
    const filters: ReportFilters = {};
    for (const dimension of FILTER_DIMENSIONS) {
      const values = options[optionName(dimension).property] as string[] | undefined;
      const split = values
        ?.flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter(Boolean);
      if (split && split.length > 0) filters[dimension] = split;
    }
    const query = {
      groupBy: parseGroupBy(options.groupBy, '--group-by'),
      filters,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.sort === undefined ? {} : { sort: options.sort }),
    };
    await withStore(async (store) => {
      const result = await usageReport(store, query);
      if (options.format === 'json') write(JSON.stringify(reportToJson(result), null, 2));
      else if (options.format === 'csv') process.stdout.write(reportToCsv(result));
      else write(reportToTable(result));
    });
  });

  usage
    .command('chargeback')
    .description('a month of spend per cost center, itemized by application and model')
    .option('--month <YYYY-MM>', 'the month (default: this month, UTC)')
    .addOption(format())
    .action(async (options: { month?: string; format: OutputFormat }) => {
      const month = options.month ?? bucketLabel('month', startOfMonth(systemClock.now()));
      await withStore(async (store) => {
        const result = await chargeback(store, month);
        if (options.format === 'json') write(JSON.stringify(chargebackToJson(result), null, 2));
        else if (options.format === 'csv') process.stdout.write(chargebackToCsv(result));
        else write(chargebackToTable(result));
      });
    });

  usage
    .command('focus')
    .description('export usage as a FinOps FOCUS 1.2 CSV file')
    .requiredOption('--from <time>', 'start (rounded down to a whole day or hour)')
    .requiredOption('--to <time>', 'end, exclusive (rounded up)')
    .addOption(
      new Option('--granularity <period>', 'charge period of a row').choices(['day', 'hour']).default('day'),
    )
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (options: { from: string; to: string; granularity: FocusGranularity; out?: string }) => {
      const exportOptions = {
        from: parseInstant(options.from, '--from'),
        to: parseInstant(options.to, '--to'),
        granularity: options.granularity,
      };
      await withStore(async (store) => {
        const lines = Readable.from(focusCsv(store, exportOptions));
        if (options.out) {
          await pipeline(lines, createWriteStream(options.out));
          process.stderr.write(`Wrote ${options.out}\n`);
        } else {
          try {
            await pipeline(lines, process.stdout);
          } catch (error) {
            // The reader went away (`| head`): not a failure of the export.
            if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
          }
        }
      });
    });

  usage
    .command('record <request_id>')
    .description('show the usage record of one request')
    .action(async (requestId: string) => {
      await withStore(async (store) => {
        const record = await new UsageRepository(store.db).get(requestId);
        if (!record) throw new Error(`no usage record for request ${requestId}`);
        write(JSON.stringify(record, null, 2));
      });
    });

  usage
    .command('reprice')
    .description('re-price a past period at the current catalog prices (recorded in admin_actions)')
    .requiredOption('--from <time>', 'start of the period')
    .requiredOption('--to <time>', 'end of the period (exclusive)')
    .option('--provider <name>', 'only this provider')
    .option('--model <model>', 'only this upstream model')
    .option('--key <id>', 'only this key')
    .option('--team <team>', 'only this team')
    .option('--app <app>', 'only this application')
    .option('--route <route>', 'only this route')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--json', 'print JSON')
    .action(async (options: RepriceOptions) => {
      const from = parseInstant(options.from, '--from');
      const to = parseInstant(options.to, '--to');
      const filter: RepriceFilter = {
        ...(options.provider ? { provider: options.provider } : {}),
        ...(options.model ? { model: options.model } : {}),
        ...(options.key ? { keyId: options.key } : {}),
        ...(options.team ? { team: options.team } : {}),
        ...(options.app ? { app: options.app } : {}),
        ...(options.route ? { route: options.route } : {}),
      };
      await withStore(async (store, config) => {
        // The prices the gateway would load: the newest synced catalog, or the shipped one.
        const catalog = await Catalog.fromLatest(new FileSnapshotStore(catalogSnapshotDir(config)));
        // One fixed catalog for the whole run: only its prices are needed.
        const prices = catalogPricer({
          priceFor: (target, model, override) => catalog.priceFor(target, model, override),
        });
        const pricer = recordPricer({ pricer: prices, providers: config.providers, routes: config.routes });
        const result = await repriceUsage(store, {
          from,
          to,
          filter,
          pricer,
          actor: cliActor(),
          prices: {
            catalogVersion: catalog.version,
            effectiveDate: catalog.effectiveDate,
            source: catalog.generatedFrom,
          },
          dryRun: Boolean(options.dryRun),
        });
        if (options.json) {
          write(JSON.stringify(result, null, 2));
          return;
        }
        const lines = [
          `${result.dryRun ? 'Would re-price' : 'Re-priced'} ${result.changed} of ${result.examined} records` +
            (result.skipped > 0 ? ` (${result.skipped} left as charged: provider no longer configured)` : ''),
          `Cost: ${formatMicros(result.costBeforeMicros)} USD -> ${formatMicros(result.costAfterMicros)} USD`,
          `Unpriced requests: ${result.unpricedBefore} -> ${result.unpricedAfter}`,
          ...result.priceVersions.map(
            (change) => `  ${change.records}\t${change.from ?? '(none)'} -> ${change.to ?? '(none)'}`,
          ),
        ];
        if (result.actionId) lines.push(`Recorded as admin action ${result.actionId}`);
        write(lines.join('\n'));
      });
    });
}
