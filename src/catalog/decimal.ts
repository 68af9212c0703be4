import { divideHalfEven, parseDecimal } from '../core/money.ts';

/** Prices keep at most this many significant digits: enough for any published price, few enough to
 * drop binary float noise (1.5000000000000002e-7 is $0.15 per million). */
const SIGNIFICANT_DIGITS = 10;
/** And at most this many decimal places: the precision core/money.ts computes with. */
export const MAX_DECIMALS = 12;

const DECIMAL_TEXT = /^\d+(\.\d+)?$/;

/**
 * `value * 10^shift` as an exact decimal string, rounded to 10 significant digits and 12 decimal
 * places, without trailing zeros: (1.5e-7, 6) -> "0.15". Negative or non-finite values are not prices.
 */
export function scaledDecimal(value: number, shift: number): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a price: ${value}`);
  if (value === 0) return '0';
  // toExponential rounds the binary value to decimal digits exactly as the spec defines, so the
  // digits it returns are the nearest decimal to the float, never its noisy binary tail.
  const [mantissa = '0', exponentText = '0'] = value.toExponential(SIGNIFICANT_DIGITS - 1).split('e');
  const digits = BigInt(mantissa.replace('.', ''));
  // value = digits * 10^(exponent - (SIGNIFICANT_DIGITS - 1)); we want it scaled by 10^MAX_DECIMALS.
  const power = Number(exponentText) - (SIGNIFICANT_DIGITS - 1) + shift + MAX_DECIMALS;
  const scaled = power >= 0 ? digits * 10n ** BigInt(power) : divideHalfEven(digits, 10n ** BigInt(-power));
  return formatScaled(scaled, MAX_DECIMALS);
}

/** An integer scaled by 10^scale, as a decimal string without trailing zeros. */
export function formatScaled(scaled: bigint, scale: number): string {
  const text = scaled.toString().padStart(scale + 1, '0');
  const whole = text.slice(0, text.length - scale);
  const fraction = text.slice(text.length - scale).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/**
 * A price from configuration or a file as a canonical decimal string ("2.50" -> "2.5"). Accepts
 * exponent notation ("1e-7"), since a YAML number can arrive that way.
 */
export function normalizeDecimal(text: string): string {
  const trimmed = text.trim();
  if (DECIMAL_TEXT.test(trimmed)) {
    const places = trimmed.split('.')[1]?.length ?? 0;
    if (places <= MAX_DECIMALS) return formatScaled(parseDecimal(trimmed, MAX_DECIMALS), MAX_DECIMALS);
    const exact = parseDecimal(trimmed, places);
    return formatScaled(divideHalfEven(exact, 10n ** BigInt(places - MAX_DECIMALS)), MAX_DECIMALS);
  }
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`not a non-negative decimal: ${JSON.stringify(text)}`);
  }
  return scaledDecimal(value, 0);
}

export function isDecimal(text: string): boolean {
  return DECIMAL_TEXT.test(text) && (text.split('.')[1]?.length ?? 0) <= MAX_DECIMALS;
}

/** Compares two decimal strings exactly: negative, zero or positive like a sort comparator. */
export function compareDecimal(a: string, b: string): number {
  const left = parseDecimal(a, MAX_DECIMALS);
  const right = parseDecimal(b, MAX_DECIMALS);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The weights of the blended price: three input tokens for every output token, a typical chat mix. */
const BLEND_INPUT = 3n;
const BLEND_OUTPUT = 1n;

/** (3 x input + 1 x output) / 4, exactly, as a decimal string. */
export function blendedPrice(inputPerMillion: string, outputPerMillion: string): string {
  const input = parseDecimal(inputPerMillion, MAX_DECIMALS);
  const output = parseDecimal(outputPerMillion, MAX_DECIMALS);
  // Two extra decimal places make the division by 4 exact.
  const sum = (BLEND_INPUT * input + BLEND_OUTPUT * output) * 100n;
  return formatScaled(sum / (BLEND_INPUT + BLEND_OUTPUT), MAX_DECIMALS + 2);
}

/** a / b rounded to four decimal places, for showing how two prices relate (not for money). */
export function decimalRatio(a: string, b: string): number {
  const numerator = parseDecimal(a, MAX_DECIMALS + 2);
  const denominator = parseDecimal(b, MAX_DECIMALS + 2);
  if (denominator === 0n) throw new RangeError('ratio to a zero price');
  return Number(divideHalfEven(numerator * 10_000n, denominator)) / 10_000;
}
