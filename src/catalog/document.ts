/**
 * The catalog file format: a header line, then one entry per line, keys in a fixed order, so the same
 * catalog always serializes to the same bytes and a price change is a one-line diff.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isDecimal } from './decimal.ts';
import {
  CAPABILITY_NAMES,
  CATALOG_MODES,
  type Capabilities,
  type CatalogEntry,
  type CatalogSnapshot,
  GEMINI_PLATFORMS,
  type Prices,
  type PriceTier,
} from './types.ts';

export const CATALOG_FORMAT = 'switchyard-catalog';
export const CATALOG_FORMAT_VERSION = 1;

const PRICE_KEYS = [
  'inputPerMillion',
  'outputPerMillion',
  'cacheReadPerMillion',
  'cacheWritePerMillion',
  'cacheWrite1hPerMillion',
  'reasoningPerMillion',
  'perImage',
] as const;
const TIER_KEYS = [
  'inputPerMillion',
  'outputPerMillion',
  'cacheReadPerMillion',
  'cacheWritePerMillion',
  'reasoningPerMillion',
] as const;

/** The entry with its keys in the canonical order and empty optional parts dropped. */
export function canonicalEntry(entry: CatalogEntry): CatalogEntry {
  const out: CatalogEntry = { provider: entry.provider } as CatalogEntry;
  if (entry.platform) out.platform = entry.platform;
  out.id = entry.id;
  out.aliases = [...new Set(entry.aliases)].filter((alias) => alias !== entry.id).sort();
  out.mode = entry.mode;
  if (entry.contextWindow !== undefined) out.contextWindow = entry.contextWindow;
  if (entry.maxOutputTokens !== undefined) out.maxOutputTokens = entry.maxOutputTokens;
  out.prices = canonicalPrices(entry.prices);
  const regional = Object.keys(entry.regionalPrices ?? {}).sort();
  if (regional.length > 0) {
    out.regionalPrices = Object.fromEntries(
      regional.map((region) => [region, canonicalPrices(entry.regionalPrices![region]!)]),
    );
  }
  out.capabilities = Object.fromEntries(
    CAPABILITY_NAMES.map((name) => [name, entry.capabilities[name] === true]),
  ) as Capabilities;
  if (entry.regions && entry.regions.length > 0) out.regions = [...new Set(entry.regions)].sort();
  if (entry.deprecationDate) out.deprecationDate = entry.deprecationDate;
  return out;
}

export function canonicalPrices(prices: Prices): Prices {
  const out: Prices = {};
  for (const key of PRICE_KEYS) if (prices[key] !== undefined) out[key] = prices[key];
  const tiers = [...(prices.tiers ?? [])].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  if (tiers.length > 0) {
    out.tiers = tiers.map((tier) => {
      const clean: PriceTier = { aboveInputTokens: tier.aboveInputTokens };
      for (const key of TIER_KEYS) if (tier[key] !== undefined) clean[key] = tier[key];
      return clean;
    });
  }
  return out;
}

/** Sorted by provider, platform, then id, each entry canonical. */
export function sortEntries(entries: CatalogEntry[]): CatalogEntry[] {
  return entries.map(canonicalEntry).sort((a, b) => {
    return (
      compareText(a.provider, b.provider) ||
      compareText(a.platform ?? '', b.platform ?? '') ||
      compareText(a.id, b.id)
    );
  });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A hash of the entries alone: the same models and prices give the same version, whatever the date. */
export function catalogVersion(entries: CatalogEntry[]): string {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${JSON.stringify(entry)}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** The catalog file's bytes. */
export function serializeCatalog(snapshot: CatalogSnapshot): string {
  const header = JSON.stringify({
    format: CATALOG_FORMAT,
    formatVersion: CATALOG_FORMAT_VERSION,
    version: snapshot.version,
    generatedFrom: snapshot.generatedFrom,
    sourceDate: snapshot.sourceDate,
    effectiveDate: snapshot.effectiveDate,
    entryCount: snapshot.entries.length,
  });
  const lines = snapshot.entries.map((entry) => JSON.stringify(entry));
  return `${header.slice(0, -1)},"entries":[\n${lines.join(',\n')}\n]}\n`;
}

const decimal = z.string().refine(isDecimal, 'a non-negative decimal string with at most 12 decimals');
const count = z.number().int().positive();

const tierSchema = z.strictObject({
  aboveInputTokens: z.number().int().nonnegative(),
  inputPerMillion: decimal.optional(),
  outputPerMillion: decimal.optional(),
  cacheReadPerMillion: decimal.optional(),
  cacheWritePerMillion: decimal.optional(),
  reasoningPerMillion: decimal.optional(),
});

const pricesSchema = z.strictObject({
  inputPerMillion: decimal.optional(),
  outputPerMillion: decimal.optional(),
  cacheReadPerMillion: decimal.optional(),
  cacheWritePerMillion: decimal.optional(),
  cacheWrite1hPerMillion: decimal.optional(),
  reasoningPerMillion: decimal.optional(),
  perImage: decimal.optional(),
  tiers: z.array(tierSchema).optional(),
});

const capabilitiesSchema = z.object(
  Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, z.boolean().default(false)])) as Record<
    (typeof CAPABILITY_NAMES)[number],
    z.ZodDefault<z.ZodBoolean>
  >,
);

