import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { Catalog, loadShippedSnapshot } from './catalog.ts';
import { serializeCatalog } from './document.ts';
import { FileSnapshotStore, loadCatalogSource, redactUrl, syncCatalog } from './sync.ts';

const clock = new ManualClock(Date.parse('2026-08-01T09:30:00Z'));
let dir: string;

function table(miniInputPerToken = 1.5e-7): Record<string, unknown> {
  return {
    last_updated: '2026-07-30T00:00:00Z',
    'gpt-4o-mini': {
      litellm_provider: 'openai',
      mode: 'chat',
      input_cost_per_token: miniInputPerToken,
      output_cost_per_token: 6e-7,
      max_input_tokens: 128000,
    },
    'groq/llama-3.1-8b-instant': {
      litellm_provider: 'groq',
      mode: 'chat',
      input_cost_per_token: 5e-8,
      output_cost_per_token: 8e-8,
    },
  };
}

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp): Promise<void> {
  return assert.rejects(promise, (error) => {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.status, status);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

let server: Server;
let baseUrl: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-sync-'));
  server = createServer((request, response) => {
    if (request.url?.startsWith('/prices.json')) {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(table()));
    } else if (request.url === '/huge') {
      // No content-length: the cap must hold while streaming.
      response.write(`{"padding":"${'x'.repeat(64 * 1024)}`);
      response.end('"}');
    } else {
      response.statusCode = 500;
      response.end('oops');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('sync from the public table format converts it like the generator, effective now', async () => {
  const path = write('table.json', JSON.stringify(table()));
  const snapshot = await loadCatalogSource(path, { clock });
  assert.equal(snapshot.generatedFrom, path);
  assert.equal(snapshot.sourceDate, '2026-07-30');
  assert.equal(snapshot.effectiveDate, '2026-08-01T09:30:00.000Z');
  const models = new Catalog(snapshot);
  assert.equal(models.get('openai', 'gpt-4o-mini')?.prices.inputPerMillion, '0.15');
  assert.equal(models.get('groq', 'llama-3.1-8b-instant')?.prices.outputPerMillion, '0.08');
  assert.equal(models.priceFor('openai', 'gpt-4o-mini')?.effectiveDate, '2026-08-01T09:30:00.000Z');
});

test('sync from the catalog format keeps its content and version', async () => {
  const shipped = loadShippedSnapshot();
  const path = write('catalog.json', serializeCatalog(shipped));
  const snapshot = await loadCatalogSource(path, { clock });
  assert.equal(snapshot.version, shipped.version);
  assert.equal(snapshot.entries.length, shipped.entries.length);
  assert.equal(snapshot.effectiveDate, '2026-08-01T09:30:00.000Z');
});

test('a source that is not a catalog is refused with the reason', async () => {
  await rejects(loadCatalogSource(write('bad.json', '{nope'), { clock }), 400, /is not JSON/);
  await rejects(
    loadCatalogSource(write('other.json', '{"a":1}'), { clock }),
    400,
    /neither a Switchyard catalog/,
  );
  const broken = serializeCatalog(loadShippedSnapshot()).replace(
    '"inputPerMillion":"0.15"',
    '"inputPerMillion":"-1"',
  );
  await rejects(
    loadCatalogSource(write('broken.json', broken), { clock }),
    400,
    /entries\.\d+\.prices\.inputPerMillion/,
  );
  await rejects(loadCatalogSource(join(dir, 'missing.json'), { clock }), 404);
  await rejects(loadCatalogSource(write('big.json', JSON.stringify(table())), { maxBytes: 10 }), 413);
});

test('sync from a URL names it without credentials', async () => {
  const snapshot = await loadCatalogSource(
    `http://user:secret@127.0.0.1:${new URL(baseUrl).port}/prices.json?token=abc`,
    {
      clock,
    },
  );
  assert.equal(snapshot.generatedFrom, `${baseUrl}/prices.json`);
  assert.ok(!JSON.stringify(snapshot).includes('secret') && !JSON.stringify(snapshot).includes('abc'));
  assert.equal(redactUrl('https://a:b@example.com/x.json?sig=1#f'), 'https://example.com/x.json');
});

test('a failing or oversized URL is refused', async () => {
  await rejects(loadCatalogSource(`${baseUrl}/error?key=hidden`, { clock }), 502, /answered HTTP 500/);
  await rejects(loadCatalogSource(`${baseUrl}/huge`, { clock, maxBytes: 1024 }), 413);
  await assert.rejects(loadCatalogSource(`${baseUrl}/error?key=hidden`, { clock }), (error: Error) => {
    assert.ok(!error.message.includes('hidden'));
    return true;
  });
});

test('snapshots are stored, made current and read back; the catalog starts from the newest', async () => {
  const store = new FileSnapshotStore(join(dir, 'store'));
  assert.equal(await store.latest(), undefined);
  assert.equal((await Catalog.fromLatest(store)).version, loadShippedSnapshot().version);

  const first = await syncCatalog(write('v1.json', JSON.stringify(table())), store, { clock });
  assert.equal(first.changed, true);
  const started = await Catalog.fromLatest(store);
  assert.equal(started.version, first.snapshot.version);
  const before = started.priceFor('openai', 'gpt-4o-mini');

  clock.advance(86_400_000);
  const same = await syncCatalog(write('v1-again.json', JSON.stringify(table())), store, { clock });
  assert.equal(same.changed, false);
  // The prices have applied since the first sync, not since this one.
  assert.equal(same.snapshot.effectiveDate, '2026-08-01T09:30:00.000Z');

  const repriced = await syncCatalog(write('v2.json', JSON.stringify(table(1e-7))), store, { clock });
  assert.equal(repriced.changed, true);
  const after = (await Catalog.fromLatest(store)).priceFor('openai', 'gpt-4o-mini');
  assert.equal(after?.prices.inputPerMillion, '0.1');
  assert.equal(after?.effectiveDate, '2026-08-02T09:30:00.000Z');
  assert.notEqual(after?.version, before?.version);
  // The earlier snapshot is kept: what was charged before can still be looked up.
  assert.ok(existsSync(join(dir, 'store', `${first.snapshot.version}.json`)));
});
