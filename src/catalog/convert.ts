/**
 * Turns the public model price table (one object per model, USD per token as floats) into catalog
 * entries. Shared by scripts/generate-catalog.ts and `catalog sync`, so a refreshed catalog is built
 * exactly like the shipped one.
 */
import { scaledDecimal } from './decimal.ts';
import { catalogVersion, sortEntries } from './document.ts';
import { parseSourceKey, SOURCE_PROVIDERS, type SourceProvider } from './providers.ts';
import {
  CAPABILITY_NAMES,
  CATALOG_MODES,
  type Capabilities,
  type CapabilityName,
  type CatalogEntry,
  type CatalogMode,
  type CatalogSnapshot,
  type Prices,
  type PriceTier,
} from './types.ts';

type SourceRecord = Record<string, unknown>;

/** The table's flag for each capability. */
const CAPABILITY_FLAGS: Record<CapabilityName, string> = {
  tools: 'supports_function_calling',
  parallelTools: 'supports_parallel_function_calling',
  toolChoice: 'supports_tool_choice',
  vision: 'supports_vision',
  pdfInput: 'supports_pdf_input',
  audioInput: 'supports_audio_input',
  audioOutput: 'supports_audio_output',
  jsonSchema: 'supports_response_schema',
  reasoning: 'supports_reasoning',
  promptCaching: 'supports_prompt_caching',
  systemMessages: 'supports_system_messages',
  webSearch: 'supports_web_search',
  computerUse: 'supports_computer_use',
};

/** Per-token price fields and where they go; tiered variants add `_above_<N>k_tokens`. */
const TOKEN_PRICES = [
  ['input_cost_per_token', 'inputPerMillion'],
  ['output_cost_per_token', 'outputPerMillion'],
  ['cache_read_input_token_cost', 'cacheReadPerMillion'],
  ['cache_creation_input_token_cost', 'cacheWritePerMillion'],
  ['output_cost_per_reasoning_token', 'reasoningPerMillion'],
] as const;

const TIER_FIELD = /^(.+)_above_(\d+)k_tokens$/;

/** Is this parsed JSON the public table (rather than a catalog document)? */
export function isSourceTable(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  return Object.values(value).some((entry) => isRecord(entry) && typeof entry.litellm_provider === 'string');
}

/** The date the table says it was updated (its `last_updated` key), if any. */
export function sourceTableDate(table: Record<string, unknown>): string | undefined {
  const updated = table.last_updated;
  if (typeof updated !== 'string') return undefined;
  const date = /^\d{4}-\d{2}-\d{2}/.exec(updated)?.[0];
  return date;
}

export interface ConvertOptions {
  generatedFrom: string;
  sourceDate: string;
  effectiveDate?: string;
}

export function convertSourceTable(table: Record<string, unknown>, options: ConvertOptions): CatalogSnapshot {
  const groups = new Map<string, Member[]>();
  for (const [key, raw] of Object.entries(table)) {
    if (!isRecord(raw) || typeof raw.litellm_provider !== 'string') continue;
    const source = SOURCE_PROVIDERS[raw.litellm_provider];
    if (!source) continue;
    const member = memberOf(key, raw, source);
    if (!member) continue;
    const groupKey = [member.entry.provider, member.entry.platform ?? '', member.entry.id.toLowerCase()].join(
      '\u0000',
    );
    const group = groups.get(groupKey);
    if (group) group.push(member);
    else groups.set(groupKey, [member]);
  }
  const entries = sortEntries([...groups.values()].map(mergeGroup));
  return {
    version: catalogVersion(entries),
    generatedFrom: options.generatedFrom,
    sourceDate: options.sourceDate,
    effectiveDate: options.effectiveDate ?? options.sourceDate,
    entries,
  };
}

interface Member {
  key: string;
  region?: string;
  /** How much the source says about the model: the fuller record wins a tie. */
  fieldCount: number;
  entry: CatalogEntry;
}

function memberOf(key: string, raw: SourceRecord, source: SourceProvider): Member | undefined {
  const mode = raw.mode;
  if (typeof mode !== 'string' || !(CATALOG_MODES as readonly string[]).includes(mode)) return undefined;
  const parsed = parseSourceKey(key, source);
  if (!parsed) return undefined;
  const entry: CatalogEntry = {
    provider: source.provider,
    ...(source.platform ? { platform: source.platform } : {}),
    id: parsed.id,
    aliases: [],
    mode: mode as CatalogMode,
    ...optionalInt('contextWindow', raw.max_input_tokens),
    ...optionalInt('maxOutputTokens', raw.max_output_tokens),
    prices: pricesOf(raw),
    capabilities: capabilitiesOf(raw, mode as CatalogMode),
    ...regionsOf(raw.supported_regions),
    ...(isDate(raw.deprecation_date) ? { deprecationDate: raw.deprecation_date } : {}),
  };
  return {
    key,
    ...(parsed.region ? { region: parsed.region } : {}),
    fieldCount: Object.keys(raw).length,
    entry,
  };
}

