import { runSequential } from './sequential.ts';
import { type LoadOptions, type LoadResult, runWrk } from './wrk.ts';

/**
 * One measured load at a concurrency: wrk for many connections (a compiled client, never the
 * bottleneck), a sequential client that times every request for one connection (wrk's `-c1`
 * latencies are not self-consistent, see sequential.ts). At one connection the client waits on
 * each answer, so sharing the cores costs it no accuracy: a core is free while the others work.
 */
export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.connections > 1) return runWrk(options);
  const result = await runSequential({
    url: options.url,
    body: options.body,
    headers: options.headers,
    seconds: options.seconds,
    // The caller has warmed the target up, and reads its CPU time around this call: every request
    // sent here is one counted, so the CPU per request divides by the right number.
    warmup: 0,
  });
  return {
    connections: 1,
    requestsPerSecond: Math.round(result.requests / (result.elapsedMs / 1000)),
    p50Ms: result.total.p50Ms,
    p99Ms: result.total.p99Ms,
    meanMs: result.total.meanMs,
    errors: result.errors,
  };
}
