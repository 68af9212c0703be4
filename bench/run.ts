// `npm run bench`: the gateway's overhead against the emulator called directly and against a bare
// Node pass-through proxy, all measured in one run on this machine. See README "Performance".

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { SERVE_LAUNCH_FLAGS } from '../src/cli/v8-tuning.ts';
import { measureLoad } from './load.ts';
import { cpuMicros, freePort, rssMb, startProcess, stop } from './processes.ts';
import { measureTtfb } from './ttfb.ts';
import { type LoadResult, runWrk } from './wrk.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Load on each target (streamed and not) before measuring, so that its JIT compilation is over. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = [1, 16, 64];
/** The gateway runs as `npm start` launches it, unless BENCH_GATEWAY_FLAGS says otherwise ("" for none). */
const GATEWAY_FLAGS =
  process.env.BENCH_GATEWAY_FLAGS === undefined
    ? [...SERVE_LAUNCH_FLAGS]
    : process.env.BENCH_GATEWAY_FLAGS.split(' ').filter(Boolean);
const MASTER_KEY = 'bench-master-key-0123456789abcdef';
const PROMPT = [{ role: 'user', content: 'Say hello to the benchmark in one short sentence.' }];

interface TargetResult {
  name: string;
  load: LoadResult[];
  ttfb: { p50Ms: number; p99Ms: number };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const children: ChildProcess[] = [];
  try {
    const [emulatorPort, passthroughPort, gatewayPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const passthrough = await buildPassthrough();
    const emulator = await startProcess(
      'emulator',
      ['dist/switchyard.mjs', 'emulate', '--port', String(emulatorPort)],
      /listening/,
      join(work, 'emulator.log'),
    );
    children.push(emulator);
    const passthroughProcess = await startProcess(
      'passthrough',
      [passthrough, emulatorUrl, String(passthroughPort)],
      /listening/,
      join(work, 'passthrough.log'),
    );
    children.push(passthroughProcess);
    const config = join(work, 'switchyard.yaml');
    writeFileSync(
      config,
      [
        'server: { host: 127.0.0.1, log_requests: true }',
        `storage: { url: "sqlite:${join(work, 'bench.db')}" }`,
        `admin: { master_key: "${MASTER_KEY}" }`,
        'providers:',
        `  - { name: emu, type: openai-compatible, base_url: "${emulatorUrl}/v1", api_key: bench }`,
        `  - { name: emu-anthropic, type: anthropic, base_url: "${emulatorUrl}", api_key: bench }`,
        'routes:',
        '  - { name: bench, targets: [{ provider: emu, model: emulator-chat }] }',
        '  - { name: bench-claude, targets: [{ provider: emu-anthropic, model: emulator-chat }] }',
      ].join('\n'),
    );
    const gateway = await startProcess(
      'gateway',
      ['dist/switchyard.mjs', '--config', config, 'serve', '--port', String(gatewayPort)],
      /listening on/,
      join(work, 'gateway.log'),
      GATEWAY_FLAGS,
    );
    children.push(gateway);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const clientKey = await mintKey(gatewayUrl);

    const targets = [
      {
        name: 'emulator (direct)',
        url: `${emulatorUrl}/v1/chat/completions`,
        model: 'emulator-chat',
        key: 'bench',
        pid: emulator.pid,
      },
      {
        name: 'node pass-through',
        url: `http://127.0.0.1:${passthroughPort}/v1/chat/completions`,
        model: 'emulator-chat',
        key: 'bench',
        pid: passthroughProcess.pid,
      },
      {
        name: 'switchyard',
        url: `${gatewayUrl}/v1/chat/completions`,
        model: 'bench',
        key: clientKey,
        pid: gateway.pid,
      },
    ];
    const anthropicBody = (model: string, stream = false) =>
      JSON.stringify({ model, max_tokens: 32, messages: PROMPT, ...(stream ? { stream: true } : {}) });
    const anthropicHeaders = (key: string) => ({
      'content-type': 'application/json',
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
    });
    // Translation cost: the same gateway, one dialect in and another out, next to same-dialect relays.
    const crossTargets = [
      {
        name: 'switchyard anthropic->anthropic (relay)',
        url: `${gatewayUrl}/v1/messages`,
        body: anthropicBody('bench-claude'),
        stream: anthropicBody('bench-claude', true),
        headers: anthropicHeaders(clientKey),
      },
      {
        name: 'switchyard openai->anthropic',
        url: `${gatewayUrl}/v1/chat/completions`,
        body: JSON.stringify({ model: 'bench-claude', messages: PROMPT, max_tokens: 32 }),
        stream: JSON.stringify({
          model: 'bench-claude',
          messages: PROMPT,
          max_tokens: 32,
          stream: true,
          stream_options: { include_usage: true },
        }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
      },
      {
        name: 'switchyard anthropic->openai',
        url: `${gatewayUrl}/v1/messages`,
        body: anthropicBody('bench'),
        stream: anthropicBody('bench', true),
        headers: anthropicHeaders(clientKey),
      },
    ];
    // A long-running server is measured in its steady state: V8 is still optimizing a process's hot
    // functions on its helper threads for several seconds after it starts, which would load the
    // first round's measurements (and the shared cores) with one-time compilation.
    for (const target of targets) {
      const headers = bearerHeaders(target.key);
      for (const body of [chatBody(target.model), chatBody(target.model, true)]) {
        await runWrk({
          url: target.url,
          body,
          headers,
          connections: 16,
          seconds: WARMUP_SECONDS,
          workDir: work,
        });
      }
    }
    // Interleaved rounds: each round measures every target at every concurrency, so drift in the
    // machine's background load touches all targets alike; each figure is the median over rounds.
    const samples = targets.map(() => CONCURRENCY.map((): LoadResult[] => []));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [c, connections] of CONCURRENCY.entries()) {
        for (const [t, target] of targets.entries()) {
          const headers = bearerHeaders(target.key);
          const body = chatBody(target.model);
          await runWrk({ url: target.url, body, headers, connections, seconds: 1, workDir: work }); // warm-up
          const cpuBefore = target.pid === undefined ? undefined : cpuMicros(target.pid);
          const load = await measureLoad({
            url: target.url,
            body,
            headers,
            connections,
            seconds: SECONDS,
            workDir: work,
          });
          const cpuAfter = target.pid === undefined ? undefined : cpuMicros(target.pid);
          if (cpuBefore !== undefined && cpuAfter !== undefined && load.requestsPerSecond > 0)
            load.cpuUsPerRequest = (cpuAfter - cpuBefore) / (load.requestsPerSecond * SECONDS);
          samples[t]?.[c]?.push(load);
        }
      }
      process.stdout.write(`round ${round + 1} of ${ROUNDS} measured\n`);
    }
    const results: TargetResult[] = [];
    for (const [t, target] of targets.entries()) {
      const headers = bearerHeaders(target.key);
      const ttfb = await measureTtfb({
        url: target.url,
        body: chatBody(target.model, true),
        headers,
        requests: 300,
      });
      const load = CONCURRENCY.map((connections, c) => medianLoad(connections, samples[t]?.[c] ?? []));
      results.push({ name: target.name, load, ttfb });
    }
    const cross: TargetResult[] = [];
    for (const target of crossTargets) {
      const load: LoadResult[] = [];
      for (const connections of [1, 64]) {
        await runWrk({
          url: target.url,
          body: target.body,
          headers: target.headers,
          connections,
          seconds: 1,
          workDir: work,
        });
        load.push(
          await measureLoad({
            url: target.url,
            body: target.body,
            headers: target.headers,
            connections,
            seconds: SECONDS,
            workDir: work,
          }),
        );
      }
      const ttfb = await measureTtfb({
        url: target.url,
        body: target.stream,
        headers: target.headers,
        requests: 200,
      });
      cross.push({ name: target.name, load, ttfb });
      process.stdout.write(`measured ${target.name}\n`);
    }
    const gatewayRssMb = rssMb(gateway.pid as number);
    report(results, cross, gatewayRssMb, work);
  } finally {
    for (const child of children.reverse()) await stop(child);
  }
}

