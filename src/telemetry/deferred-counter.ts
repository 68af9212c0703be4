import type { Counter } from 'prom-client';
import type { LabelSet } from './label-sets.ts';

/**
 * Per-request counter increments kept as plain sums by label set, and added to the prom-client counter
 * when it is read (a scrape): prom-client hashes and validates the label set on every `inc`, which is
 * work a scrape can do once per label set instead of every request doing it several times. Label
 * values are bounded by the callers (BoundedLabel), so the pending sums are too.
 */
export class DeferredCounter {
  private readonly pending = new Map<string, { labels: Readonly<Record<string, string>>; value: number }>();

  constructor(private readonly counter: Counter<string>) {
    // prom-client calls `collect` before every read of the metric, for /metrics and for `get()` alike.
    (counter as { collect?: () => void }).collect = () => this.flush();
  }

  /** Label sets of one series must share a key (`labelSet` builds it from the values in order). */
  inc(set: LabelSet, value = 1): void {
    const entry = this.pending.get(set.key);
    if (entry) entry.value += value;
    else this.pending.set(set.key, { labels: set.labels, value });
  }

  private flush(): void {
    for (const { labels, value } of this.pending.values()) this.counter.inc(labels, value);
    this.pending.clear();
  }
}
