/**
 * Catalog queries for the API and CLI: filter, search, compare, estimate a workload's cost, and find
 * cheaper models that can do the same job.
 */
import { GatewayError } from '../core/errors.ts';
import { costOfLines, type MicroUnits } from '../core/money.ts';
import { deprecationStatus } from './context.ts';
import { blendedPrice, compareDecimal, decimalRatio, isDecimal, normalizeDecimal } from './decimal.ts';
import { costLines } from './pricing.ts';
import { precedenceOf, refOf } from './providers.ts';
import {
  CAPABILITY_NAMES,
  CATALOG_MODES,
  type CapabilityName,
  type CatalogEntry,
  type CatalogMode,
  type Platform,
} from './types.ts';

/** What the queries need from a catalog. */
export interface CatalogView {
  readonly entries: readonly CatalogEntry[];
  /** An entry by reference: `provider/model`, a model id, or an alias. */
  resolve(ref: string): CatalogEntry | undefined;
}

export interface CatalogFilter {
  provider?: string;
  platform?: Platform;
  mode?: CatalogMode;
  /** Every one of these must be supported. */
  capabilities?: CapabilityName[];
  /** USD per million input tokens, at most. */
  maxInputPerMillion?: string;
  /** USD per million output tokens, at most. */
  maxOutputPerMillion?: string;
  minContextWindow?: number;
  /** Leave out models whose deprecation date has passed (as of `now`). */
  excludeRetired?: boolean;
  now?: number;
}

export function listEntries(view: CatalogView, filter: CatalogFilter = {}): CatalogEntry[] {
  const check = compileFilter(filter);
  return view.entries.filter(check);
}

function compileFilter(filter: CatalogFilter): (entry: CatalogEntry) => boolean {
  if (filter.mode !== undefined && !(CATALOG_MODES as readonly string[]).includes(filter.mode)) {
    throw invalid(`mode must be one of ${CATALOG_MODES.join(', ')}`, 'mode');
  }
  const capabilities = filter.capabilities ?? [];
  for (const name of capabilities) {
    if (!(CAPABILITY_NAMES as readonly string[]).includes(name)) {
      throw invalid(`unknown capability "${name}"; known: ${CAPABILITY_NAMES.join(', ')}`, 'capabilities');
    }
  }
  const maxInput = optionalDecimal(filter.maxInputPerMillion, 'maxInputPerMillion');
  const maxOutput = optionalDecimal(filter.maxOutputPerMillion, 'maxOutputPerMillion');
  const minContext = filter.minContextWindow;
  if (minContext !== undefined && (!Number.isInteger(minContext) || minContext < 0)) {
    throw invalid('minContextWindow must be a non-negative integer', 'minContextWindow');
  }
  const provider = filter.provider?.toLowerCase();
  const now = filter.now ?? Date.now();
  return (entry) =>
    (provider === undefined || entry.provider === provider) &&
    (filter.platform === undefined || entry.platform === filter.platform) &&
    (filter.mode === undefined || entry.mode === filter.mode) &&
    capabilities.every((name) => entry.capabilities[name]) &&
    atMost(entry.prices.inputPerMillion, maxInput) &&
    atMost(entry.prices.outputPerMillion, maxOutput) &&
    (minContext === undefined || (entry.contextWindow ?? 0) >= minContext) &&
    !(filter.excludeRetired && deprecationStatus(entry, now).pastDate);
}

/** A price limit excludes models without that price: their cost is unknown, not low. */
function atMost(price: string | undefined, limit: string | undefined): boolean {
  if (limit === undefined) return true;
  return price !== undefined && compareDecimal(price, limit) <= 0;
}

/**
 * Entries whose provider, id or aliases contain every word of the text, best match first: exact id,
 * then id prefix, then the rest; ties go to the model's own vendor.
 */
