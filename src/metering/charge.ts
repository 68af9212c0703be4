import type { PriceOverride } from '../config/schema.ts';
import type { Usage } from '../core/ir.ts';
import { divideHalfEven, type MicroUnits, parseDecimal } from '../core/money.ts';
import { EXACT_PER_MICRO, type PricedProvider, type Pricer } from './pricer.ts';

/** What a request is charged. */
export interface Charge {
  /** Integer micro-USD; 0 when the cost is unknown. */
  costMicros: MicroUnits;
  /** False when nothing prices the model (or a token kind it used): reports flag these. */
  costKnown: boolean;
  priceVersion: string | null;
  /** Tokens were used but the price came to zero: a missing or mistaken price, most likely. */
  zeroCostAnomaly: boolean;
}

export interface ChargeInput {
  pricer: Pricer;
  provider: PricedProvider | undefined;
  model: string | undefined;
  override: PriceOverride | undefined;
  usage: Usage | undefined;
}

const UNKNOWN: Charge = { costMicros: 0, costKnown: false, priceVersion: null, zeroCostAnomaly: false };
const NOTHING_USED: Charge = { costMicros: 0, costKnown: true, priceVersion: null, zeroCostAnomaly: false };

/** Discounts are held in millionths of a percent: 12.5% -> 12_500_000. */
const PERCENT_SCALE = 6;
const WHOLE_PERCENT = 100n * 10n ** BigInt(PERCENT_SCALE);

/**
 * The charge for a request's final usage, streamed or not. The cost is exact until one half-even
 * rounding to micro-USD. A provider's `discount_percent` comes off list prices; a target with its own
 * `price` is charged exactly that negotiated price, undiscounted.
 */
export function chargeFor(input: ChargeInput): Charge {
  const { pricer, provider, model, override, usage } = input;
  if (!usage || totalTokens(usage) === 0) return NOTHING_USED;
  if (!provider || !model) return UNKNOWN;
  const price = pricer.price({ provider, model, ...(override ? { override } : {}) });
  const exact = price?.exactCost(usage);
  if (!price || exact === undefined) return UNKNOWN;
  const discount = override ? 0 : (provider.discount_percent ?? 0);
  const costMicros =
    discount > 0
      ? Number(
          divideHalfEven(exact * (WHOLE_PERCENT - percentScaled(discount)), EXACT_PER_MICRO * WHOLE_PERCENT),
        )
      : Number(divideHalfEven(exact, EXACT_PER_MICRO));
  return {
    costMicros,
    costKnown: true,
    priceVersion: discount > 0 ? `${price.version};discount=${discount}%` : price.version,
    zeroCostAnomaly: costMicros === 0,
  };
}

function percentScaled(percent: number): bigint {
  return parseDecimal(percent.toFixed(PERCENT_SCALE), PERCENT_SCALE);
}

function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheWriteTokens + usage.reasoningTokens;
}
