import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../src/providers/emulator/test-support.ts';
import { startGateway } from '../src/server/runtime.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

describe('admin keys API', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.close());

  const admin = (method: string, path: string, key: string, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const chat = (key: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] }),
    });

  test('a client key may not use the admin API', async () => {
    const response = await admin('POST', '/admin/v1/keys', gateway.clientKey, { name: 'x' });
    assert.equal(response.status, 403);
  });

  test('the master key mints a key shown once, stored hashed, usable at once, and revocable', async () => {
    const created = await admin('POST', '/admin/v1/keys', gateway.adminKey, {
      name: 'search-app',
      metadata: { team: 'search' },
    });
    assert.equal(created.status, 201);
    const body = (await created.json()) as { key: string; id: string; prefix: string };
    assert.match(body.key, /^sk-sy-/);
    assert.equal(body.prefix, body.key.slice(0, 12));
    assert.equal((await chat(body.key)).status, 200);

    const listed = (await (await admin('GET', '/admin/v1/keys', gateway.adminKey)).json()) as {
      data: Array<Record<string, unknown>>;
    };
    const entry = listed.data.find((key) => key.id === body.id);
    assert.equal(entry?.name, 'search-app');
    assert.ok(!JSON.stringify(listed).includes(body.key), 'listing never shows a secret');

    const rows = await gateway.store.db.selectFrom('api_keys').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(body.key), 'the plaintext key is not in the database');

    assert.equal((await admin('DELETE', `/admin/v1/keys/${body.id}`, gateway.adminKey)).status, 200);
    assert.equal((await chat(body.key)).status, 401);
  });

  test("a key's listing shows when it was last used, and a new key has not been", async () => {
    const created = (await (
      await admin('POST', '/admin/v1/keys', gateway.adminKey, { name: 'usage-tracked' })
    ).json()) as { key: string; id: string };
    const lastUsed = async () => {
      const listed = (await (await admin('GET', '/admin/v1/keys', gateway.adminKey)).json()) as {
        data: Array<{ id: string; last_used_at: number | null }>;
      };
      return listed.data.find((key) => key.id === created.id)?.last_used_at;
    };
    assert.equal(await lastUsed(), null);
    const before = Date.now();
    assert.equal((await chat(created.key)).status, 200);
    const used = await lastUsed();
    assert.ok(typeof used === 'number' && used >= before && used <= Date.now(), `last_used_at ${used}`);
  });

  test('invalid admin input is a 400 naming the field', async () => {
    const response = await admin('POST', '/admin/v1/keys', gateway.adminKey, { name: '', role: 'root' });
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: { param: string } }).error;
    assert.ok(['name', 'role'].includes(error.param));
  });

  test('health and readiness', async () => {
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    const ready = await fetch(`${gateway.url}/readyz`);
    assert.equal(ready.status, 200);
  });
});

describe('keys across replicas', () => {
  test('a key minted on one replica works on another, and revoking it stops it there too', async () => {
    const first = await startTestGateway({ admin: { key_sync_interval_ms: 100 } });
    // A second replica of the same configuration, on the same database.
    const second = await startGateway({
      config: first.config,
      port: 0,
      logger: createLogger({ level: 'silent' }),
      env: {},
    }).catch(async (error: unknown) => {
      await first.close();
      throw error;
    });
    try {
      const chatOn = (gateway: { url: string }, key: string) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const created = await fetch(`${first.url}/admin/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'shared' }),
      });
      const { key, id } = (await created.json()) as { key: string; id: string };
      assert.equal((await chatOn(first, key)).status, 200);
      await eventually(async () => (await chatOn(second, key)).status === 200, 5000);

      const revoked = await fetch(`${first.url}/admin/v1/keys/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${first.adminKey}` },
      });
      assert.ok(revoked.ok);
      assert.equal((await chatOn(first, key)).status, 401);
      await eventually(async () => (await chatOn(second, key)).status === 401, 5000);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