const entrySchema = z.object({
  provider: z.string().min(1),
  platform: z.enum(GEMINI_PLATFORMS).optional(),
  id: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  mode: z.enum(CATALOG_MODES),
  contextWindow: count.optional(),
  maxOutputTokens: count.optional(),
  prices: pricesSchema,
  regionalPrices: z.record(z.string().min(1), pricesSchema).optional(),
  capabilities: capabilitiesSchema,
  regions: z.array(z.string().min(1)).optional(),
  deprecationDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});

const documentSchema = z.object({
  format: z.literal(CATALOG_FORMAT),
  formatVersion: z.literal(CATALOG_FORMAT_VERSION),
  version: z.string().optional(),
  generatedFrom: z.string().min(1),
  sourceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  effectiveDate: z.string().min(1).optional(),
  entries: z.array(entrySchema),
});

export function isCatalogDocument(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { format?: unknown }).format === CATALOG_FORMAT
  );
}

/** Thrown for a catalog file that does not follow the format; names the first bad fields. */
export class CatalogFormatError extends Error {
  constructor(
    readonly origin: string,
    readonly issues: string[],
  ) {
    super(`${origin} is not a valid catalog: ${issues.join('; ')}`);
    this.name = 'CatalogFormatError';
  }
}

/**
 * Reads a catalog document, checking every field. The version is recomputed from the entries, so a
 * hand-edited file can never pass itself off as another version.
 */
export function parseCatalogDocument(value: unknown, origin: string): CatalogSnapshot {
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new CatalogFormatError(origin, issues);
  }
  const document = parsed.data;
  const entries = sortEntries(document.entries as CatalogEntry[]);
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = `${entry.provider}/${entry.platform ?? ''}/${entry.id.toLowerCase()}`;
    if (seen.has(key))
      throw new CatalogFormatError(origin, [`duplicate entry ${entry.provider}/${entry.id}`]);
    seen.add(key);
  }
  return {
    version: catalogVersion(entries),
    generatedFrom: document.generatedFrom,
    sourceDate: document.sourceDate,
    effectiveDate: document.effectiveDate ?? document.sourceDate,
    entries,
  };
}

/**
 * The shipped catalog, read without field-by-field checks: the generator wrote it and a test proves
 * it passes `parseCatalogDocument`, so start-up does not pay for validating two thousand entries.
 */
export function readShippedDocument(value: unknown): CatalogSnapshot {
  const document = value as {
    format?: unknown;
    version?: unknown;
    generatedFrom?: unknown;
    sourceDate?: unknown;
    effectiveDate?: unknown;
    entries?: unknown;
  };
  if (
    document?.format !== CATALOG_FORMAT ||
    typeof document.version !== 'string' ||
    typeof document.generatedFrom !== 'string' ||
    typeof document.sourceDate !== 'string' ||
    !Array.isArray(document.entries)
  ) {
    throw new CatalogFormatError('the shipped catalog', ['header or entries missing']);
  }
  return {
    version: document.version,
    generatedFrom: document.generatedFrom,
    sourceDate: document.sourceDate,
    effectiveDate: typeof document.effectiveDate === 'string' ? document.effectiveDate : document.sourceDate,
    entries: document.entries as CatalogEntry[],
  };
}
