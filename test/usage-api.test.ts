// The usage admin API over a Fastify app built here, with a real Authenticator, on every test database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ManualClock } from '../src/core/clock.ts';
import { Authenticator, type KeyVerifier } from '../src/identity/authenticator.ts';
import { hashKey } from '../src/identity/key-hash.ts';
import { EXACT_PER_MICRO, type Pricer } from '../src/metering/pricer.ts';
import { recordPricer } from '../src/metering/record-pricer.ts';
import { fixtureRecords, referenceSums, totalSums } from '../src/metering/report-testing.ts';
import { UsageRepository } from '../src/metering/repository.ts';
import { registerUsageRoutes } from '../src/server/usage-routes.ts';
import { AdminActionLog } from '../src/store/admin-actions.ts';
import { type TestStore, withTestStores } from '../src/store/testing.ts';

const ADMIN = 'sk-sy-admin-secret';
const CLIENT = 'sk-sy-client-secret';
const RECORDS = fixtureRecords();
const NOW = Date.UTC(2025, 1, 14, 12);

const verifier: KeyVerifier = {
  verifyHash: (hash) => {
    if (hash === hashKey(ADMIN)) return { id: 'key_ops', name: 'ops', role: 'admin', metadata: {} };
    if (hash === hashKey(CLIENT)) return { id: 'key_app', name: 'app', role: 'client', metadata: {} };
    return undefined;
  },
  noteUse: () => {},
};

const catalog: Pricer = {
  price: ({ model }) =>
    model === 'gpt-4o-mini'
      ? {
          version: 'gpt-4o-mini@today',
          exactCost: (u) => BigInt(u.inputTokens + u.outputTokens) * EXACT_PER_MICRO,
        }
      : undefined,
};

async function withApi(fn: (app: FastifyInstance, store: TestStore) => Promise<void>): Promise<void> {
  await withTestStores(async (store) => {
    await new UsageRepository(store.db).insert(RECORDS);
    const clock = new ManualClock(NOW);
    const app = Fastify();
    registerUsageRoutes(app, {
      store,
      authenticator: new Authenticator(verifier, clock, undefined),
      clock,
      pricer: recordPricer({ pricer: catalog, providers: [{ name: 'openai', type: 'openai' }] }),
      prices: () => ({ catalogVersion: 'cat-2025-02', effectiveDate: '2025-02-01', source: 'prices.json' }),
    });
    await app.ready();
    try {
      await fn(app, store);
    } finally {
      await app.close();
    }
  });
}

const get = (app: FastifyInstance, url: string, key: string | undefined = ADMIN) =>
  app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });

const ROUTES = [
  ['GET', '/admin/v1/usage/report?group_by=team'],
  ['GET', '/admin/v1/usage/chargeback?month=2025-02'],
  ['GET', '/admin/v1/usage/focus?from=2025-02-01&to=2025-02-02'],
  ['GET', `/admin/v1/usage/records/${RECORDS[0]!.request_id}`],
  ['POST', '/admin/v1/usage/reprice'],
] as const;

