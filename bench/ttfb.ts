import { Agent, request } from 'undici';

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
  const dispatcher = new Agent({ connections: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < options.requests + 20; i++) {
      const started = process.hrtime.bigint();
      const response = await request(options.url, {
        method: 'POST',
        headers: options.headers,
        body: options.body,
        dispatcher,
      });
      let first: bigint | undefined;
      for await (const _chunk of response.body) {
        first ??= process.hrtime.bigint();
      }
      if (response.statusCode !== 200)
        throw new Error(`streaming request failed with ${response.statusCode}`);
      if (i >= 20 && first !== undefined) samples.push(Number(first - started) / 1e6);
    }
  } finally {
    await dispatcher.close();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
