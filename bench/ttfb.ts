import { runSequential } from './sequential.ts';

/**
 * Time to first byte of a streamed answer, measured one request at a time (concurrency 1, so a
 * Node client is accurate here): from sending the request to the first body chunk.
 */
export async function measureTtfb(options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  requests: number;
}): Promise<{ p50Ms: number; p99Ms: number }> {
  const result = await runSequential(options);
  if (result.errors > 0) throw new Error(`${result.errors} streaming requests failed`);
  return { p50Ms: result.firstByte.p50Ms, p99Ms: result.firstByte.p99Ms };
}
