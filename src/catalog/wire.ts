/**
 * The catalog as the HTTP API and `--json` CLI output show it: snake_case fields, prices as decimal
 * strings in USD, money as integer micro-USD beside a decimal USD string. One format for both, so a
 * script can move between them.
 */
import { formatMicros } from '../core/money.ts';
import type { Catalog } from './catalog.ts';
import { deprecationStatus } from './context.ts';
import type { CatalogSyncOutcome } from './live.ts';
import { refOf } from './providers.ts';
import type { Alternatives, CatalogFilter, ComparedModel, WorkloadEstimate } from './queries.ts';
import {
  CAPABILITY_NAMES,
  type CapabilityName,
  type CatalogEntry,
  type PriceQuote,
  type Prices,
  type PriceTier,
} from './types.ts';

/** `parallelTools` -> `parallel_tools`. */
export function capabilityWireName(name: CapabilityName): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const CAPABILITY_BY_SPELLING = new Map<string, CapabilityName>(
  CAPABILITY_NAMES.flatMap((name) => [
    [capabilityWireName(name), name],
    [name.toLowerCase(), name],
  ]),
);

/** A capability named either way (`parallel_tools`, `parallelTools`), any letter case. */
export function parseCapability(text: string): CapabilityName | undefined {
  return CAPABILITY_BY_SPELLING.get(text.trim().toLowerCase());
}

export const CAPABILITY_WIRE_NAMES: readonly string[] = CAPABILITY_NAMES.map(capabilityWireName);

export type WirePrices = Record<string, unknown>;

const PRICE_FIELDS = [
  ['inputPerMillion', 'input_per_million'],
  ['outputPerMillion', 'output_per_million'],
  ['cacheReadPerMillion', 'cache_read_per_million'],
  ['cacheWritePerMillion', 'cache_write_per_million'],
  ['cacheWrite1hPerMillion', 'cache_write_1h_per_million'],
  ['reasoningPerMillion', 'reasoning_per_million'],
  ['perImage', 'per_image'],
] as const;

/** Only the prices the model has: a missing price is unknown, never zero. */
export function wirePrices(prices: Prices): WirePrices {
  const wire: WirePrices = {};
  for (const [field, name] of PRICE_FIELDS) {
    const value = prices[field];
    if (value !== undefined) wire[name] = value;
  }
  if (prices.tiers && prices.tiers.length > 0) wire.tiers = prices.tiers.map(wireTier);
  return wire;
}

function wireTier(tier: PriceTier): WirePrices {
  const { aboveInputTokens, ...prices } = tier;
  return { above_input_tokens: aboveInputTokens, ...wirePrices(prices) };
}

/** The names of the capabilities the model has. */
export function wireCapabilities(entry: Pick<CatalogEntry, 'capabilities'>): string[] {
  return CAPABILITY_NAMES.filter((name) => entry.capabilities[name]).map(capabilityWireName);
}

function quoteOf(catalog: Catalog, entry: CatalogEntry): PriceQuote | undefined {
  const target = entry.platform ? { provider: entry.provider, platform: entry.platform } : entry.provider;
  return catalog.priceFor(target, entry.id);
}

/** One catalog entry, with the version, source and effective date of its price. */
export function wireEntry(catalog: Catalog, entry: CatalogEntry, now: number): Record<string, unknown> {
  const quote = quoteOf(catalog, entry);
  return {
    object: 'catalog.model',
    id: refOf(entry),
    provider: entry.provider,
    ...(entry.platform ? { platform: entry.platform } : {}),
    model: entry.id,
    aliases: [...entry.aliases],
    mode: entry.mode,
    context_window: entry.contextWindow ?? null,
    max_output_tokens: entry.maxOutputTokens ?? null,
    prices: wirePrices(entry.prices),
    ...(entry.regionalPrices
      ? {
          regional_prices: Object.fromEntries(
            Object.entries(entry.regionalPrices).map(([region, prices]) => [region, wirePrices(prices)]),
          ),
        }
      : {}),
    capabilities: wireCapabilities(entry),
    ...(entry.regions ? { regions: [...entry.regions] } : {}),
    deprecation_date: entry.deprecationDate ?? null,
    retired: deprecationStatus(entry, now).pastDate,
    price_version: quote?.version ?? null,
    price_source: quote?.source ?? catalog.generatedFrom,
    price_effective_date: quote?.effectiveDate ?? catalog.effectiveDate,
  };
}

export function wireSyncOutcome(outcome: CatalogSyncOutcome): Record<string, unknown> {
  return {
    ...wireCatalogInfo(outcome.catalog),
    object: 'catalog.sync',
    changed: outcome.changed,
    previous_version: outcome.previousVersion,
  };
}

export function wireCatalogInfo(catalog: Catalog): Record<string, unknown> {
  return {
    object: 'catalog',
    version: catalog.version,
    generated_from: catalog.generatedFrom,
    source_date: catalog.sourceDate,
    effective_date: catalog.effectiveDate,
    model_count: catalog.entries.length,
    providers: catalog.providerNames(),
  };
}

export function wireCompared(
  catalog: Catalog,
  compared: ComparedModel[],
  now: number,
): Record<string, unknown> {
  return {
    object: 'list',
    data: compared.map((item) => ({
      ...wireEntry(catalog, item.entry, now),
      blended_per_million: item.blendedPerMillion ?? null,
    })),
  };
}

export interface WireWorkload {
  requests_per_day: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  days: number;
}

/** Money twice: integer micro-USD to compute with, a decimal USD string to show. */
function money(micros: number | undefined): { micros: number | null; usd: string | null } {
  return micros === undefined ? { micros: null, usd: null } : { micros, usd: formatMicros(micros) };
}

export function wireEstimate(
  catalog: Catalog,
  workload: WireWorkload,
  estimate: WorkloadEstimate,
): Record<string, unknown> {
  return {
    object: 'catalog.estimate',
    currency: 'USD',
    workload,
    requests: estimate.requests,
    data: estimate.results.map((result) => {
      const total = money(result.totalMicros);
      const perRequest = money(result.perRequestMicros);
      const entry = result.entry;
      const quote = quoteOf(catalog, entry);
      return {
        model: result.model,
        total_micros: total.micros,
        total_usd: total.usd,
        per_request_micros: perRequest.micros,
        per_request_usd: perRequest.usd,
        prices: wirePrices(entry.prices),
        price_version: quote?.version ?? null,
      };
    }),
  };
}

export function wireAlternatives(
  catalog: Catalog,
  found: Alternatives,
  now: number,
): Record<string, unknown> {
  return {
    object: 'catalog.alternatives',
    model: found.model,
    blended_per_million: found.blendedPerMillion,
    data: found.alternatives.map((alternative) => ({
      ...wireEntry(catalog, alternative.entry, now),
      blended_per_million: alternative.blendedPerMillion,
      price_ratio: alternative.priceRatio,
    })),
  };
}

/**
 * The entries a list query shows: those passing the filter, in catalog order, or in search order
 * (best match first) when there is search text.
 */
export function matchingEntries(catalog: Catalog, filter: CatalogFilter, text?: string): CatalogEntry[] {
  const matching = catalog.list(filter);
  if (text === undefined || text.trim() === '') return matching;
  const allowed = new Set(matching);
  return catalog.search(text, catalog.entries.length).filter((entry) => allowed.has(entry));
}