export function searchEntries(view: CatalogView, text: string, limit = 50): CatalogEntry[] {
  const query = text.trim().toLowerCase();
  if (query === '') return [];
  const words = query.split(/\s+/);
  const scored: Array<{ entry: CatalogEntry; score: number; order: number }> = [];
  view.entries.forEach((entry, order) => {
    const id = entry.id.toLowerCase();
    const haystack = `${refOf(entry)} ${entry.platform ?? ''} ${entry.aliases.join(' ')}`.toLowerCase();
    if (!words.every((word) => haystack.includes(word))) return;
    const score =
      id === query || refOf(entry).toLowerCase() === query
        ? 0
        : id.startsWith(query)
          ? 1
          : id.includes(query)
            ? 2
            : 3;
    scored.push({ entry, score, order });
  });
  scored.sort(
    (a, b) => a.score - b.score || precedenceOf(a.entry) - precedenceOf(b.entry) || a.order - b.order,
  );
  return scored.slice(0, Math.max(0, limit)).map((item) => item.entry);
}

export interface ComparedModel {
  /** The canonical reference, `provider/model`. */
  model: string;
  entry: CatalogEntry;
  /** (3 x input + output) / 4 USD per million tokens (the input price for embedding models), when known. */
  blendedPerMillion?: string;
}

/** Several models side by side, in the order asked. */
export function compareEntries(view: CatalogView, refs: string[], param = 'models'): ComparedModel[] {
  if (refs.length === 0) throw invalid('name at least one model to compare', param);
  return refs.map((ref, index) => {
    const entry = resolveOrThrow(view, ref, `${param}[${index}]`);
    const blended = blendedOf(entry);
    return { model: refOf(entry), entry, ...(blended ? { blendedPerMillion: blended } : {}) };
  });
}

export interface Workload {
  requestsPerDay: number;
  /** Input tokens per request, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Of the input tokens, how many are read from a prompt cache. */
  cachedInputTokens?: number;
  days?: number;
}

export interface WorkloadCost {
  model: string;
  entry: CatalogEntry;
  /** Integer micro-USD for the whole period, or undefined when the model has no price. */
  totalMicros?: MicroUnits;
  /** Integer micro-USD for one request. */
  perRequestMicros?: MicroUnits;
}

export interface WorkloadEstimate {
  days: number;
  requests: number;
  /** Cheapest first; models without a price last. */
  results: WorkloadCost[];
}

/** What a workload costs on each candidate over `days` (30 by default), exactly. */
export function estimateWorkload(
  view: CatalogView,
  workload: Workload,
  candidates: string[],
): WorkloadEstimate {
  const days = workload.days ?? 30;
  const cached = workload.cachedInputTokens ?? 0;
  const counts = {
    requestsPerDay: workload.requestsPerDay,
    inputTokens: workload.inputTokens,
    outputTokens: workload.outputTokens,
    cachedInputTokens: cached,
    days,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw invalid(`${name} must be a non-negative integer`, name);
    }
  }
  if (cached > workload.inputTokens) {
    throw invalid('cachedInputTokens cannot exceed inputTokens', 'cachedInputTokens');
  }
  const requests = workload.requestsPerDay * days;
  if (!Number.isSafeInteger(requests * Math.max(workload.inputTokens, workload.outputTokens, 1))) {
    throw invalid('the workload is too large to estimate exactly', 'requestsPerDay');
  }
  const usage = {
    inputTokens: workload.inputTokens,
    outputTokens: workload.outputTokens,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
  const results = compareEntries(view, candidates, 'candidates').map(({ model, entry }, index) => {
    // Lines are per request (tiers depend on one request's size), then scaled before the one rounding.
    const lines = costLines(entry.prices, usage);
    if (!lines) return { result: { model, entry }, index };
    const perRequestMicros = costOfLines(lines);
    const totalMicros = costOfLines(lines.map((line) => ({ ...line, tokens: line.tokens * requests })));
    return { result: { model, entry, perRequestMicros, totalMicros }, index };
  });
  results.sort((a, b) => {
    const left = a.result.totalMicros ?? Number.POSITIVE_INFINITY;
    const right = b.result.totalMicros ?? Number.POSITIVE_INFINITY;
    return left - right || a.index - b.index;
  });
  return { days, requests, results: results.map((item) => item.result) };
}

export interface AlternativeOptions {
  limit?: number;
  /** Only consider these catalog providers (for example, the configured ones). */
  providers?: string[];
  /** Zero-priced entries are usually self-hosted or rate-limited free tiers: left out unless asked. */
  includeFree?: boolean;
  now?: number;
}

export interface Alternative extends ComparedModel {
  blendedPerMillion: string;
  /** The alternative's blended price divided by the model's: 0.25 is four times cheaper. */
  priceRatio: number;
}

