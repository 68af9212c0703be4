import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Mean latency, where the client times every request (one connection): mean x requests = time. */
  meanMs?: number;
  /** CPU time the measured process used per request, all its threads (where /proc exists). */
  cpuUsPerRequest?: number;
}

/** One measured load: a POST endpoint, its body and headers, how many connections, for how long. */
export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  /** Where wrk's script is written. */
  workDir: string;
}

/** Runs wrk (a compiled load generator, so the client is never the bottleneck) against a POST endpoint. */
export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const script = join(options.workDir, 'post.lua');
  const headerLines = Object.entries(options.headers)
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join('\n');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(options.body)}\n${headerLines}\n` +
      'function done(summary, latency, requests)\n' +
      '  io.write(string.format("JSON {\\"p50\\":%d,\\"p99\\":%d,\\"rps\\":%f,\\"errors\\":%d,\\"non2xx\\":%d}\\n",\n' +
      '    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6),\n' +
      '    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))\n' +
      'end\n',
  );
  const threads = Math.min(options.connections, 2);
  const output = await run('wrk', [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    options.url,
  ]);
  const line = output.split('\n').find((text) => text.startsWith('JSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${output}`);
  const parsed = JSON.parse(line.slice(5)) as {
    p50: number;
    p99: number;
    rps: number;
    errors: number;
    non2xx: number;
  };
  return {
    connections: options.connections,
    requestsPerSecond: Math.round(parsed.rps),
    p50Ms: parsed.p50 / 1000,
    p99Ms: parsed.p99 / 1000,
    errors: parsed.errors + parsed.non2xx,
  };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) =>
      reject(
        new Error(`${command} could not start (${error.message}); install it with: apt-get install -y wrk`),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)),
    );
  });
}
