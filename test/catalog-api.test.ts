import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { LiveCatalog } from '../src/catalog/live.ts';
import { FileSnapshotStore, loadCatalogSource } from '../src/catalog/sync.ts';
import { ManualClock } from '../src/core/clock.ts';
import { Authenticator, type KeyVerifier } from '../src/identity/authenticator.ts';
import { hashKey } from '../src/identity/key-hash.ts';
import { registerCatalogRoutes } from '../src/server/catalog-routes.ts';

const CLIENT_KEY = 'sk-client-test';
const ADMIN_KEY = 'sk-admin-test';
/** 2026-08-01: after the shipped catalog's source date. */
const NOW = Date.parse('2026-08-01T00:00:00Z');

const keys: KeyVerifier = {
  verifyHash(hash) {
    if (hash === hashKey(CLIENT_KEY))
      return { id: 'key_client', name: 'client', role: 'client', metadata: {} };
    if (hash === hashKey(ADMIN_KEY)) return { id: 'key_admin', name: 'admin', role: 'admin', metadata: {} };
    return undefined;
  },
  noteUse() {},
};

/** A public price table (USD per token) whose only model is gpt-4o-mini at $0.20 / $0.80 per million. */
function writePriceTable(dir: string, name: string, input: number, output: number): string {
  const file = join(dir, name);
  const table = {
    'gpt-4o-mini': {
      litellm_provider: 'openai',
      mode: 'chat',
      max_input_tokens: 128000,
      max_output_tokens: 16384,
      input_cost_per_token: input,
      output_cost_per_token: output,
      supports_function_calling: true,
    },
  };
  writeFileSync(file, JSON.stringify(table));
  return file;
}

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('catalog API', () => {
  let app: FastifyInstance;
  let live: LiveCatalog;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-api-'));
    const clock = new ManualClock(NOW);
    live = await LiveCatalog.open(new FileSnapshotStore(join(dir, 'snapshots')), { clock });
    app = Fastify({ logger: false });
    registerCatalogRoutes(app, {
      catalog: () => live.current(),
      authenticator: new Authenticator(keys, clock, undefined),
      clock,
      bodyLimit: 1024 * 1024,
      sync: (from) => live.sync(from),
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (url: string, key: string | null = CLIENT_KEY) => {
    const response = await app.inject({
      method: 'GET',
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const post = async (url: string, payload: unknown, key: string = CLIENT_KEY) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const errorOf = (body: Record<string, unknown>) => (body as unknown as ErrorBody).error;
  type Model = Record<string, unknown> & {
    id: string;
    provider: string;
    model: string;
    mode: string;
    prices: Record<string, string>;
    capabilities: string[];
    context_window: number | null;
  };
  const dataOf = (body: Record<string, unknown>) => body.data as Model[];

  test('every route needs a valid key', async () => {
    const missing = await get('/v1/catalog/models', null);
    assert.equal(missing.status, 401);
    assert.equal(errorOf(missing.body).code, 'missing_api_key');
    assert.equal((await get('/v1/catalog/models/openai/gpt-4o', 'sk-wrong')).status, 401);
    const compare = await app.inject({
      method: 'POST',
      url: '/v1/catalog/compare',
      payload: { models: ['gpt-4o'] },
    });
    assert.equal(compare.statusCode, 401);
  });

  test('lists models by provider and mode, with the total', async () => {
    const { status, body } = await get('/v1/catalog/models?provider=openai&mode=embedding');
    assert.equal(status, 200);
    const data = dataOf(body);
    assert.ok(data.length > 0);
    assert.equal(body.total, data.length);
    assert.ok(data.every((model) => model.provider === 'openai' && model.mode === 'embedding'));
    assert.ok(data.some((model) => model.id === 'openai/text-embedding-3-small'));
  });

  test('filters by capabilities (comma list or repeated), context window and price', async () => {
    const comma = await get(
      '/v1/catalog/models?capability=reasoning,vision&min_context=1000000&max_input_price=0.2',
    );
    const repeated = await get(
      '/v1/catalog/models?capability=reasoning&capability=vision&min_context=1000000&max_input_price=0.2',
    );
    assert.equal(comma.status, 200);
    assert.deepEqual(repeated.body, comma.body);
    const data = dataOf(comma.body);
    assert.ok(data.length > 0);
    for (const model of data) {
      assert.ok(model.capabilities.includes('reasoning') && model.capabilities.includes('vision'), model.id);
      assert.ok((model.context_window ?? 0) >= 1_000_000, model.id);
      assert.ok(Number(model.prices.input_per_million) <= 0.2, model.id);
    }
    const output = await get('/v1/catalog/models?provider=openai&max_output_price=0.4&mode=chat');
    assert.ok(dataOf(output.body).every((model) => Number(model.prices.output_per_million) <= 0.4));
    const snake = await get('/v1/catalog/models?capability=parallel_tools&provider=anthropic');
    assert.ok(dataOf(snake.body).every((model) => model.capabilities.includes('parallel_tools')));
  });

  test('searches, best match first, within the filters', async () => {
    const found = await get('/v1/catalog/models?q=gpt-4o-mini');
    assert.equal(dataOf(found.body)[0]?.id, 'openai/gpt-4o-mini');
    const azure = await get('/v1/catalog/models?q=gpt-4o-mini&provider=azure-openai');
    assert.equal(dataOf(azure.body)[0]?.id, 'azure-openai/gpt-4o-mini');
    assert.ok(dataOf(azure.body).every((model) => model.provider === 'azure-openai'));
    const none = await get('/v1/catalog/models?q=no-such-model-anywhere');
    assert.equal(none.body.total, 0);
  });

  test('pages with limit and offset', async () => {
    const first = dataOf((await get('/v1/catalog/models?provider=anthropic&limit=3')).body);
    const second = (await get('/v1/catalog/models?provider=anthropic&limit=2&offset=1')).body;
    assert.equal(first.length, 3);
    assert.deepEqual(
      dataOf(second).map((model) => model.id),
      first.slice(1).map((model) => model.id),
    );
    assert.ok((second.total as number) > 3);
  });

  test('gets one model with its prices as decimals and the price version, source and date', async () => {
    const { status, body } = await get('/v1/catalog/models/openai/gpt-4o-mini');
    assert.equal(status, 200);
    assert.equal(body.id, 'openai/gpt-4o-mini');
    assert.equal(body.model, 'gpt-4o-mini');
    assert.deepEqual(body.prices, {
      input_per_million: '0.15',
      output_per_million: '0.6',
      cache_read_per_million: '0.075',
    });
    assert.equal(body.context_window, 128000);
    assert.ok((body.capabilities as string[]).includes('tools'));
    assert.match(String(body.price_version), /^openai\/gpt-4o-mini@[0-9a-f]{12}$/);
    assert.equal(body.price_source, live.current().generatedFrom);
    assert.equal(body.price_effective_date, live.current().effectiveDate);
  });

  test('gets a model whose id holds slashes and dots', async () => {
    const { status, body } = await get('/v1/catalog/models/openrouter/google/gemini-3-flash-preview');
    assert.equal(status, 200);
    assert.equal(body.provider, 'openrouter');
    assert.equal(body.model, 'google/gemini-3-flash-preview');
    const bedrock = await get('/v1/catalog/models/bedrock/anthropic.claude-3-5-haiku-20241022-v1:0');
    assert.equal(bedrock.status, 200);
    assert.equal(bedrock.body.model, 'anthropic.claude-3-5-haiku-20241022-v1:0');
  });

  test('an unknown model is a 404 naming the model', async () => {
    const { status, body } = await get('/v1/catalog/models/openai/gpt-99');
    assert.equal(status, 404);
    assert.equal(errorOf(body).param, 'model');
    assert.equal(errorOf(body).code, 'model_not_found');
  });

  test('compares models side by side in the order asked, with blended prices', async () => {
    const { status, body } = await post('/v1/catalog/compare', { models: ['openai/gpt-4o', 'gpt-4o-mini'] });
    assert.equal(status, 200);
    const data = dataOf(body);
    assert.deepEqual(
      data.map((model) => model.id),
      ['openai/gpt-4o', 'openai/gpt-4o-mini'],
    );
    // (3 x 2.50 + 10) / 4 and (3 x 0.15 + 0.60) / 4
    assert.deepEqual(
      data.map((model) => model.blended_per_million),
      ['4.375', '0.2625'],
    );
  });

  test('estimates a workload exactly, in micro-USD and decimal USD, cheapest first', async () => {
    const { status, body } = await post('/v1/catalog/estimate', {
      requests_per_day: 1000,
      input_tokens: 1000,
      output_tokens: 500,
      models: ['openai/gpt-4o', 'openai/gpt-4o-mini'],
    });
    assert.equal(status, 200);
    assert.equal(body.requests, 30_000);
    const [cheapest, other] = body.data as Array<Record<string, unknown>>;
    // gpt-4o-mini: 30M input tokens x $0.15/M + 15M output tokens x $0.60/M = $4.50 + $9.00
    assert.equal(cheapest?.model, 'openai/gpt-4o-mini');
    assert.equal(cheapest?.total_micros, 13_500_000);
    assert.equal(cheapest?.total_usd, '13.500000');
    assert.equal(cheapest?.per_request_micros, 450);
    assert.equal(cheapest?.per_request_usd, '0.000450');
    // gpt-4o: 30M x $2.50/M + 15M x $10/M
    assert.equal(other?.model, 'openai/gpt-4o');
    assert.equal(other?.total_micros, 225_000_000);
  });

  test('estimates cached input at the cache price, over the days asked', async () => {
    const { body } = await post('/v1/catalog/estimate', {
      requests_per_day: 100,
      input_tokens: 1000,
      cached_input_tokens: 400,
      output_tokens: 500,
      days: 7,
      models: ['openai/gpt-4o-mini'],
    });
    const [result] = body.data as Array<Record<string, unknown>>;
    // 600 x 0.15 + 400 x 0.075 + 500 x 0.60 = 90 + 30 + 300 micro-USD a request, 700 requests
    assert.equal(result?.per_request_micros, 420);
    assert.equal(result?.total_micros, 294_000);
    assert.deepEqual(body.workload, {
      requests_per_day: 100,
      input_tokens: 1000,
      output_tokens: 500,
      cached_input_tokens: 400,
      days: 7,
    });
  });

  test('finds cheaper alternatives with at least the capabilities and context window, with the ratio', async () => {
    const base = (await get('/v1/catalog/models/openai/gpt-4o')).body;
    const { status, body } = await get(
      '/v1/catalog/models/openai/gpt-4o/alternatives?provider=openai&limit=50',
    );
    assert.equal(status, 200);
    assert.equal(body.model, 'openai/gpt-4o');
    assert.equal(body.blended_per_million, '4.375');
    const data = dataOf(body);
    assert.ok(data.length > 0);
    for (const alternative of data) {
      assert.equal(alternative.provider, 'openai');
      assert.ok((alternative.context_window ?? 0) >= 128000, alternative.id);
      for (const capability of base.capabilities as string[]) {
        assert.ok(alternative.capabilities.includes(capability), `${alternative.id} lacks ${capability}`);
      }
      assert.ok((alternative.price_ratio as number) < 1);
    }
    const mini = data.find((alternative) => alternative.id === 'openai/gpt-4o-mini');
    assert.equal(mini?.blended_per_million, '0.2625');
    assert.equal(mini?.price_ratio, 0.06); // 0.2625 / 4.375
    const ratios = data.map((alternative) => alternative.price_ratio as number);
    assert.deepEqual(
      ratios,
      [...ratios].sort((a, b) => a - b),
    );
    const limited = await get('/v1/catalog/models/openai/gpt-4o/alternatives?limit=2');
    assert.equal(dataOf(limited.body).length, 2);
  });

  test('bad input is a 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/catalog/models?max_input_price=cheap', 'max_input_price'],
      ['/v1/catalog/models?capability=telepathy', 'capability'],
      ['/v1/catalog/models?mode=image', 'mode'],
      ['/v1/catalog/models?min_context=-5', 'min_context'],
      ['/v1/catalog/models?limit=0', 'limit'],
      ['/v1/catalog/models?max_price=1', 'max_price'],
      ['/v1/catalog/models/openai/gpt-4o/alternatives?limit=many', 'limit'],
    ];
    for (const [url, param] of cases) {
      const { status, body } = await get(url);
      assert.equal(status, 400, url);
      assert.equal(errorOf(body).param, param, url);
      assert.equal(errorOf(body).type, 'invalid_request_error');
    }
    const bodies: Array<[string, unknown, number, string]> = [
      ['/v1/catalog/compare', { models: [] }, 400, 'models'],
      ['/v1/catalog/compare', { models: ['openai/gpt-4o', 'openai/gpt-99'] }, 404, 'models[1]'],
      [
        '/v1/catalog/estimate',
        { input_tokens: 1, output_tokens: 1, models: ['gpt-4o'] },
        400,
        'requests_per_day',
      ],
      [
        '/v1/catalog/estimate',
        {
          requests_per_day: 1,
          input_tokens: 10,
          cached_input_tokens: 20,
          output_tokens: 1,
          models: ['gpt-4o'],
        },
        400,
        'cached_input_tokens',
      ],
      [
        '/v1/catalog/estimate',
        { requests_per_day: 1.5, input_tokens: 10, output_tokens: 1, models: ['gpt-4o'] },
        400,
        'requests_per_day',
      ],
      [
        '/v1/catalog/estimate',
        { requests_per_day: 1, input_tokens: 10, output_tokens: 1, models: ['gpt-4o', 'nope/nothing'] },
        404,
        'models[1]',
      ],
    ];
    for (const [url, payload, status, param] of bodies) {
      const response = await post(url, payload);
      assert.equal(response.status, status, JSON.stringify(payload));
      assert.equal(errorOf(response.body).param, param, JSON.stringify(payload));
    }
  });

  test('sync needs an admin key', async () => {
    const { status, body } = await post('/admin/v1/catalog/sync', { from: join(dir, 'whatever.json') });
    assert.equal(status, 403);
    assert.equal(errorOf(body).type, 'permission_error');
  });

  test('sync from a file changes prices at once, and a second sync of it changes nothing', async () => {
    const before = live.current();
    const file = writePriceTable(dir, 'prices.json', 2e-7, 8e-7);
    const synced = await post('/admin/v1/catalog/sync', { from: file }, ADMIN_KEY);
    assert.equal(synced.status, 200);
    assert.equal(synced.body.changed, true);
    assert.equal(synced.body.previous_version, before.version);
    assert.equal(synced.body.model_count, 1);
    assert.notEqual(live.current(), before);
    assert.equal(live.current().version, synced.body.version);
    assert.equal(live.current().find('openai/gpt-4o-mini')?.prices.inputPerMillion, '0.2');

    const model = await get('/v1/catalog/models/openai/gpt-4o-mini');
    assert.equal((model.body.prices as Record<string, string>).input_per_million, '0.2');
    assert.equal(model.body.price_source, file);
    const estimate = await post('/v1/catalog/estimate', {
      requests_per_day: 1000,
      input_tokens: 1000,
      output_tokens: 500,
      models: ['openai/gpt-4o-mini'],
    });
    // 30M x $0.20/M + 15M x $0.80/M
    assert.equal((estimate.body.data as Array<Record<string, unknown>>)[0]?.total_micros, 18_000_000);

    const again = await post('/admin/v1/catalog/sync', { from: file }, ADMIN_KEY);
    assert.equal(again.body.changed, false);
    assert.equal(again.body.version, synced.body.version);
  });

  test('sync without a source picks up a snapshot stored beside the gateway (the CLI)', async () => {
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const file = writePriceTable(dir, 'cli-prices.json', 3e-7, 9e-7);
    await store.save(await loadCatalogSource(file));
    assert.equal(live.current().find('openai/gpt-4o-mini')?.prices.inputPerMillion, '0.2');
    const reloaded = await post('/admin/v1/catalog/sync', {}, ADMIN_KEY);
    assert.equal(reloaded.status, 200);
    assert.equal(reloaded.body.changed, true);
    assert.equal(live.current().find('openai/gpt-4o-mini')?.prices.inputPerMillion, '0.3');
  });

  test('a sync from a missing file or a bad body names the field', async () => {
    const missing = await post('/admin/v1/catalog/sync', { from: join(dir, 'absent.json') }, ADMIN_KEY);
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing.body).param, 'from');
    const wrong = await post('/admin/v1/catalog/sync', { from: 42 }, ADMIN_KEY);
    assert.equal(wrong.status, 400);
    assert.equal(errorOf(wrong.body).param, 'from');
  });
});
