/** A metric's label values with the key that identifies them (the values, in order, joined). */
export interface LabelSet {
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Label values never hold this character (they are names from configuration or bounded enums). */
export const KEY_SEPARATOR = '\u0000';

export function labelSet(labels: Record<string, string>): LabelSet {
  return { key: Object.values(labels).join(KEY_SEPARATOR), labels: Object.freeze(labels) };
}

/**
 * Values kept by key up to `limit` entries, after which the cache starts over. Label values are bounded
 * upstream (BoundedLabel) but their combinations need not be; what is cached here is only a name for
 * a series, so starting over costs a rebuild, never a count.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): V {
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The label sets of one request series (its base labels and status class), built on first use and
 * reused by every request of the series: a fresh object and key per counter per request were most of
 * what the gateway promoted to V8's old generation at one connection.
 */
export class SeriesLabels {
  readonly base: LabelSet;
  readonly outcome: LabelSet;
  private readonly byTokenType = new Map<string, LabelSet>();
  private readonly byErrorKind = new Map<string, LabelSet>();

  constructor(
    private readonly baseLabels: Readonly<Record<string, string>>,
    private readonly status: string,
  ) {
    this.base = labelSet({ ...baseLabels });
    this.outcome = labelSet({ ...baseLabels, status });
  }

  tokens(type: string): LabelSet {
    return (
      this.byTokenType.get(type) ??
      setAndReturn(this.byTokenType, type, labelSet({ ...this.baseLabels, type }))
    );
  }

  error(kind: string): LabelSet {
    return (
      this.byErrorKind.get(kind) ??
      setAndReturn(
        this.byErrorKind,
        kind,
        labelSet({ ...this.baseLabels, status: this.status, error_kind: kind }),
      )
    );
  }
}

function setAndReturn(map: Map<string, LabelSet>, key: string, value: LabelSet): LabelSet {
  map.set(key, value);
  return value;
}
