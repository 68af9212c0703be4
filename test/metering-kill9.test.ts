// The usage ledger survives `kill -9`: the gateway runs as a child process under load, is killed
// without warning, restarts on the same database and journal, and every response a client received
// is in the ledger exactly once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'yaml';
import { readSegment } from '../src/metering/journal.ts';
import { UsageRepository } from '../src/metering/repository.ts';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { openDatabase } from '../src/store/db.ts';
import { TEST_POSTGRES_URL_ENV } from '../src/store/testing.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MASTER_KEY = 'kill9-master-key-0123456789abcdef';
const LOOPS = 8;
/** Long enough that records are still only in the journal when the kill lands. */
const FLUSH_INTERVAL_MS = 1000;
/** The kill lands once this many responses came back, and a flush has run (some records are stored, some not). */
const KILL_AFTER_RESPONSES = 150;
const KILL_NOT_BEFORE_MS = 1200;
const LOAD_DEADLINE_MS = 20_000;

interface Variant {
  name: string;
  /** The storage URL, and a cleanup for whatever was created for it. */
  prepare(dir: string): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const variants: Variant[] = [
  {
    name: 'SQLite',
    prepare: async (dir) => ({ url: `sqlite:${join(dir, 'gateway.db')}`, cleanup: async () => {} }),
  },
];
const postgresUrl = process.env[TEST_POSTGRES_URL_ENV];
if (postgresUrl) {
  variants.push({
    name: 'PostgreSQL',
    prepare: async () => {
      const schema = `switchyard_kill9_${randomBytes(6).toString('hex')}`;
      await adminQuery(postgresUrl, `create schema ${schema}`);
      const url = new URL(postgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return {
        url: url.toString(),
        cleanup: () => adminQuery(postgresUrl, `drop schema if exists ${schema} cascade`),
      };
    },
  });
}

for (const variant of variants) {
  describe(`kill -9 under load (${variant.name})`, () => {
    let dir: string;
    let emulator: EmulatorHandle;
    let storage: { url: string; cleanup(): Promise<void> };
    let configFile: string;
    let child: ChildProcess | undefined;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'switchyard-kill9-'));
      emulator = await startEmulator({ port: 0 });
      storage = await variant.prepare(dir);
      configFile = join(dir, 'switchyard.yaml');
      writeFileSync(
        configFile,
        stringify({
          server: { host: '127.0.0.1', log_level: 'error', log_requests: false },
          storage: { url: storage.url },
          admin: { master_key: MASTER_KEY },
          metering: { journal_dir: join(dir, 'journal'), flush_interval_ms: FLUSH_INTERVAL_MS },
          providers: [{ name: 'upstream', type: 'openai-compatible', base_url: `${emulator.url}/v1` }],
          routes: [
            {
              name: 'chat-default',
              targets: [
                {
                  provider: 'upstream',
                  model: 'emulator-chat',
                  price: { input_per_million: '3', output_per_million: '15' },
                },
              ],
            },
          ],
        }),
      );
    });

    after(async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await emulator.close();
      await storage.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('every response the client received is in the ledger exactly once', async () => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      child = await startChild(configFile, port);
      const clientKey = await createClientKey(baseUrl);

      // Load until the kill: each loop sends one request at a time and keeps the ids of the responses
      // it received in full.
      const completed: string[] = [];
      let sent = 0;
      let stop = false;
      const loop = async (loopIndex: number) => {
        for (let i = 0; !stop; i++) {
          sent += 1;
          try {
            const response = await fetch(`${baseUrl}/v1/chat/completions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                model: 'chat-default',
                messages: [{ role: 'user', content: `loop ${loopIndex} request ${i}` }],
              }),
            });
            const body = (await response.json()) as { choices?: unknown[] };
            if (response.status === 200 && Array.isArray(body.choices)) {
              completed.push(response.headers.get('x-request-id') ?? '');
            }
          } catch {
            stop = true; // the gateway is gone
          }
        }
      };
      const loops = Array.from({ length: LOOPS }, (_, i) => loop(i));
      // However busy the machine, kill mid-load: after enough responses, while requests are in flight.
      const loadStarted = Date.now();
      while (
        (completed.length < KILL_AFTER_RESPONSES || Date.now() - loadStarted < KILL_NOT_BEFORE_MS) &&
        Date.now() - loadStarted < LOAD_DEADLINE_MS
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      stop = true;
      await Promise.all(loops);
      assert.ok(completed.length > 50, `load reached the gateway (${completed.length} responses)`);

      // Prove the restart has work to do: some records were only in the journal at the kill.
      const journaled = new Set(
        readdirSync(join(dir, 'journal')).flatMap((name) =>
          readSegment<{ request_id: string }>(
            join(dir, 'journal'),
            Number(/\d+/.exec(name)?.[0]),
          ).entries.map((entry) => entry.request_id),
        ),
      );
      const before = await withRepository(storage.url, async (repository) => {
        const missing: string[] = [];
        for (const id of journaled) if (!(await repository.get(id))) missing.push(id);
        return missing;
      });
      assert.ok(before.length > 0, 'some records were journaled but not yet in the database at the kill');

      child = await startChild(configFile, port);
      // Replay finishes before the server listens, so the ledger is complete now.
      await withRepository(storage.url, async (repository, store) => {
        const stored = await repository.count();
        for (const id of completed) {
          assert.ok(await repository.get(id), `completed response ${id} is in the ledger`);
        }
        assert.equal(new Set(completed).size, completed.length);
        assert.ok(stored >= completed.length, `${stored} stored >= ${completed.length} completed`);
        assert.ok(stored <= sent, `${stored} stored <= ${sent} sent`);
        // Exactly once, in the rollup too: replays added nothing twice.
        const rollup = await store.db
          .selectFrom('usage_rollup_hourly')
          .select((eb) => eb.fn.sum<number>('request_count').as('requests'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(rollup.requests), stored);
      });
      assert.ok(emulator.stats().completed >= completed.length);

      const exited2 = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited2;
    });
  });
}

async function startChild(configFile: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', '--config', configFile, 'serve', '--port', String(port)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SWITCHYARD_CONFIG: '' } },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Switchyard listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

async function createClientKey(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'load', metadata: { team: 'load-test' } }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { key: string }).key;
}

async function withRepository<T>(
  url: string,
  fn: (repository: UsageRepository, store: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  const store = await openDatabase(url);
  try {
    return await fn(new UsageRepository(store.db), store);
  } finally {
    await store.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
