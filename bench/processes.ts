import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts a Node process and waits until it prints `ready`. TypeScript entry points run through tsx;
 * `.mjs` ones (the built gateway in dist/) run as they are, as in production. Output goes straight
 * to a log file, not through this process, so logging costs the measured process only.
 */
export async function startProcess(
  name: string,
  args: string[],
  ready: RegExp,
  logFile: string,
  nodeFlags: string[] = [],
): Promise<ChildProcess> {
  const loader = args[0]?.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeFlags, ...loader, ...args], { stdio: ['ignore', log, log] });
  closeSync(log);
  const deadline = Date.now() + 30_000;
  while (!ready.test(readFileSync(logFile, 'utf8').slice(0, 100_000))) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8')}`);
    if (Date.now() > deadline)
      throw new Error(`${name} did not start in 30 s:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** Kernel clock ticks per second for /proc times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, every thread) a process has used so far, in microseconds; undefined where
 * /proc is not available. Steadier than latency on a shared machine, so the report shows it per request.
 */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
