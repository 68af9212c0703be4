import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { GatewayError } from '../core/errors.ts';
import { openDatabase, parseExactInteger, parseNumeric } from './db.ts';
import { TEST_POSTGRES_URL_ENV, testStoreTargets } from './testing.ts';

const postgresUrl = process.env[TEST_POSTGRES_URL_ENV];

describe('openDatabase: SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-db-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the parent directory of a relative path under cwd and tunes the connection', async () => {
    const store = await openDatabase('sqlite:nested/state/sy.db', { cwd: dir });
    try {
      assert.equal(store.kind, 'sqlite');
      assert.equal(store.location, join(dir, 'nested/state/sy.db'));
      assert.ok(existsSync(join(dir, 'nested/state/sy.db')));
      const pragma = async (name: string) => {
        const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(store.db);
        return Object.values(rows[0] ?? {})[0];
      };
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('synchronous'), 1); // NORMAL
      assert.equal(await pragma('busy_timeout'), 5000);
      assert.equal(await pragma('foreign_keys'), 1);
    } finally {
      await store.close();
    }
  });

  it('opens a bare .db path and an in-memory database', async () => {
    const file = await openDatabase('plain.db', { cwd: dir });
    const memory = await openDatabase('sqlite::memory:');
    try {
      assert.ok(existsSync(join(dir, 'plain.db')));
      assert.equal(memory.location, ':memory:');
      const { rows } = await sql<{ n: number }>`select 41 + 1 as n`.execute(memory.db);
      assert.deepEqual(rows, [{ n: 42 }]);
    } finally {
      await file.close();
      await memory.close();
    }
  });

  it('can be closed twice', async () => {
    const store = await openDatabase('sqlite::memory:');
    await store.close();
    await store.close();
  });
});

describe('openDatabase: PostgreSQL', () => {
  it('fails at open with an unavailable error that hides the password', async () => {
    // Port 1 refuses connections, so this needs no running server.
    await assert.rejects(openDatabase('postgres://app:Very-S3cret-Pw@127.0.0.1:1/sy'), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.kind, 'unavailable');
      assert.doesNotMatch(error.message, /Very-S3cret-Pw/);
      assert.match(error.message, /app:\*\*\*@127\.0\.0\.1:1/);
      return true;
    });
  });

  it('returns BIGINT, COUNT and SUM as numbers, like SQLite, and refuses integers it cannot hold exactly', {
    skip: postgresUrl === undefined && `${TEST_POSTGRES_URL_ENV} is not set`,
  }, async () => {
    const target = testStoreTargets().find((t) => t.label === 'postgres');
    assert.ok(target);
    const store = await target.open({ migrate: false });
    try {
      assert.equal(store.kind, 'postgres');
      const { rows } = await sql<{ big: number; counted: number; summed: number; averaged: number }>`
          select 1795000000000::bigint as big,
                 (select count(*) from generate_series(1, 3)) as counted,
                 (select sum(x::bigint) from generate_series(1, 4) as x) as summed,
                 (select avg(x::bigint) from generate_series(1, 2) as x) as averaged`.execute(store.db);
      assert.deepEqual(rows, [{ big: 1795000000000, counted: 3, summed: 10, averaged: 1.5 }]);
      await assert.rejects(sql`select 9007199254740993::bigint as too_big`.execute(store.db), /too large/);
    } finally {
      await store.close();
    }
  });
});

describe('numeric parsing for PostgreSQL', () => {
  it('parses whole numbers exactly and refuses ones beyond 2^53', () => {
    assert.equal(parseExactInteger('9007199254740991'), 9007199254740991);
    assert.equal(parseExactInteger('-42'), -42);
    assert.throws(() => parseExactInteger('9007199254740993'), RangeError);
    assert.equal(parseNumeric('12.5'), 12.5);
    assert.throws(() => parseNumeric('123456789012345678901'), RangeError);
  });
});
