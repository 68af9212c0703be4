import type { PriceOverride, ProviderConfig } from '../config/schema.ts';
import type { Usage } from '../core/ir.ts';

/** What pricing needs to know about the provider that served a request. */
export type PricedProvider = Pick<
  ProviderConfig,
  'name' | 'type' | 'preset' | 'project' | 'location' | 'aws_region' | 'region' | 'discount_percent'
>;

export interface PriceQuery {
  provider: PricedProvider;
  /** The upstream model name. */
  model: string;
  /** The target's negotiated price (`targets[].price`), which replaces catalog prices it names. */
  override?: PriceOverride;
}

/**
 * Cost is kept exact, in units of 10^-12 micro-USD (a token count times a price with 12 decimal places),
 * until the one rounding to micro-USD, so a discount applied on top never rounds twice.
 */
export const EXACT_PER_MICRO = 10n ** 12n;

/** The price a request is charged at. */
export interface AppliedPrice {
  /** Recorded with the usage, so a later price change never rewrites what was charged. */
  version: string;
  /** Exact cost in 10^-12 micro-USD, or undefined when the usage needs a price the model lacks. */
  exactCost(usage: Usage): bigint | undefined;
}

/** Looks up the price of a model at a provider; undefined when nothing prices it (cost unknown). */
export interface Pricer {
  price(query: PriceQuery): AppliedPrice | undefined;
}