function pricesOf(raw: SourceRecord): Prices {
  const prices: Prices = {};
  for (const [field, name] of TOKEN_PRICES) {
    const value = perMillion(raw[field]);
    if (value !== undefined) prices[name] = value;
  }
  const oneHour = perMillion(raw.cache_creation_input_token_cost_above_1hr);
  if (oneHour !== undefined) prices.cacheWrite1hPerMillion = oneHour;
  if (isPrice(raw.input_cost_per_image)) prices.perImage = scaledDecimal(raw.input_cost_per_image, 0);
  const tiers = tiersOf(raw, prices);
  if (tiers.length > 0) prices.tiers = tiers;
  return prices;
}

/** Long-context prices: `*_above_<N>k_tokens` fields and `tiered_pricing` input-token ranges. */
function tiersOf(raw: SourceRecord, base: Prices): PriceTier[] {
  const byThreshold = new Map<number, PriceTier>();
  const tierAt = (threshold: number): PriceTier => {
    let tier = byThreshold.get(threshold);
    if (!tier) byThreshold.set(threshold, (tier = { aboveInputTokens: threshold }));
    return tier;
  };
  for (const [field, value] of Object.entries(raw)) {
    const match = TIER_FIELD.exec(field);
    if (!match) continue;
    const name = TOKEN_PRICES.find(([sourceField]) => sourceField === match[1])?.[1];
    const price = perMillion(value);
    if (name && price !== undefined) tierAt(Number(match[2]) * 1000)[name] = price;
  }
  const ranges = Array.isArray(raw.tiered_pricing) ? raw.tiered_pricing : [];
  for (const range of ranges) {
    if (!isRecord(range) || !Array.isArray(range.range)) continue;
    const start = range.range[0];
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) continue;
    // The first range holds the base prices when the record has no flat ones.
    const target: Prices | PriceTier = start === 0 ? base : tierAt(start);
    for (const [field, name] of TOKEN_PRICES) {
      const price = perMillion(range[field]);
      if (price !== undefined && target[name] === undefined) target[name] = price;
    }
  }
  return [...byThreshold.values()].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
}

function capabilitiesOf(raw: SourceRecord, mode: CatalogMode): Capabilities {
  const capabilities = {} as Capabilities;
  for (const name of CAPABILITY_NAMES) capabilities[name] = raw[CAPABILITY_FLAGS[name]] === true;
  // The table flags system-message support mostly where it is missing; generative models without a
  // flag (every Claude, for one) accept system instructions.
  if (mode !== 'embedding' && raw.supports_system_messages === undefined) capabilities.systemMessages = true;
  return capabilities;
}

/**
 * One catalog entry from every table key that names the same model at the same provider. The base
 * record (no region in its key) gives the entry; region-keyed records add regional prices.
 */
function mergeGroup(members: Member[]): CatalogEntry {
  const ranked = [...members].sort(compareMembers);
  const base = ranked.filter((member) => member.region === undefined);
  const regional = ranked.filter((member) => member.region !== undefined);
  const primary = base[0] ?? regional[0]!;
  const entry: CatalogEntry = structuredClone(primary.entry);
  const named = base.length > 0 ? base : regional;
  entry.aliases = [...new Set(named.flatMap((member) => [member.key, member.entry.id]))]
    .filter((alias) => alias !== entry.id)
    .sort();
  const regionalPrices: Record<string, Prices> = {};
  for (const member of regional) {
    const region = member.region!;
    if (regionalPrices[region]) continue;
    if (base.length > 0 && samePrices(member.entry.prices, entry.prices)) continue;
    regionalPrices[region] = member.entry.prices;
  }
  const regions = Object.keys(regionalPrices).sort();
  if (regions.length > 0)
    entry.regionalPrices = Object.fromEntries(regions.map((r) => [r, regionalPrices[r]!]));
  // Without a region-free record, the model is only offered in the regions its keys name.
  if (base.length === 0) {
    entry.regions = [
      ...new Set([...(entry.regions ?? []), ...regional.map((member) => member.region!)]),
    ].sort();
  }
  return entry;
}

/** Priced records first, then the fuller one, then the one keyed by the bare id, then by key. */
function compareMembers(a: Member, b: Member): number {
  const priced =
    Number(b.entry.prices.inputPerMillion !== undefined) -
    Number(a.entry.prices.inputPerMillion !== undefined);
  if (priced !== 0) return priced;
  if (a.fieldCount !== b.fieldCount) return b.fieldCount - a.fieldCount;
  const bare = Number(b.key === b.entry.id) - Number(a.key === a.entry.id);
  if (bare !== 0) return bare;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function samePrices(a: Prices, b: Prices): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function perMillion(value: unknown): string | undefined {
  return isPrice(value) ? scaledDecimal(value, 6) : undefined;
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function optionalInt<K extends string>(name: K, value: unknown): Partial<Record<K, number>> {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
    ? ({ [name]: value } as Record<K, number>)
    : {};
}

function regionsOf(value: unknown): { regions?: string[] } {
  if (!Array.isArray(value)) return {};
  const regions = [...new Set(value.filter((region): region is string => typeof region === 'string'))].sort();
  return regions.length > 0 ? { regions } : {};
}

function isDate(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
