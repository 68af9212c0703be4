import type { Counter, Histogram } from 'prom-client';

/** More distinct label sets than any bounded configuration produces; beyond it, calls go uncached. */
const MAX_CACHED_CHILDREN = 20_000;

/**
 * prom-client validates and hashes a label set on every `inc`/`observe`; a child from `labels()` does
 * it once. Children are cached by their label values, which the callers keep bounded (see
 * BoundedLabel), so per-request metric updates skip that work. Each cache must be used with label
 * objects whose keys come in one order, since the cache key is the values in key order.
 */
export class CounterChildren {
  private readonly children = new Map<string, Counter.Internal>();
  constructor(private readonly counter: Counter<string>) {}

  inc(labels: Record<string, string>, value = 1): void {
    const key = Object.values(labels).join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      if (this.children.size >= MAX_CACHED_CHILDREN) {
        this.counter.inc(labels, value);
        return;
      }
      child = this.counter.labels(labels);
      this.children.set(key, child);
    }
    child.inc(value);
  }
}

export class HistogramChildren {
  private readonly children = new Map<string, Histogram.Internal<string>>();
  constructor(private readonly histogram: Histogram<string>) {}

  observe(labels: Record<string, string>, value: number): void {
    const key = Object.values(labels).join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      if (this.children.size >= MAX_CACHED_CHILDREN) {
        this.histogram.observe(labels, value);
        return;
      }
      child = this.histogram.labels(labels);
      this.children.set(key, child);
    }
    child.observe(value);
  }
}
