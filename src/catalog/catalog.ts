/**
 * The model catalog in memory: built once at start from the newest synced snapshot or the shipped
 * file, indexed so every lookup on the request path is a Map get.
 */
import { readFileSync } from 'node:fs';
import type { PriceOverride } from '../config/schema.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { readShippedDocument } from './document.ts';
import { applyOverride, hasOverride, priceVersion } from './pricing.ts';
import { precedenceOf, refOf, targetOfRefPrefix } from './providers.ts';
import {
  type AlternativeOptions,
  type Alternatives,
  type CatalogFilter,
  type CatalogView,
  type ComparedModel,
  compareEntries,
  estimateWorkload,
  findAlternatives,
  listEntries,
  searchEntries,
  type Workload,
  type WorkloadEstimate,
} from './queries.ts';
import type { CatalogSnapshotStore } from './sync.ts';
import type { CatalogEntry, CatalogSnapshot, CatalogTarget, PriceQuote } from './types.ts';

const SHIPPED_FILE = new URL('./data/catalog.json', import.meta.url);

let shippedSnapshot: CatalogSnapshot | undefined;

/** The catalog shipped with the package, read once per process. */
export function loadShippedSnapshot(): CatalogSnapshot {
  if (!shippedSnapshot) shippedSnapshot = readShippedDocument(JSON.parse(readFileSync(SHIPPED_FILE, 'utf8')));
  return shippedSnapshot;
}

export interface CatalogOptions {
  /** Stamps the effective date of price overrides. */
  clock?: Clock;
}

export class Catalog implements CatalogView {
  readonly version: string;
  readonly generatedFrom: string;
  readonly sourceDate: string;
  readonly effectiveDate: string;
  readonly entries: readonly CatalogEntry[];
  /** "provider NUL platform" -> id or alias, as written and lower-cased -> entry. */
  private readonly byProvider = new Map<string, Map<string, CatalogEntry>>();
  /** lower-cased id or alias -> entries at every provider, the model's own vendor first. */
  private readonly byName = new Map<string, CatalogEntry[]>();
  private readonly providers = new Set<string>();
  private readonly clock: Clock;
  /** Quotes already computed (hashing a price on every request would be wasted work). */
  private readonly quotes = new Map<string, PriceQuote>();

  constructor(snapshot: CatalogSnapshot, options: CatalogOptions = {}) {
    this.version = snapshot.version;
    this.generatedFrom = snapshot.generatedFrom;
    this.sourceDate = snapshot.sourceDate;
    this.effectiveDate = snapshot.effectiveDate;
    // Entries are shared by every request and every quote: nobody may change them.
    this.entries = Object.freeze(snapshot.entries.map(deepFreeze));
    this.clock = options.clock ?? systemClock;
    // Ids first, so an id always wins over another entry's alias of the same spelling.
    for (const entry of this.entries) this.index(entry, entry.id);
    for (const entry of this.entries) for (const alias of entry.aliases) this.index(entry, alias);
    for (const list of this.byName.values()) list.sort((a, b) => precedenceOf(a) - precedenceOf(b));
  }

  /** The shipped catalog. */
  static shipped(options?: CatalogOptions): Catalog {
    return new Catalog(loadShippedSnapshot(), options);
  }

  /** The newest synced snapshot, or the shipped catalog when none was ever synced. */
  static async fromLatest(store: CatalogSnapshotStore, options?: CatalogOptions): Promise<Catalog> {
    const latest = await store.latest();
    return latest ? new Catalog(latest, options) : Catalog.shipped(options);
  }

  snapshot(): CatalogSnapshot {
    return {
      version: this.version,
      generatedFrom: this.generatedFrom,
      sourceDate: this.sourceDate,
      effectiveDate: this.effectiveDate,
      entries: [...this.entries],
    };
  }

  /**
   * The entry for a model at a provider. Accepts the provider's id or any alias, any letter case,
   * Gemini's `models/` prefix, and OpenAI fine-tune names (`ft:gpt-4o-mini-2024-07-18:org::id`
   * is priced as its base model's fine-tune).
   */
  get(target: string | CatalogTarget, model: string): CatalogEntry | undefined {
    const { provider, platform } = normalizeTarget(target);
    const names = this.byProvider.get(`${provider}\u0000${platform ?? ''}`);
    if (!names) return undefined;
    const found = names.get(model);
    if (found) return found;
    const name = model.toLowerCase();
    if (provider === 'gemini' && name.startsWith('models/')) return names.get(name.slice('models/'.length));
    if (name.startsWith('ft:')) return names.get(name.split(':').slice(0, 2).join(':'));
    return names.get(name);
  }