describe('usage admin API', () => {
  it('needs an admin key: 401 without one, 403 with a client key', async () => {
    await withApi(async (app, store) => {
      for (const [method, url] of ROUTES) {
        const body = method === 'POST' ? { from: '2025-02-01', to: '2025-03-01' } : undefined;
        const none = await app.inject({ method, url, ...(body ? { payload: body } : {}) });
        assert.equal(none.statusCode, 401, `${method} ${url} without a key`);
        const client = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${CLIENT}` },
          ...(body ? { payload: body } : {}),
        });
        assert.equal(client.statusCode, 403, `${method} ${url} with a client key`);
        assert.equal((client.json() as { error: { type: string } }).error.type, 'permission_error');
      }
      assert.deepEqual(await new AdminActionLog(store.db).list(), [], 'nothing was re-priced');
    });
  });

  it('reports spend grouped, filtered and limited, as JSON or CSV', async () => {
    await withApi(async (app) => {
      const url = '/admin/v1/usage/report?group_by=team,model&from=2025-01-01&to=2025-03-01&team=search,ads';
      const response = await get(app, url);
      assert.equal(response.statusCode, 200);
      const body = response.json() as {
        rows: Array<{ team: string; model: string; cost_micros: number; requests: number }>;
        totals: { cost_micros: number };
        cost_complete: boolean;
      };
      const kept = RECORDS.filter((r) => r.team === 'search' || r.team === 'ads');
      const expected = referenceSums(kept, (r) => [`${r.team}/${r.model}`]);
      assert.deepEqual(
        new Map(body.rows.map((row) => [`${row.team}/${row.model}`, row.cost_micros])),
        new Map([...expected].map(([group, sums]) => [group, sums.cost_micros])),
      );
      assert.equal(body.totals.cost_micros, totalSums(kept).cost_micros);

      const top = (await get(app, `${url}&limit=2`)).json() as { rows: unknown[]; truncated: boolean };
      assert.equal(top.rows.length, 2);
      assert.equal(top.truncated, true);

      const csv = await get(app, `${url}&format=csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(csv.body, /^team,model,requests,/);
      assert.equal(csv.body.trimEnd().split('\r\n').length, 1 + body.rows.length);
    });
  });

  it('answers bad report parameters with a 400 naming the parameter', async () => {
    await withApi(async (app) => {
      const cases = [
        ['group_by=colour', 'group_by'],
        ['group_by=team&teem=search', 'teem'],
        ['from=yesterday', 'from'],
        ['from=2025-02-01&to=2025-01-01', 'to'],
        ['limit=0', 'limit'],
        ['format=xml', 'format'],
      ];
      for (const [query, param] of cases) {
        const response = await get(app, `/admin/v1/usage/report?${query}`);
        assert.equal(response.statusCode, 400, query);
        assert.equal((response.json() as { error: { param: string } }).error.param, param, query);
      }
    });
  });

  it('serves a month’s chargeback as JSON or CSV', async () => {
    await withApi(async (app) => {
      const json = (await get(app, '/admin/v1/usage/chargeback?month=2025-02')).json() as {
        month: string;
        cost_centers: Array<{ cost_center: string | null; cost_micros: number; lines: unknown[] }>;
      };
      const february = RECORDS.filter((r) => r.started_at >= Date.UTC(2025, 1, 1));
      assert.equal(json.month, '2025-02');
      assert.deepEqual(
        new Map(json.cost_centers.map((c) => [c.cost_center, c.cost_micros])),
        new Map(
          [...referenceSums(february, (r) => [r.cost_center])].map(([center, sums]) => [
            center,
            sums.cost_micros,
          ]),
        ),
      );
      const csv = await get(app, '/admin/v1/usage/chargeback?month=2025-02&format=csv');
      assert.match(String(csv.headers['content-disposition']), /chargeback-2025-02\.csv/);
      assert.match(csv.body, /^month,cost_center,app,model,/);
      // The current month when none is given: February 2025 by the test clock.
      const current = (await get(app, '/admin/v1/usage/chargeback')).json() as { month: string };
      assert.equal(current.month, '2025-02');
    });
  });

  it('streams the FOCUS export as CSV', async () => {
    await withApi(async (app) => {
      const response = await get(app, '/admin/v1/usage/focus?from=2025-01-30&to=2025-02-03&granularity=hour');
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/csv/);
      assert.match(String(response.headers['content-disposition']), /focus-2025-01-30-2025-02-03\.csv/);
      const [header, ...lines] = response.body.trimEnd().split('\r\n');
      assert.ok(header?.startsWith('BilledCost,BillingAccountId,'));
      assert.ok(lines.length > 0);
      const bad = await get(app, '/admin/v1/usage/focus?from=2025-01-30&to=2025-01-01');
      assert.equal(bad.statusCode, 400);
    });
  });

  it('shows one record by request id, and 404 for an unknown one', async () => {
    await withApi(async (app) => {
      const record = RECORDS[4]!;
      const response = await get(app, `/admin/v1/usage/records/${record.request_id}`);
      assert.equal(response.statusCode, 200);
      const body = response.json() as Record<string, unknown>;
      assert.equal(body.request_id, record.request_id);
      assert.equal(body.cost_micros, record.cost_micros);
      assert.deepEqual(body.tags, record.tags);
      const missing = await get(app, '/admin/v1/usage/records/req_nope');
      assert.equal(missing.statusCode, 404);
    });
  });

  it('re-prices a period on request, recording who asked', async () => {
    await withApi(async (app, store) => {
      const post = (payload: unknown) =>
        app.inject({
          method: 'POST',
          url: '/admin/v1/usage/reprice',
          headers: { authorization: `Bearer ${ADMIN}` },
          payload: payload as Record<string, unknown>,
        });
      const dry = (
        await post({ from: '2025-02-01', to: '2025-03-01', model: 'gpt-4o-mini', dry_run: true })
      ).json() as {
        changed: number;
        action_id: string | null;
      };
      assert.ok(dry.changed > 0);
      assert.equal(dry.action_id, null);

      const response = await post({ from: '2025-02-01', to: '2025-03-01', model: 'gpt-4o-mini' });
      assert.equal(response.statusCode, 200);
      const body = response.json() as { changed: number; action_id: string; cost_after_usd: string };
      assert.equal(body.changed, dry.changed);
      const repriced = RECORDS.filter(
        (r) => r.started_at >= Date.UTC(2025, 1, 1) && r.model === 'gpt-4o-mini',
      );
      const record = await new UsageRepository(store.db).get(repriced[0]!.request_id);
      assert.equal(record?.price_version, 'gpt-4o-mini@today');
      const [action] = await new AdminActionLog(store.db).list();
      assert.equal(action?.id, body.action_id);
      assert.equal(action?.actorKeyId, 'key_ops');
      assert.equal(action?.at, NOW);
      assert.deepEqual(action?.parameters.filter, { model: 'gpt-4o-mini' });
      assert.deepEqual(action?.parameters.prices, {
        catalogVersion: 'cat-2025-02',
        effectiveDate: '2025-02-01',
        source: 'prices.json',
      });

      for (const [payload, param] of [
        [{ to: '2025-03-01' }, 'from'],
        [{ from: '2025-02-01', to: '2025-03-01', colour: 'red' }, undefined],
        [{ from: 'soon', to: '2025-03-01' }, 'from'],
      ] as const) {
        const bad = await post(payload);
        assert.equal(bad.statusCode, 400, JSON.stringify(payload));
        if (param) assert.equal((bad.json() as { error: { param: string } }).error.param, param);
      }
    });
  });
});
