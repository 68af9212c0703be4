/**
 * What a request costs: exact integer micro-USD from token counts and decimal prices, rounded once.
 */
import { createHash } from 'node:crypto';
import type { PriceOverride } from '../config/schema.ts';
import type { Usage } from '../core/ir.ts';
import { costOfLines, type MicroUnits } from '../core/money.ts';
import { normalizeDecimal } from './decimal.ts';
import { canonicalPrices } from './document.ts';
import type { PriceQuote, Prices, PriceTier } from './types.ts';

export interface CostLine {
  /** What the tokens are: input, cache_read, cache_write, output, reasoning. */
  kind: 'input' | 'cache_read' | 'cache_write' | 'output' | 'reasoning';
  tokens: number;
  pricePerMillion: string;
}

/** The prices that apply to a request with this many input tokens (cached ones included). */
export function pricesAt(prices: Prices, inputTokens: number): Prices {
  let tier: PriceTier | undefined;
  for (const candidate of prices.tiers ?? []) {
    if (inputTokens > candidate.aboveInputTokens) tier = candidate;
  }
  if (!tier) return prices;
  const { aboveInputTokens: _threshold, ...tierPrices } = tier;
  return { ...prices, ...tierPrices };
}

/**
 * The billable lines of a usage, or undefined when a price the usage needs is missing. Input that was
 * read from or written to a prompt cache is billed at the cache prices (the input price when the
 * model has none); reasoning tokens are output tokens, billed at a reasoning price only if one exists.
 */
export function costLines(prices: Prices, usage: Usage): CostLine[] | undefined {
  const applied = pricesAt(prices, usage.inputTokens);
  const input = Math.max(0, usage.inputTokens);
  const cacheRead = clamp(usage.cacheReadTokens, input);
  const cacheWrite = clamp(usage.cacheWriteTokens, input - cacheRead);
  const output = Math.max(0, usage.outputTokens);
  const reasoning = applied.reasoningPerMillion === undefined ? 0 : clamp(usage.reasoningTokens, output);
  const wanted: Array<[CostLine['kind'], number, string | undefined]> = [
    ['input', input - cacheRead - cacheWrite, applied.inputPerMillion],
    ['cache_read', cacheRead, applied.cacheReadPerMillion ?? applied.inputPerMillion],
    ['cache_write', cacheWrite, applied.cacheWritePerMillion ?? applied.inputPerMillion],
    ['output', output - reasoning, applied.outputPerMillion],
    ['reasoning', reasoning, applied.reasoningPerMillion],
  ];
  const lines: CostLine[] = [];
  for (const [kind, tokens, pricePerMillion] of wanted) {
    if (tokens === 0) continue;
    if (pricePerMillion === undefined) return undefined;
    lines.push({ kind, tokens, pricePerMillion });
  }
  return lines;
}

/**
 * The exact cost of a usage in micro-USD, or undefined (unknown) when the model has no price for it.
 * Above a tier threshold the whole request is billed at the tier's prices.
 */
export function costOf(price: PriceQuote | Prices | undefined, usage: Usage): MicroUnits | undefined {
  if (!price) return undefined;
  const prices = 'version' in price ? (price as PriceQuote).prices : (price as Prices);
  const lines = costLines(prices, usage);
  return lines === undefined ? undefined : costOfLines(lines);
}

function clamp(tokens: number, max: number): number {
  return Math.max(0, Math.min(tokens, max));
}

const OVERRIDE_FIELDS = [
  ['input_per_million', 'inputPerMillion'],
  ['output_per_million', 'outputPerMillion'],
  ['cache_read_per_million', 'cacheReadPerMillion'],
  ['cache_write_per_million', 'cacheWritePerMillion'],
] as const;

/**
 * Catalog prices with a configured override on top. An overridden input or output price is a
 * negotiated flat rate, so the list price's long-context tiers no longer apply; prices the override
 * leaves out keep their catalog value.
 */
export function applyOverride(base: Prices | undefined, override: PriceOverride): Prices {
  const prices: Prices = { ...(base ?? {}) };
  for (const [field, name] of OVERRIDE_FIELDS) {
    const value = override[field];
    if (value !== undefined) prices[name] = normalizeDecimal(String(value));
  }
  if (override.input_per_million !== undefined || override.output_per_million !== undefined) {
    delete prices.tiers;
  }
  return prices;
}

export function hasOverride(override: PriceOverride | undefined): override is PriceOverride {
  return override !== undefined && OVERRIDE_FIELDS.some(([field]) => override[field] !== undefined);
}

/** `<ref>@<hash>`: the same prices for the same model always give the same version. */
export function priceVersion(ref: string, prices: Prices): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(canonicalPrices(prices)))
    .digest('hex');
  return `${ref}@${hash.slice(0, 12)}`;
}