function bearerHeaders(key: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${key}` };
}

/** The measured request: a short chat completion, streamed (with usage) or not. */
function chatBody(model: string, stream = false): string {
  return JSON.stringify({
    model,
    messages: PROMPT,
    max_tokens: 32,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** The pass-through runs as plain JavaScript, like the gateway's bundle: neither pays for a loader. */
async function buildPassthrough(): Promise<string> {
  const outfile = join(process.cwd(), 'dist', 'bench', 'passthrough.mjs');
  await build({
    entryPoints: [join(process.cwd(), 'bench', 'passthrough.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Each figure's median over the rounds (a run's p99 and its throughput need not come from one round). */
function medianLoad(connections: number, runs: LoadResult[]): LoadResult {
  const cpu = runs.flatMap((run) => (run.cpuUsPerRequest === undefined ? [] : [run.cpuUsPerRequest]));
  const means = runs.flatMap((run) => (run.meanMs === undefined ? [] : [run.meanMs]));
  return {
    connections,
    requestsPerSecond: Math.round(median(runs.map((run) => run.requestsPerSecond))),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    ...(means.length > 0 ? { meanMs: median(means) } : {}),
    ...(cpu.length > 0 ? { cpuUsPerRequest: Math.round(median(cpu)) } : {}),
  };
}

async function mintKey(gatewayUrl: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (response.status !== 201)
    throw new Error(`could not mint a bench key: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

function report(results: TargetResult[], cross: TargetResult[], gatewayRssMb: number, work: string): void {
  const [direct, passthrough, gateway] = results as [TargetResult, TargetResult, TargetResult];
  const rows: string[] = [];
  const fmt = (n: number) => n.toFixed(3);
  rows.push(
    '(at 1 connection a sequential client times every request; wrk measures 16 and 64)',
    '| target | conc | req/s | p50 ms | p99 ms | CPU µs/req | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const result of results) {
    for (const load of result.load) {
      rows.push(
        `| ${result.name} | ${load.connections} | ${load.requestsPerSecond} | ${fmt(load.p50Ms)} | ${fmt(load.p99Ms)} | ${load.cpuUsPerRequest ?? '-'} | ${load.errors} |`,
      );
    }
  }
  const added = (index: number) => ({
    p50Us: Math.round(((gateway.load[index]?.p50Ms ?? 0) - (direct.load[index]?.p50Ms ?? 0)) * 1000),
    p99Us: Math.round(((gateway.load[index]?.p99Ms ?? 0) - (direct.load[index]?.p99Ms ?? 0)) * 1000),
  });
  const saturation = (result: TargetResult) => Math.max(...result.load.map((load) => load.requestsPerSecond));
  const summary = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    gatewayFlags: GATEWAY_FLAGS,
    seconds: SECONDS,
    rounds: ROUNDS,
    results,
    crossDialect: cross,
    overhead: {
      addedLatencyC1: added(0),
      addedLatencyC16: added(1),
      addedLatencyC64: added(2),
      saturationRps: {
        direct: saturation(direct),
        passthrough: saturation(passthrough),
        gateway: saturation(gateway),
      },
      saturationVsPassthrough: Math.round((saturation(gateway) / saturation(passthrough)) * 100) / 100,
      streamingTtfbAddedMs: Math.round((gateway.ttfb.p50Ms - direct.ttfb.p50Ms) * 1000) / 1000,
      gatewayRssMb,
    },
  };
  rows.push(
    '',
    '| cross-dialect (gateway) | conc | req/s | p50 ms | p99 ms | stream TTFB p50 ms |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const result of cross) {
    for (const load of result.load) {
      rows.push(
        `| ${result.name} | ${load.connections} | ${load.requestsPerSecond} | ${fmt(load.p50Ms)} | ${fmt(load.p99Ms)} | ${fmt(result.ttfb.p50Ms)} |`,
      );
    }
  }
  rows.push('', '| streaming TTFB | p50 ms | p99 ms |', '|---|---:|---:|');
  for (const result of results)
    rows.push(`| ${result.name} | ${fmt(result.ttfb.p50Ms)} | ${fmt(result.ttfb.p99Ms)} |`);
  rows.push(
    '',
    `added latency at c=1: p50 ${summary.overhead.addedLatencyC1.p50Us} us, p99 ${summary.overhead.addedLatencyC1.p99Us} us`,
    `saturation: gateway ${summary.overhead.saturationRps.gateway} req/s = ${Math.round(summary.overhead.saturationVsPassthrough * 100)} % of the Node pass-through (${summary.overhead.saturationRps.passthrough} req/s)`,
    `streaming TTFB added: ${summary.overhead.streamingTtfbAddedMs} ms; gateway RSS after the run: ${gatewayRssMb} MB (gateway started with: ${GATEWAY_FLAGS.join(' ') || 'no flags'})`,
    `CPU per request (all threads) at c=1: gateway ${gateway.load[0]?.cpuUsPerRequest ?? '-'} us, pass-through ${passthrough.load[0]?.cpuUsPerRequest ?? '-'} us, emulator ${direct.load[0]?.cpuUsPerRequest ?? '-'} us; at c=64: gateway ${gateway.load[2]?.cpuUsPerRequest ?? '-'} us, pass-through ${passthrough.load[2]?.cpuUsPerRequest ?? '-'} us`,
  );
  process.stdout.write(`\n${rows.join('\n')}\n`);
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\nwrote bench/results/latest.json (logs in ${work})\n`);
}

await main();
