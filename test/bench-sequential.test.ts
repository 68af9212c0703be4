// The benchmark's one-connection client: its timings must add up to the elapsed time (the check
// wrk's -c1 statistics fail), it must see a server's real delay, and it must count failed answers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runSequential } from '../bench/sequential.ts';

let server: Server;
let base: string;

before(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const failing = request.url === '/fail';
      // The first byte leaves at once and the last after 4 ms, so the two timings must differ.
      response.writeHead(failing ? 503 : 200, { 'content-type': 'text/plain' });
      response.write('first ');
      setTimeout(() => response.end('last'), 4);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('every request is timed: mean x count is the elapsed time, and the delay is seen', async () => {
  const result = await runSequential({ url: `${base}/ok`, body: '{}', headers: {}, requests: 40, warmup: 2 });
  assert.equal(result.requests, 40);
  assert.equal(result.errors, 0);
  assert.ok(result.total.p50Ms >= 4, `p50 ${result.total.p50Ms} ms is below the server's 4 ms`);
  assert.ok(result.firstByte.p50Ms < result.total.p50Ms, 'the first byte comes before the last');
  const accounted = result.total.meanMs * result.requests;
  assert.ok(
    accounted <= result.elapsedMs && accounted > result.elapsedMs * 0.8,
    `requests account for ${accounted.toFixed(1)} of ${result.elapsedMs.toFixed(1)} ms`,
  );
});

test('answers other than 200 are counted as errors', async () => {
  const result = await runSequential({
    url: `${base}/fail`,
    body: '{}',
    headers: {},
    requests: 5,
    warmup: 0,
  });
  assert.equal(result.errors, 5);
});

test('a time limit stops the loop', async () => {
  const result = await runSequential({ url: `${base}/ok`, body: '{}', headers: {}, seconds: 0.2, warmup: 1 });
  assert.ok(result.requests > 5 && result.requests < 60, `${result.requests} requests in 0.2 s`);
});
