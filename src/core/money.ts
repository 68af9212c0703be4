/**
 * Money is an integer count of micro-units of a currency (1 USD = 1,000,000 micro-USD). Prices are
 * exact decimal strings per million tokens, so `tokens * price` is exact in integer nano-units before
 * the single half-even rounding to micro-units.
 */
export type MicroUnits = number;

export const MICROS_PER_UNIT = 1_000_000;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Parses a non-negative decimal string into an integer scaled by 10^scale, exactly. */
export function parseDecimal(value: string, scale: number): bigint {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new RangeError(`not a non-negative decimal: ${JSON.stringify(value)}`);
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > scale) {
    const kept = fraction.slice(0, scale);
    const rest = fraction.slice(scale);
    if (/[1-9]/.test(rest)) throw new RangeError(`${value} has more than ${scale} decimal places`);
    return BigInt(whole + kept);
  }
  return BigInt(whole + fraction.padEnd(scale, '0'));
}

/** Divides and rounds half to even, for non-negative operands. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = remainder * 2n;
  if (twice > denominator) return quotient + 1n;
  if (twice < denominator) return quotient;
  return quotient % 2n === 0n ? quotient : quotient + 1n;
}

/** Price scale: prices per million tokens are held with 12 decimal places (pico precision). */
const PRICE_SCALE = 12;
const PRICE_FACTOR = 10n ** BigInt(PRICE_SCALE);

/**
 * The exact cost in micro-units of `tokens` at `pricePerMillion` (a decimal string in currency units
 * per million tokens), rounded once, half-even.
 */
export function costOfTokens(tokens: number, pricePerMillion: string): MicroUnits {
  if (tokens === 0) return 0;
  const price = parseDecimal(pricePerMillion, PRICE_SCALE);
  // units = tokens * price / 1e6 (per million) ; micros = units * 1e6  =>  micros = tokens * price
  const scaled = BigInt(tokens) * price;
  return Number(divideHalfEven(scaled, PRICE_FACTOR));
}

/** Sums several exact per-token costs before the one rounding, so parts never round separately. */
export function costOfLines(lines: Array<{ tokens: number; pricePerMillion: string }>): MicroUnits {
  let scaled = 0n;
  for (const line of lines) {
    if (line.tokens === 0) continue;
    scaled += BigInt(line.tokens) * parseDecimal(line.pricePerMillion, PRICE_SCALE);
  }
  return Number(divideHalfEven(scaled, PRICE_FACTOR));
}

/** Formats micro-units as a decimal string of currency units, e.g. 1234 -> "0.001234". */
export function formatMicros(micros: MicroUnits): string {
  const negative = micros < 0;
  const abs = BigInt(Math.abs(micros));
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
