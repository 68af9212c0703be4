import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it, mock } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { hashKey } from '../identity/key-hash.ts';
import { eventually } from '../providers/emulator/test-support.ts';
import { openDatabase, type Store } from './db.ts';
import { KeyCache, USE_FLUSH_INTERVAL_MS } from './key-cache.ts';
import { type ApiKeyRecord, KeyRepository } from './keys.ts';
import { withTestStores } from './testing.ts';

const T0 = 1_790_000_000_000;

/** A client key's record as the repository returns it, created at T0. */
function clientKeyRecord(
  key: string,
  fields: Pick<ApiKeyRecord, 'id' | 'name'> & Partial<ApiKeyRecord>,
): ApiKeyRecord {
  return {
    prefix: key.slice(0, 12),
    role: 'client',
    metadata: {},
    createdAt: T0,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...fields,
  };
}
const HOUR = 3_600_000;

/** A key repository on each test store (SQLite, and PostgreSQL when configured) and a cache over it, at T0. */
function withKeyCache(
  run: (context: { store: Store; clock: ManualClock; keys: KeyRepository; cache: KeyCache }) => Promise<void>,
): Promise<void> {
  return withTestStores(async (store) => {
    const clock = new ManualClock(T0);
    const keys = new KeyRepository(store.db, clock);
    await run({ store, clock, keys, cache: new KeyCache(keys, clock) });
  });
}

