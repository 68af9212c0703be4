import { Agent, request } from 'undici';

/** Percentiles of one set of timings, in milliseconds. */
export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface SequentialResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  /** From sending the request to the last byte of the answer. */
  total: Percentiles;
  /** From sending the request to the first body chunk (time to first byte of a stream). */
  firstByte: Percentiles;
}

/**
 * A closed loop on one keep-alive connection: each request is sent when the previous answer ends,
 * and each is timed on its own. At one connection this is the measurement to trust: wrk's latency
 * statistics at `-c1` contradict its own request count on this machine (a mean of 9 ms at 6,300
 * sequential requests a second), while here the mean times the count always equals the elapsed
 * time, which `elapsedMs` lets a caller check.
 */
export async function runSequential(options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Stop after this many measured requests, or after `seconds`, whichever comes first. */
  requests?: number;
  seconds?: number;
  /** Requests sent first and not measured (connection set-up, the first answers). */
  warmup?: number;
}): Promise<SequentialResult> {
  const dispatcher = new Agent({ connections: 1 });
  const totals: number[] = [];
  const firstBytes: number[] = [];
  const warmup = options.warmup ?? 20;
  const limit = options.requests ?? Number.POSITIVE_INFINITY;
  let errors = 0;
  let measuredFrom = 0n;
  let deadline = Number.POSITIVE_INFINITY;
  try {
    for (let i = 0; totals.length < limit; i++) {
      if (i === warmup) {
        measuredFrom = process.hrtime.bigint();
        if (options.seconds !== undefined) deadline = Date.now() + options.seconds * 1000;
      }
      if (Date.now() >= deadline) break;
      const started = process.hrtime.bigint();
      const response = await request(options.url, {
        method: 'POST',
        headers: options.headers,
        body: options.body,
        dispatcher,
      });
      let first: bigint | undefined;
      for await (const _chunk of response.body) first ??= process.hrtime.bigint();
      const ended = process.hrtime.bigint();
      if (i < warmup) continue;
      if (response.statusCode !== 200) errors++;
      totals.push(Number(ended - started) / 1e6);
      firstBytes.push(Number((first ?? ended) - started) / 1e6);
    }
  } finally {
    await dispatcher.close();
  }
  return {
    requests: totals.length,
    errors,
    elapsedMs: Number(process.hrtime.bigint() - measuredFrom) / 1e6,
    total: percentiles(totals),
    firstByte: percentiles(firstBytes),
  };
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return { p50Ms: at(0.5), p99Ms: at(0.99), meanMs: sorted.length > 0 ? sum / sorted.length : Number.NaN };
}
