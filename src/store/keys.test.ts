import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { ManualClock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { hashKey, verifyKeyHash } from '../identity/key-hash.ts';
import { KeyRepository } from './keys.ts';
import { withTestStores } from './testing.ts';

const T0 = 1_790_000_000_000;
const HOUR = 3_600_000;

describe('KeyRepository', () => {
  it('creates a key shown once, in the documented format, and reads it back', async () => {
    await withTestStores(async (store) => {
      const clock = new ManualClock(T0);
      const keys = new KeyRepository(store.db, clock);
      const { key, record } = await keys.create({
        name: ' billing app ',
        role: 'client',
        metadata: { team: 'billing', tags: ['prod'], limits: { rpm: 60 } },
        expiresAt: T0 + HOUR,
      });
      assert.match(key, /^sk-sy-[A-Za-z0-9_-]{43}$/);
      assert.match(record.id, /^key_[0-9a-f]+$/);
      assert.deepEqual(record, {
        id: record.id,
        name: 'billing app',
        prefix: key.slice(0, 12),
        role: 'client',
        metadata: { team: 'billing', tags: ['prod'], limits: { rpm: 60 } },
        createdAt: T0,
        expiresAt: T0 + HOUR,
        revokedAt: null,
        lastUsedAt: null,
      });
      assert.deepEqual(await keys.get(record.id), record);
      assert.equal(await keys.get('key_missing'), undefined);
    });
  });

  it('gives every key a different secret', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db);
      const created = await Promise.all([1, 2, 3].map((n) => keys.create({ name: `k${n}`, role: 'client' })));
      assert.equal(new Set(created.map((c) => c.key)).size, 3);
      assert.equal(new Set(created.map((c) => c.record.id)).size, 3);
    });
  });

  it('stores only the SHA-256 of the key, never the key', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db);
      const { key, record } = await keys.create({ name: 'secret keeper', role: 'admin' });
      const secretPart = key.slice(12);

      const rows = await store.db.selectFrom('api_keys').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.key_hash, createHash('sha256').update(key).digest('hex'));
      assert.equal(rows[0]?.key_prefix, record.prefix);
      assert.ok(!JSON.stringify(rows).includes(secretPart), 'a row holds the plaintext key');

      if (store.kind === 'sqlite' && store.url !== undefined) {
        // Also the bytes on disk, the write-ahead log included.
        const dbFile = store.url.slice('sqlite:'.length);
        const dir = dirname(dbFile);
        for (const file of readdirSync(dir)) {
          assert.ok(!readFileSync(join(dir, file)).includes(secretPart), `${file} holds the plaintext key`);
        }
      }
    });
  });

  it('never returns hashes from list or get', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db);
      const { key, record } = await keys.create({ name: 'a', role: 'client' });
      const listed = await keys.list();
      const text = JSON.stringify([listed, await keys.get(record.id)]);
      assert.ok(!text.includes(hashKey(key)));
      assert.ok(!text.includes(key));
    });
  });

  it('lists keys oldest first and hides revoked ones unless asked', async () => {
    await withTestStores(async (store) => {
      const clock = new ManualClock(T0);
      const keys = new KeyRepository(store.db, clock);
      const first = await keys.create({ name: 'first', role: 'admin' });
      clock.advance(1000);
      const second = await keys.create({ name: 'second', role: 'client' });
      clock.advance(1000);
      const third = await keys.create({ name: 'third', role: 'client', expiresAt: T0 + 3000 });
      clock.advance(5000); // third is now expired: still listed
      assert.equal(await keys.revoke(second.record.id), true);

      assert.deepEqual(
        (await keys.list()).map((k) => k.name),
        ['first', 'third'],
      );
      const all = await keys.list({ includeRevoked: true });
      assert.deepEqual(
        all.map((k) => k.name),
        ['first', 'second', 'third'],
      );
      assert.deepEqual(
        all.map((k) => k.id),
        [first.record.id, second.record.id, third.record.id],
      );
    });
  });

  it('revokes once, keeps the first revocation time, and reports unknown ids', async () => {
    await withTestStores(async (store) => {
      const clock = new ManualClock(T0);
      const keys = new KeyRepository(store.db, clock);
      const { record } = await keys.create({ name: 'to revoke', role: 'client' });
      clock.advance(10);
      assert.equal(await keys.revoke(record.id), true);
      clock.advance(10);
      assert.equal(await keys.revoke(record.id), true);
      assert.equal((await keys.get(record.id))?.revokedAt, T0 + 10);
      assert.equal(await keys.revoke('key_does_not_exist'), false);
    });
  });

  it('finds only active keys by hash', async () => {
    await withTestStores(async (store) => {
      const clock = new ManualClock(T0);
      const keys = new KeyRepository(store.db, clock);
      const plain = await keys.create({ name: 'plain', role: 'client' });
      const expiring = await keys.create({ name: 'expiring', role: 'client', expiresAt: T0 + HOUR });

      assert.equal((await keys.findActiveByHash(hashKey(plain.key)))?.id, plain.record.id);
      assert.equal((await keys.findActiveByHash(hashKey(expiring.key)))?.id, expiring.record.id);
      assert.equal(await keys.findActiveByHash(hashKey(`${plain.key}x`)), undefined);

      clock.set(T0 + HOUR); // expiry is exclusive: at expiresAt the key no longer works
      assert.equal(await keys.findActiveByHash(hashKey(expiring.key)), undefined);

      await keys.revoke(plain.record.id);
      assert.equal(await keys.findActiveByHash(hashKey(plain.key)), undefined);
    });
  });

  it('records last use without ever moving it backwards', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db, new ManualClock(T0));
      const { record } = await keys.create({ name: 'used', role: 'client' });
      await keys.touch(record.id, T0 + 500);
      assert.equal((await keys.get(record.id))?.lastUsedAt, T0 + 500);
      await keys.touch(record.id, T0 + 100); // a late flush from another replica
      assert.equal((await keys.get(record.id))?.lastUsedAt, T0 + 500);
      await keys.touch(record.id, T0 + 900);
      assert.equal((await keys.get(record.id))?.lastUsedAt, T0 + 900);
    });
  });

  it('refuses a second key with the same hash', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db);
      const { key } = await keys.create({ name: 'original', role: 'client' });
      const duplicate = {
        id: 'key_duplicate',
        name: 'copy',
        key_hash: hashKey(key),
        key_prefix: key.slice(0, 12),
        role: 'admin',
        created_at: T0,
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      };
      await assert.rejects(store.db.insertInto('api_keys').values(duplicate).execute(), /unique|UNIQUE/);
      const { rows } = await sql<{ n: number }>`select count(*) as n from api_keys`.execute(store.db);
      assert.equal(Number(rows[0]?.n), 1);
    });
  });

  it('rejects bad input, naming the field', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db, new ManualClock(T0));
      const cases: Array<[Parameters<KeyRepository['create']>[0], string]> = [
        [{ name: '  ', role: 'client' }, 'name'],
        [{ name: 'x'.repeat(201), role: 'client' }, 'name'],
        [{ name: 'n', role: 'root' as 'client' }, 'role'],
        [{ name: 'n', role: 'client', metadata: ['a'] as unknown as Record<string, unknown> }, 'metadata'],
        [{ name: 'n', role: 'client', metadata: { blob: 'x'.repeat(20_000) } }, 'metadata'],
        [{ name: 'n', role: 'client', expiresAt: T0 }, 'expires_at'],
        [{ name: 'n', role: 'client', expiresAt: 1.5 }, 'expires_at'],
      ];
      for (const [input, param] of cases) {
        await assert.rejects(keys.create(input), (error: unknown) => {
          assert.ok(error instanceof GatewayError);
          assert.equal(error.kind, 'invalid_request');
          assert.equal(error.param, param);
          return true;
        });
      }
      assert.deepEqual(await keys.list({ includeRevoked: true }), []);
    });
  });

  it('refuses to load a key whose stored role it does not know', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db);
      const { record } = await keys.create({ name: 'tampered', role: 'client' });
      await store.db.updateTable('api_keys').set({ role: 'superuser' }).where('id', '=', record.id).execute();
      await assert.rejects(keys.get(record.id), (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.kind, 'internal');
        return true;
      });
    });
  });
});

describe('verifyKeyHash', () => {
  it('accepts equal hashes and rejects different or malformed ones', () => {
    const stored = hashKey('sk-sy-example');
    assert.equal(verifyKeyHash(hashKey('sk-sy-example'), stored), true);
    assert.equal(verifyKeyHash(hashKey('sk-sy-examplf'), stored), false);
    assert.equal(verifyKeyHash(stored.slice(0, 63), stored), false);
    assert.equal(verifyKeyHash('', stored), false);
  });
});