describe('KeyCache', () => {
  it('verifies created keys from memory, without the database', async () => {
    await withKeyCache(async ({ store, keys, cache }) => {
      const { key, record } = await keys.create({ name: 'app', role: 'client' });

      assert.equal(cache.verify(key, T0), undefined, 'a key is unknown until refresh');
      assert.equal(await cache.refresh(), 1);

      await store.close(); // from here on, any database access would fail
      assert.deepEqual(cache.verify(key, T0), record);
      assert.equal(cache.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, T0), undefined);
      assert.equal(cache.verify(record.prefix, T0), undefined);
      assert.equal(cache.verify('', T0), undefined);
    });
  });

  it('rejects a key from its expiry time on', async () => {
    await withKeyCache(async ({ clock, keys, cache }) => {
      const { key } = await keys.create({ name: 'temp', role: 'client', expiresAt: T0 + HOUR });
      await cache.refresh();
      assert.ok(cache.verify(key, T0 + HOUR - 1));
      assert.equal(cache.verify(key, T0 + HOUR), undefined);

      clock.set(T0 + 2 * HOUR);
      assert.equal(await cache.refresh(), 0, 'expired keys are not loaded');
    });
  });

  it('rejects a revoked key once refreshed, and keeps accepting the others', async () => {
    await withKeyCache(async ({ keys, cache }) => {
      const revoked = await keys.create({ name: 'leaked', role: 'admin' });
      const kept = await keys.create({ name: 'kept', role: 'client' });
      await cache.refresh();
      assert.equal(cache.verify(revoked.key, T0)?.role, 'admin');

      await keys.revoke(revoked.record.id);
      await cache.refresh();
      assert.equal(cache.verify(revoked.key, T0), undefined);
      assert.equal(cache.verify(kept.key, T0)?.id, kept.record.id);
    });
  });

  it('rejects a cached record that carries a revocation time', async () => {
    const key = 'sk-sy-cached-but-revoked';
    const record = clientKeyRecord(key, { id: 'key_1', name: 'r', revokedAt: T0 + 1 });
    const cache = new KeyCache({
      loadActive: async () => [{ hash: hashKey(key), record }],
      generation: async () => '0',
      touch: async () => {},
    });
    await cache.refresh();
    assert.equal(cache.verify(key, T0 + 2), undefined);
  });

  it('keeps serving the previous keys while a refresh is in flight', async () => {
    const key = 'sk-sy-steady-key-for-refresh';
    const record = clientKeyRecord(key, { id: 'key_2', name: 's' });
    let release: (entries: Array<{ hash: string; record: ApiKeyRecord }>) => void = () => {};
    let calls = 0;
    const cache = new KeyCache({
      generation: async () => '0',
      touch: async () => {},
      loadActive: () => {
        calls += 1;
        if (calls === 1) return Promise.resolve([{ hash: hashKey(key), record }]);
        return new Promise((resolve) => (release = resolve));
      },
    });
    await cache.refresh();
    const pending = cache.refresh();
    await eventually(() => calls === 2); // the reload is under way
    assert.equal(cache.verify(key, T0)?.id, 'key_2');
    release([]);
    await pending;
    assert.equal(cache.verify(key, T0), undefined);
  });

  it('decides with a constant-time comparison of the hashes', async () => {
    const key = 'sk-sy-timing-safe-check';
    const record = clientKeyRecord(key, { id: 'key_3', name: 't' });
    const cache = new KeyCache({
      loadActive: async () => [{ hash: hashKey(key), record }],
      generation: async () => '0',
      touch: async () => {},
    });
    await cache.refresh();

    const spy = mock.method(crypto, 'timingSafeEqual');
    syncBuiltinESMExports();
    try {
      assert.equal(cache.verify(key, T0)?.id, 'key_3');
      assert.equal(spy.mock.callCount(), 1);
      const [presented, stored] = spy.mock.calls[0]?.arguments ?? [];
      assert.equal(Buffer.from(presented as Uint8Array).toString(), hashKey(key));
      assert.equal(Buffer.from(stored as Uint8Array).toString(), hashKey(key));
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
  });

  it('picks up keys created and revoked by another process within a watch interval', async () => {
    await withTestStores(async (store) => {
      if (!store.url) return; // another process needs a database it can open
      const elsewhere = await openDatabase(store.url);
      const cache = new KeyCache(new KeyRepository(store.db));
      try {
        await cache.refresh();
        cache.watch(20);
        const otherKeys = new KeyRepository(elsewhere.db);
        const { key, record } = await otherKeys.create({ name: 'made-elsewhere', role: 'client' });
        await eventually(() => cache.verify(key, Date.now()) !== undefined, 5000);
        assert.equal(cache.verify(key, Date.now())?.id, record.id);
        assert.equal(await otherKeys.revoke(record.id), true);
        await eventually(() => cache.verify(key, Date.now()) === undefined, 5000);
      } finally {
        cache.stop();
        await elsewhere.close();
      }
    });
  });

  it('keeps serving the keys it has while the database cannot be reached', async () => {
    let failing = false;
    const key = 'sk-sy-kept-while-down';
    const record = clientKeyRecord(key, { id: 'key_1', name: 'app' });
    const warnings: unknown[] = [];
    const cache = new KeyCache({
      generation: async () => {
        if (failing) throw new Error('connection refused');
        return '1';
      },
      loadActive: async () => [{ hash: hashKey(key), record }],
      touch: async () => {},
    });
    await cache.refresh();
    failing = true;
    cache.watch(10, { warn: (details) => warnings.push(details) });
    await eventually(() => warnings.length > 0);
    cache.stop();
    assert.equal(cache.verify(key, T0)?.id, 'key_1');
  });

  it("writes each used key's latest use once per flush, and only keys that were used", async () => {
    const touched: Array<[string, number]> = [];
    const cache = new KeyCache({
      loadActive: async () => [],
      generation: async () => '0',
      touch: async (id, when) => {
        touched.push([id, when]);
      },
    });
    cache.noteUse('key_a', T0 + 5);
    cache.noteUse('key_b', T0 + 1);
    cache.noteUse('key_a', T0 + 3); // an earlier time, noted late, never moves it back
    await cache.flushUses();
    assert.deepEqual(touched.sort(), [
      ['key_a', T0 + 5],
      ['key_b', T0 + 1],
    ]);
    await cache.flushUses();
    assert.equal(touched.length, 2, 'nothing new was used, so nothing is written');
  });

  it('keeps the uses it could not write for the next flush', async () => {
    let down = true;
    const touched: string[] = [];
    const cache = new KeyCache({
      loadActive: async () => [],
      generation: async () => '0',
      touch: async (id) => {
        if (down) throw new Error('database unavailable');
        touched.push(id);
      },
    });
    cache.noteUse('key_a', T0);
    cache.noteUse('key_b', T0);
    await assert.rejects(cache.flushUses(), /database unavailable/);
    down = false;
    await cache.flushUses();
    assert.deepEqual(touched.sort(), ['key_a', 'key_b']);
  });

  it('the watcher writes noted uses once the flush interval has passed', async () => {
    const clock = new ManualClock(T0);
    const touched: string[] = [];
    const cache = new KeyCache(
      {
        loadActive: async () => [],
        generation: async () => '0',
        touch: async (id) => {
          touched.push(id);
        },
      },
      clock,
    );
    await cache.refresh();
    cache.noteUse('key_a', T0);
    cache.watch(5);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(touched, [], 'not before the interval');
      clock.advance(USE_FLUSH_INTERVAL_MS);
      await eventually(() => touched.length === 1);
      assert.deepEqual(touched, ['key_a']);
    } finally {
      cache.stop();
    }
  });

  it('the watcher reports a failed write of uses as such, and keeps checking for key changes', async () => {
    const clock = new ManualClock(T0);
    const warnings: Array<Record<string, unknown>> = [];
    let generationChecks = 0;
    const cache = new KeyCache(
      {
        loadActive: async () => [],
        generation: async () => {
          generationChecks += 1;
          return '0';
        },
        touch: async () => {
          throw new Error('disk full');
        },
      },
      clock,
    );
    await cache.refresh();
    cache.noteUse('key_a', T0);
    clock.advance(USE_FLUSH_INTERVAL_MS);
    cache.watch(5, { warn: (details) => warnings.push(details) });
    try {
      await eventually(() => warnings.length > 0);
      assert.equal(warnings[0]?.msg, 'could not record the last use of keys');
      const checks = generationChecks;
      await eventually(() => generationChecks > checks);
    } finally {
      cache.stop();
    }
  });

  it("records a real key's last use in the database, never moving it back", async () => {
    await withKeyCache(async ({ keys, cache }) => {
      const { key, record } = await keys.create({ name: 'app', role: 'client' });
      await cache.refresh();
      assert.ok(cache.verify(key, T0 + HOUR));
      cache.noteUse(record.id, T0 + HOUR);
      await cache.flushUses();
      assert.equal((await keys.get(record.id))?.lastUsedAt, T0 + HOUR);
      cache.noteUse(record.id, T0 + 1);
      await cache.flushUses();
      assert.equal((await keys.get(record.id))?.lastUsedAt, T0 + HOUR);
    });
  });
});
