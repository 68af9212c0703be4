import { costLines } from '../catalog/pricing.ts';
import { catalogTargetOf } from '../catalog/providers.ts';
import type { CatalogTarget, PriceQuote } from '../catalog/types.ts';
import type { PriceOverride } from '../config/schema.ts';
import type { Usage } from '../core/ir.ts';
import { parseDecimal } from '../core/money.ts';
import type { AppliedPrice, PriceQuery, Pricer } from './pricer.ts';

/** What the adapter needs of the catalog. */
export interface PriceSource {
  priceFor(target: string | CatalogTarget, model: string, override?: PriceOverride): PriceQuote | undefined;
  /** The catalog's version: remembered quotes are dropped when it changes (a price sync). */
  readonly version?: string;
}

/** Prices carry at most 12 decimal places (see core/money.ts), so one token at a price is an integer here. */
const PRICE_DECIMALS = 12;

/**
 * Quoting a price hashes it (for its version), so quotes are remembered per provider and model. The
 * bound matters: `provider/model` routes let clients name any model, and each name would stay forever.
 */
const MAX_REMEMBERED = 2048;

/** A Pricer over the model catalog: list prices, regional prices, and target price overrides. */
export function catalogPricer(catalog: PriceSource): Pricer {
  const remembered = new Map<string, AppliedPrice | null>();
  let rememberedVersion = catalog.version;
  return {
    price(query: PriceQuery): AppliedPrice | undefined {
      const version = catalog.version;
      if (version !== rememberedVersion) {
        remembered.clear();
        rememberedVersion = version;
      }
      const key = cacheKey(query);
      const known = remembered.get(key);
      if (known !== undefined) return known ?? undefined;
      const applied = quote(catalog, query);
      if (remembered.size >= MAX_REMEMBERED) remembered.clear();
      remembered.set(key, applied ?? null);
      return applied;
    },
  };
}

function quote(catalog: PriceSource, query: PriceQuery): AppliedPrice | undefined {
  // A provider the catalog does not cover (the emulator, a self-hosted server) can still be priced
  // by an override; the catalog then quotes the override alone.
  const target = catalogTargetOf(query.provider) ?? { provider: query.provider.type };
  const found = catalog.priceFor(target, query.model, query.override);
  if (!found) return undefined;
  const prices = found.prices;
  return {
    version: found.version,
    exactCost(usage: Usage): bigint | undefined {
      const lines = costLines(prices, usage);
      if (lines === undefined) return undefined;
      let exact = 0n;
      for (const line of lines)
        exact += BigInt(line.tokens) * parseDecimal(line.pricePerMillion, PRICE_DECIMALS);
      return exact;
    },
  };
}

function cacheKey(query: PriceQuery): string {
  const { provider, model, override } = query;
  const parts = [
    provider.type,
    provider.preset,
    provider.project,
    provider.location,
    provider.aws_region,
    model,
  ];
  const key = parts.map((part) => part ?? '').join('\u0000');
  return override ? `${key}\u0000${JSON.stringify(override)}` : key;
}
