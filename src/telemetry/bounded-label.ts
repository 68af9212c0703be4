/** The value every label value past the limit is folded into. */
export const OVERFLOW_LABEL = '__other__';

/**
 * Caps how many distinct values one metric label may take. Route and model names can be minted by
 * clients (`provider/<anything>` resolves to an implicit route), and each new value is a new time
 * series forever, so past the limit new values are folded into one series instead of growing the
 * scrape without bound. Values already seen keep their own series.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  admit(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OVERFLOW_LABEL;
    this.seen.add(value);
    return value;
  }
}