  /**
   * A model by reference, across providers: `provider/model` (`vertex/...` for Gemini on Vertex AI),
   * a bare id (the model's own vendor first), or an alias such as a public price-table key.
   */
  find(ref: string): CatalogEntry | undefined {
    const slash = ref.indexOf('/');
    if (slash > 0) {
      const target = targetOfRefPrefix(ref.slice(0, slash));
      if (target && this.providers.has(target.provider)) {
        const entry = this.get(target, ref.slice(slash + 1));
        if (entry) return entry;
      }
    }
    return this.byName.get(ref.toLowerCase())?.[0];
  }

  resolve(ref: string): CatalogEntry | undefined {
    return this.find(ref);
  }

  /** Every entry under this name (id or alias) at any provider, the model's own vendor first. */
  findAll(name: string): CatalogEntry[] {
    return [...(this.byName.get(name.toLowerCase()) ?? [])];
  }

  providerNames(): string[] {
    return [...this.providers].sort();
  }

  list(filter?: CatalogFilter): CatalogEntry[] {
    return listEntries(this, filter);
  }

  search(text: string, limit?: number): CatalogEntry[] {
    return searchEntries(this, text, limit);
  }

  compare(refs: string[]): ComparedModel[] {
    return compareEntries(this, refs);
  }

  estimate(workload: Workload, candidates: string[]): WorkloadEstimate {
    return estimateWorkload(this, workload, candidates);
  }

  alternatives(ref: string, options?: AlternativeOptions): Alternatives {
    return findAlternatives(this, ref, options);
  }

  /**
   * The price to charge a model at a provider (a target's region picks regional prices), with a
   * configured override on top. Undefined when neither the catalog nor an override prices the model:
   * its cost is then recorded as unknown.
   */
  priceFor(target: string | CatalogTarget, model: string, override?: PriceOverride): PriceQuote | undefined {
    const normalized = normalizeTarget(target);
    const entry = this.get(normalized, model);
    const regional = normalized.region ? entry?.regionalPrices?.[normalized.region] : undefined;
    const catalogPrices = regional ?? entry?.prices;
    const overridden = hasOverride(override);
    if (!overridden && !catalogPrices) return undefined;
    const ref = refOf(entry ?? { ...normalized, id: model }) + (regional ? `#${normalized.region}` : '');
    const cacheKey = overridden ? `${ref}\u0000${JSON.stringify(override)}` : ref;
    const cached = this.quotes.get(cacheKey);
    if (cached) return cached;
    const prices = overridden ? applyOverride(catalogPrices, override) : catalogPrices!;
    const quote: PriceQuote = overridden
      ? {
          version: priceVersion(ref, prices),
          source: 'config',
          // An override takes effect when the configuration naming it is first used.
          effectiveDate: new Date(this.clock.now()).toISOString(),
          ...(entry ? { catalogVersion: this.version } : {}),
          prices,
        }
      : {
          version: priceVersion(ref, prices),
          source: this.generatedFrom,
          effectiveDate: this.effectiveDate,
          catalogVersion: this.version,
          prices,
        };
    // Keys come from configured targets and catalog entries, so the cache stays small; the cap only
    // guards against a pathological config.
    if (this.quotes.size >= MAX_CACHED_QUOTES) this.quotes.clear();
    this.quotes.set(cacheKey, deepFreeze(quote));
    return quote;
  }

  private index(entry: CatalogEntry, name: string): void {
    const lower = name.toLowerCase();
    const key = `${entry.provider}\u0000${entry.platform ?? ''}`;
    let names = this.byProvider.get(key);
    if (!names) this.byProvider.set(key, (names = new Map()));
    for (const spelling of [name, lower]) if (!names.has(spelling)) names.set(spelling, entry);
    const list = this.byName.get(lower);
    if (!list) this.byName.set(lower, [entry]);
    else if (!list.includes(entry)) list.push(entry);
    this.providers.add(entry.provider);
  }
}

const MAX_CACHED_QUOTES = 10_000;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function normalizeTarget(target: string | CatalogTarget): CatalogTarget {
  const value = typeof target === 'string' ? { provider: target } : target;
  const provider = value.provider.toLowerCase();
  // A Gemini target without a platform is Google AI Studio, the API-key platform.
  const platform = value.platform ?? (provider === 'gemini' ? 'google-ai' : undefined);
  return {
    provider,
    ...(platform ? { platform } : {}),
    ...(value.region ? { region: value.region } : {}),
  };
}
