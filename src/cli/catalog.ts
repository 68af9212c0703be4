/**
 * `switchyard catalog ...`: browse the model catalog, compare models, estimate a workload's cost,
 * find cheaper alternatives, refresh prices, and check what the configured providers offer.
 */
import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Catalog } from '../catalog/catalog.ts';
import { catalogSnapshotDir } from '../catalog/live.ts';
import { catalogTargetOf } from '../catalog/providers.ts';
import type { CatalogFilter } from '../catalog/queries.ts';
import { FileSnapshotStore, syncCatalog } from '../catalog/sync.ts';
import { CATALOG_MODES, type CapabilityName, type CatalogMode } from '../catalog/types.ts';
import {
  CAPABILITY_WIRE_NAMES,
  matchingEntries,
  parseCapability,
  wireAlternatives,
  wireCompared,
  wireEntry,
  wireEstimate,
} from '../catalog/wire.ts';
import { loadConfig } from '../config/load.ts';
import type { SwitchyardConfig } from '../config/schema.ts';
import { systemClock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { discoverModels } from './catalog-discover.ts';
import {
  formatAlternatives,
  formatComparison,
  formatDiscovery,
  formatEntry,
  formatEstimate,
  formatList,
} from './catalog-format.ts';

function parseCount(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function parsePositive(value: string): number {
  const number = parseCount(value);
  if (number === 0) throw new InvalidArgumentError('expected a whole number above 0');
  return number;
}

function parsePrice(value: string): string {
  if (!/^\d+(\.\d{1,12})?$/.test(value)) {
    throw new InvalidArgumentError('expected USD per million tokens as a decimal, such as 2.50');
  }
  return value;
}

/** Repeatable and comma-separated: `--capability tools,vision --capability reasoning`. */
function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}

function collectCapabilities(value: string, previous: CapabilityName[] = []): CapabilityName[] {
  const names = [...previous];
  for (const text of collectList(value)) {
    const name = parseCapability(text);
    if (!name) {
      throw new InvalidArgumentError(
        `unknown capability "${text}"; known: ${CAPABILITY_WIRE_NAMES.join(', ')}`,
      );
    }
    names.push(name);
  }
  return names;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

interface ListOptions {
  provider?: string;
  mode?: CatalogMode;
  capability?: CapabilityName[];
  maxInputPrice?: string;
  maxOutputPrice?: string;
  minContext?: number;
  search?: string;
  excludeRetired?: boolean;
  limit: number;
  json?: boolean;
}

interface EstimateOptions {
  requestsPerDay: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  days: number;
  json?: boolean;
}

interface AlternativesOptions {
  limit: number;
  provider?: string[];
  configured?: boolean;
  includeFree?: boolean;
  json?: boolean;
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('browse model prices and capabilities, estimate costs, refresh prices');

  const settings = (): SwitchyardConfig =>
    loadConfig(program.opts().config ? { file: program.opts().config as string } : {}).config;
  const snapshots = (config: SwitchyardConfig) => new FileSnapshotStore(catalogSnapshotDir(config));
  /** The catalog the gateway would load: the newest synced snapshot, or the shipped one. */
  const current = async (config: SwitchyardConfig = settings()) => Catalog.fromLatest(snapshots(config));

  catalog
    .command('list')
    .description('list models, filtered and searched')
    .option('--provider <provider>', 'catalog provider: openai, anthropic, gemini, bedrock, groq, ...')
    .addOption(new Option('--mode <mode>', 'how the model is called').choices(CATALOG_MODES))
    .option(
      '--capability <names>',
      'required capabilities (repeatable, or comma-separated)',
      collectCapabilities,
    )
    .option('--max-input-price <usd>', 'at most this many USD per million input tokens', parsePrice)
    .option('--max-output-price <usd>', 'at most this many USD per million output tokens', parsePrice)
    .option('--min-context <tokens>', 'at least this context window', parseCount)
    .option('--search <text>', 'words the model name or aliases contain, best match first')
    .option('--exclude-retired', 'leave out models past their retirement date')
    .option('--limit <n>', 'show at most this many', parsePositive, 50)
    .option('--json', 'print JSON (the API format)')
    .action(async (options: ListOptions) => {
      const loaded = await current();
      const now = Date.now();
      const filter: CatalogFilter = { now };
      if (options.provider) filter.provider = options.provider;
      if (options.mode) filter.mode = options.mode;
      if (options.capability) filter.capabilities = options.capability;
      if (options.maxInputPrice) filter.maxInputPerMillion = options.maxInputPrice;
      if (options.maxOutputPrice) filter.maxOutputPerMillion = options.maxOutputPrice;
      if (options.minContext !== undefined) filter.minContextWindow = options.minContext;
      if (options.excludeRetired) filter.excludeRetired = true;
      const entries = matchingEntries(loaded, filter, options.search);
      const shown = entries.slice(0, options.limit);
      if (options.json) {
        printJson({
          object: 'list',
          data: shown.map((entry) => wireEntry(loaded, entry, now)),
          total: entries.length,
        });
      } else print(formatList(shown, entries.length, loaded));
    });

  catalog
    .command('get <model>')
    .description('show one model: provider/model (openai/gpt-4o), or a bare id')
    .option('--json', 'print JSON (the API format)')
    .action(async (ref: string, options: { json?: boolean }) => {
      const loaded = await current();
      const entry = loaded.find(ref);
      if (!entry) throw notInCatalog(ref);
      if (options.json) printJson(wireEntry(loaded, entry, Date.now()));
      else print(formatEntry(entry, loaded));
    });

  catalog
    .command('compare <models...>')
    .description('compare models side by side')
    .option('--json', 'print JSON (the API format)')
    .action(async (refs: string[], options: { json?: boolean }) => {
      const loaded = await current();
      const compared = loaded.compare(refs);
      if (options.json) printJson(wireCompared(loaded, compared, Date.now()));
      else print(formatComparison(compared));
    });

  catalog
    .command('estimate <models...>')
    .description("estimate a workload's cost on each model, cheapest first")
    .requiredOption('--requests-per-day <n>', 'requests a day', parseCount)
    .requiredOption('--input-tokens <n>', 'input tokens per request, cached ones included', parseCount)
    .requiredOption('--output-tokens <n>', 'output tokens per request', parseCount)
    .option(
      '--cached-input-tokens <n>',
      'of the input tokens, how many are read from a prompt cache',
      parseCount,
    )
    .option('--days <n>', 'length of the period', parsePositive, 30)
    .option('--json', 'print JSON (the API format)')
    .action(async (refs: string[], options: EstimateOptions) => {
      const loaded = await current();
      const cached = options.cachedInputTokens ?? 0;
      const estimate = loaded.estimate(
        {
          requestsPerDay: options.requestsPerDay,
          inputTokens: options.inputTokens,
          outputTokens: options.outputTokens,
          cachedInputTokens: cached,
          days: options.days,
        },
        refs,
      );
      if (!options.json) return print(formatEstimate(estimate));
      const workload = {
        requests_per_day: options.requestsPerDay,
        input_tokens: options.inputTokens,
        output_tokens: options.outputTokens,
        cached_input_tokens: cached,
        days: options.days,
      };
      printJson(wireEstimate(loaded, workload, estimate));
    });

  catalog
    .command('alternatives <model>')
    .description('cheaper models with at least its capabilities and context window')
    .option('--limit <n>', 'show at most this many', parsePositive, 5)
    .option(
      '--provider <names>',
      'only these catalog providers (repeatable, or comma-separated)',
      collectList,
    )
    .option('--configured', "only the catalog providers of this gateway's configured providers")
    .option('--include-free', 'include zero-priced models (usually self-hosted or rate-limited free tiers)')
    .option('--json', 'print JSON (the API format)')
    .action(async (ref: string, options: AlternativesOptions) => {
      const config = settings();
      const loaded = await current(config);
      const providers = [...(options.provider ?? [])];
      if (options.configured) {
        for (const provider of config.providers) {
          const target = catalogTargetOf(provider);
          if (target) providers.push(target.provider);
        }
      }
      const now = Date.now();
      const found = loaded.alternatives(ref, {
        limit: options.limit,
        now,
        includeFree: Boolean(options.includeFree),
        ...(options.provider || options.configured ? { providers } : {}),
      });
      if (options.json) printJson(wireAlternatives(loaded, found, now));
      else print(formatAlternatives(found));
    });

  catalog
    .command('sync')
    .description('refresh prices from a file or URL (the catalog format or the public price table)')
    .requiredOption('--from <file|url>', 'where to read the prices')
    .option('--json', 'print JSON')
    .action(async (options: { from: string; json?: boolean }) => {
      const store = snapshots(settings());
      const result = await syncCatalog(options.from, store, { clock: systemClock });
      const { snapshot } = result;
      if (options.json) {
        return printJson({
          changed: result.changed,
          version: snapshot.version,
          generated_from: snapshot.generatedFrom,
          source_date: snapshot.sourceDate,
          effective_date: snapshot.effectiveDate,
          model_count: snapshot.entries.length,
          snapshot_dir: store.dir,
        });
      }
      const what = `Catalog ${snapshot.version}: ${snapshot.entries.length} model${snapshot.entries.length === 1 ? '' : 's'} from ${snapshot.generatedFrom} (${snapshot.sourceDate})`;
      if (!result.changed) return print(`${what} is already current; nothing changed.`);
      print(
        `${what}, effective ${snapshot.effectiveDate}, is now current in ${store.dir}.\n` +
          'A running gateway picks it up on POST /admin/v1/catalog/sync (with an empty body) or at its next start.',
      );
    });

  catalog
    .command('discover')
    .description("list each configured provider's models and mark those missing from the catalog")
    .option('--timeout <ms>', 'how long each provider may take to answer', parsePositive, 15_000)
    .option('--json', 'print JSON')
    .action(async (options: { timeout: number; json?: boolean }) => {
      const config = settings();
      const loaded = await current(config);
      const results = await discoverModels(config.providers, loaded, {
        timeoutMs: options.timeout,
        context: { clock: systemClock, instanceId: `sy-cli-${randomBytes(6).toString('hex')}` },
      });
      if (!options.json) return print(formatDiscovery(results));
      printJson(
        results.map((result) => ({
          provider: result.provider,
          type: result.type,
          catalog_provider: result.catalogProvider ?? null,
          status: result.status,
          ...(result.error ? { error: result.error } : {}),
          models: result.models.map((model) => ({
            model: model.model,
            in_catalog: model.known,
            catalog_model: model.ref ?? null,
            deprecation_date: model.deprecationDate ?? null,
          })),
        })),
      );
    });
}

function notInCatalog(ref: string): GatewayError {
  return new GatewayError('model_not_found', `The model "${ref}" is not in the catalog`, { param: 'model' });
}
