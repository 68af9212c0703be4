import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
// Resolved here: the commands run in temporary directories, where a bare `tsx` would not resolve.
const TSX = import.meta.resolve('tsx');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `switchyard <args>` in `cwd` with no provider keys in its environment. */
async function cli(cwd: string, ...args: string[]): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function writePriceTable(file: string, inputPerToken: number, outputPerToken: number): void {
  writeFileSync(
    file,
    JSON.stringify({
      'gpt-4o-mini': {
        litellm_provider: 'openai',
        mode: 'chat',
        max_input_tokens: 128000,
        input_cost_per_token: inputPerToken,
        output_cost_per_token: outputPerToken,
      },
    }),
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('switchyard catalog', () => {
  const dirs: string[] = [];
  const workdir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-cli-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('list --json filters and searches in the API format', async () => {
    const dir = workdir();
    const embeddings = await cli(
      dir,
      'catalog',
      'list',
      '--provider',
      'openai',
      '--mode',
      'embedding',
      '--json',
    );
    assert.equal(embeddings.code, 0, embeddings.stderr);
    const listed = JSON.parse(embeddings.stdout) as {
      data: Array<{ id: string; mode: string }>;
      total: number;
    };
    assert.ok(listed.data.length > 0);
    assert.equal(listed.total, listed.data.length);
    assert.ok(listed.data.every((model) => model.id.startsWith('openai/') && model.mode === 'embedding'));

    const searched = await cli(dir, 'catalog', 'list', '--search', 'gpt-4o-mini', '--limit', '1', '--json');
    const found = JSON.parse(searched.stdout) as { data: Array<{ id: string }>; total: number };
    assert.deepEqual(
      found.data.map((model) => model.id),
      ['openai/gpt-4o-mini'],
    );
    assert.ok(found.total > 1, 'the total counts every match, not only those shown');

    const bad = await cli(dir, 'catalog', 'list', '--capability', 'telepathy');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown capability "telepathy"/);
  });

  test('get prints a model, and fails clearly for an unknown one', async () => {
    const dir = workdir();
    const shown = await cli(dir, 'catalog', 'get', 'openai/gpt-4o-mini');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^model: +openai\/gpt-4o-mini$/m);
    assert.match(shown.stdout, /^input \$\/M: +0\.15$/m);
    assert.match(shown.stdout, /^context window: +128,000$/m);
    const unknown = await cli(dir, 'catalog', 'get', 'openai/gpt-99');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /"openai\/gpt-99" is not in the catalog/);
  });

  test('estimate prints exact costs, cheapest first', async () => {
    const dir = workdir();
    const args = [
      'catalog',
      'estimate',
      '--requests-per-day',
      '1000',
      '--input-tokens',
      '1000',
      '--output-tokens',
      '500',
    ];
    const text = await cli(dir, ...args, 'openai/gpt-4o', 'openai/gpt-4o-mini');
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.match(lines[1] ?? '', /^openai\/gpt-4o-mini +\$0\.000450 +\$13\.500000 +1\.00x$/);
    assert.match(lines[2] ?? '', /^openai\/gpt-4o +\$0\.007500 +\$225\.000000 +16\.67x$/);
    const json = await cli(dir, ...args, '--days', '7', '--json', 'openai/gpt-4o-mini');
    const estimate = JSON.parse(json.stdout) as { requests: number; data: Array<{ total_micros: number }> };
    assert.equal(estimate.requests, 7000);
    assert.equal(estimate.data[0]?.total_micros, 3_150_000);
  });

  test('sync writes a snapshot in .switchyard/catalog that later commands use', async () => {
    const dir = workdir();
    writePriceTable(join(dir, 'prices.json'), 2e-7, 8e-7);
    const synced = await cli(dir, 'catalog', 'sync', '--from', 'prices.json');
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /is now current/);
    const version = readFileSync(join(dir, '.switchyard', 'catalog', 'current'), 'utf8').trim();
    assert.ok(existsSync(join(dir, '.switchyard', 'catalog', `${version}.json`)));

    const model = JSON.parse((await cli(dir, 'catalog', 'get', 'openai/gpt-4o-mini', '--json')).stdout) as {
      prices: Record<string, string>;
      price_source: string;
    };
    assert.equal(model.prices.input_per_million, '0.2');
    assert.equal(model.price_source, 'prices.json');

    const again = await cli(dir, 'catalog', 'sync', '--from', 'prices.json');
    assert.match(again.stdout, /already current/);

    const missing = await cli(dir, 'catalog', 'sync', '--from', 'absent.json');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No catalog source at absent\.json/);
  });

  test('sync keeps snapshots beside the configured database, or in catalog.snapshot_dir', async () => {
    const besideDb = workdir();
    writeFileSync(join(besideDb, 'switchyard.yaml'), 'storage:\n  url: sqlite:data/gateway.db\n');
    writePriceTable(join(besideDb, 'prices.json'), 2e-7, 8e-7);
    assert.equal((await cli(besideDb, 'catalog', 'sync', '--from', 'prices.json')).code, 0);
    assert.ok(existsSync(join(besideDb, 'data', 'catalog', 'current')));

    const configured = workdir();
    writeFileSync(join(configured, 'switchyard.yaml'), 'catalog:\n  snapshot_dir: prices/snapshots\n');
    writePriceTable(join(configured, 'prices.json'), 2e-7, 8e-7);
    assert.equal((await cli(configured, 'catalog', 'sync', '--from', 'prices.json')).code, 0);
    assert.ok(existsSync(join(configured, 'prices', 'snapshots', 'current')));
    assert.ok(!existsSync(join(configured, '.switchyard', 'catalog')));
  });

  describe('discover', () => {
    let emulator: EmulatorHandle;
    before(async () => {
      emulator = await startEmulator({ models: ['llama-3.3-70b-versatile', 'my-private-model'] });
    });
    after(() => emulator.close());

    test("marks each provider's models in or missing from the catalog; a failing provider is reported", async () => {
      const dir = workdir();
      const port = await closedPort();
      writeFileSync(
        join(dir, 'switchyard.yaml'),
        [
          'providers:',
          '  - name: groq-local',
          '    type: openai-compatible',
          '    preset: groq',
          `    base_url: ${emulator.url}/v1`,
          '  - name: unreachable',
          '    type: openai-compatible',
          `    base_url: http://127.0.0.1:${port}/v1`,
          '',
        ].join('\n'),
      );
      const json = await cli(dir, 'catalog', 'discover', '--json', '--timeout', '5000');
      assert.equal(json.code, 0, json.stderr);
      const results = JSON.parse(json.stdout) as Array<{
        provider: string;
        status: string;
        catalog_provider: string | null;
        error?: string;
        models: Array<{ model: string; in_catalog: boolean; catalog_model: string | null }>;
      }>;
      const groq = results.find((result) => result.provider === 'groq-local');
      assert.equal(groq?.status, 'ok');
      assert.equal(groq?.catalog_provider, 'groq');
      const byModel = new Map(groq?.models.map((model) => [model.model, model]));
      assert.deepEqual(byModel.get('llama-3.3-70b-versatile'), {
        model: 'llama-3.3-70b-versatile',
        in_catalog: true,
        catalog_model: 'groq/llama-3.3-70b-versatile',
        deprecation_date: null,
      });
      assert.equal(byModel.get('my-private-model')?.in_catalog, false);
      assert.equal(byModel.get('emulator-chat')?.in_catalog, false);
      const unreachable = results.find((result) => result.provider === 'unreachable');
      assert.equal(unreachable?.status, 'failed');
      assert.match(unreachable?.error ?? '', /unreachable/);

      const text = await cli(dir, 'catalog', 'discover', '--timeout', '5000');
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stdout,
        /groq-local \(openai-compatible, catalog: groq\): 4 models, 1 in catalog, 3 missing/,
      );
      assert.match(text.stdout, /llama-3\.3-70b-versatile +-> +groq\/llama-3\.3-70b-versatile/);
      assert.match(text.stdout, /missing from catalog:\n(?: {4}\S+\n)*? {4}my-private-model/);
      assert.match(text.stdout, /unreachable \(openai-compatible\): failed: /);
    });
  });
});