export interface Alternatives {
  model: string;
  entry: CatalogEntry;
  blendedPerMillion: string;
  alternatives: Alternative[];
}

/**
 * The cheapest models that can replace `ref`: the same mode, every capability it has, at least its
 * context window, not retired, and a lower blended price ((3 x input + output) / 4 per million).
 */
export function findAlternatives(
  view: CatalogView,
  ref: string,
  options: AlternativeOptions = {},
): Alternatives {
  const entry = resolveOrThrow(view, ref, 'model');
  const blended = blendedOf(entry);
  if (blended === undefined) {
    throw new GatewayError('invalid_request', `${refOf(entry)} has no input and output price to compare`, {
      param: 'model',
      code: 'price_unknown',
    });
  }
  const limit = options.limit ?? 5;
  const now = options.now ?? Date.now();
  const providers = options.providers ? new Set(options.providers.map((p) => p.toLowerCase())) : undefined;
  const needed = CAPABILITY_NAMES.filter((name) => entry.capabilities[name]);
  const candidates: Alternative[] = [];
  for (const candidate of view.entries) {
    if (candidate === entry || candidate.mode !== entry.mode) continue;
    if (providers && !providers.has(candidate.provider)) continue;
    if (!needed.every((name) => candidate.capabilities[name])) continue;
    if (entry.contextWindow !== undefined && (candidate.contextWindow ?? 0) < entry.contextWindow) continue;
    if (deprecationStatus(candidate, now).pastDate) continue;
    const price = blendedOf(candidate);
    if (price === undefined || compareDecimal(price, blended) >= 0) continue;
    if (!options.includeFree && compareDecimal(price, '0') === 0) continue;
    candidates.push({
      model: refOf(candidate),
      entry: candidate,
      blendedPerMillion: price,
      priceRatio: decimalRatio(price, blended),
    });
  }
  candidates.sort(
    (a, b) =>
      compareDecimal(a.blendedPerMillion, b.blendedPerMillion) ||
      precedenceOf(a.entry) - precedenceOf(b.entry) ||
      a.entry.id.length - b.entry.id.length ||
      (a.model < b.model ? -1 : a.model > b.model ? 1 : 0),
  );
  const distinct = withoutVariants(candidates);
  return { model: refOf(entry), entry, blendedPerMillion: blended, alternatives: distinct.slice(0, limit) };
}

/**
 * Drops dated snapshots and regional ids of a model already listed at the same provider and price
 * (`gpt-5-nano-2025-08-07` after `gpt-5-nano`, `global.anthropic.claude-...` after
 * `anthropic.claude-...`): they are the same suggestion. Expects shorter ids first among equals.
 */
function withoutVariants(sorted: Alternative[]): Alternative[] {
  const kept: Alternative[] = [];
  for (const candidate of sorted) {
    const id = candidate.entry.id.toLowerCase();
    const variant = kept.some(
      (other) =>
        other.entry.provider === candidate.entry.provider &&
        other.entry.platform === candidate.entry.platform &&
        other.blendedPerMillion === candidate.blendedPerMillion &&
        id.includes(other.entry.id.toLowerCase()),
    );
    if (!variant) kept.push(candidate);
  }
  return kept;
}

function blendedOf(entry: CatalogEntry): string | undefined {
  const { inputPerMillion, outputPerMillion } = entry.prices;
  // Embedding models produce no output tokens: their input price is the whole price.
  if (entry.mode === 'embedding') return inputPerMillion;
  if (inputPerMillion === undefined || outputPerMillion === undefined) return undefined;
  return blendedPrice(inputPerMillion, outputPerMillion);
}

function resolveOrThrow(view: CatalogView, ref: string, param: string): CatalogEntry {
  const entry = typeof ref === 'string' ? view.resolve(ref) : undefined;
  if (!entry) {
    throw new GatewayError('model_not_found', `The model "${ref}" is not in the catalog`, {
      param,
      code: 'model_not_found',
    });
  }
  return entry;
}

function optionalDecimal(value: string | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const normalized = normalizeDecimal(String(value));
    if (isDecimal(normalized)) return normalized;
  } catch {
    // reported below
  }
  throw invalid(`${param} must be a non-negative decimal such as "2.50"`, param);
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
