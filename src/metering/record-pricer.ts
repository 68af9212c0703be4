import type { PriceOverride, RouteConfig } from '../config/schema.ts';
import { type Charge, chargeFor } from './charge.ts';
import type { PricedProvider, Pricer } from './pricer.ts';

/** What pricing needs of a stored record: where it was served, and its tokens. */
export interface PricedUsage {
  provider: string | null;
  model: string | null;
  route: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

/**
 * Prices a stored record at today's prices, or returns undefined when that is no longer possible (its
 * provider was removed from the configuration, so neither its catalog entry nor its discount is known);
 * such a record keeps the price it was charged.
 */
export type RecordPricer = (record: PricedUsage) => Charge | undefined;

export interface RecordPricerOptions {
  pricer: Pricer;
  /** The configured providers (for catalog lookup and discounts), by name. */
  providers: readonly PricedProvider[];
  /** The configured routes, for a target's negotiated `price`. */
  routes?: readonly Pick<RouteConfig, 'name' | 'targets'>[];
}

/**
 * A RecordPricer over the configuration and a catalog pricer: the same rules as at request time (list
 * price, a target's negotiated price, a provider's discount), so a re-priced record reads as if it had
 * been served today.
 */
export function recordPricer(options: RecordPricerOptions): RecordPricer {
  const providers = new Map(options.providers.map((provider) => [provider.name, provider]));
  const overrides = new Map<string, PriceOverride>();
  for (const route of options.routes ?? []) {
    for (const target of route.targets) {
      if (target.price) overrides.set(overrideKey(route.name, target.provider, target.model), target.price);
    }
  }
  return (record) => {
    const provider = record.provider ? providers.get(record.provider) : undefined;
    if (!provider) return undefined;
    const override =
      record.route && record.model
        ? overrides.get(overrideKey(record.route, provider.name, record.model))
        : undefined;
    return chargeFor({
      pricer: options.pricer,
      provider,
      model: record.model ?? undefined,
      override,
      usage: {
        inputTokens: record.input_tokens,
        outputTokens: record.output_tokens,
        cacheReadTokens: record.cache_read_tokens,
        cacheWriteTokens: record.cache_write_tokens,
        reasoningTokens: record.reasoning_tokens,
      },
    });
  };
}

function overrideKey(route: string, provider: string, model: string): string {
  return JSON.stringify([route, provider, model]);
}
