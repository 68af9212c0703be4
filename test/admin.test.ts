import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
