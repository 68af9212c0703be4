import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openDatabase } from './db.ts';
import { MIGRATIONS, migrateToLatest, migrationStatus } from './migrations/index.ts';
import { TEST_POSTGRES_URL_ENV, testStoreTargets, withTestStores } from './testing.ts';

const ALL = Object.keys(MIGRATIONS).sort();

describe('migrations', () => {
  it('apply once, then do nothing on every later run', async () => {
    await withTestStores(
      async (store) => {
        const before = await migrationStatus(store);
        assert.deepEqual(
          before.map((m) => [m.name, m.appliedAt]),
          ALL.map((name) => [name, null]),
        );

        assert.deepEqual(await migrateToLatest(store), { applied: ALL });
        assert.deepEqual(await migrateToLatest(store), { applied: [] });

        const status = await migrationStatus(store);
        assert.deepEqual(
          status.map((m) => m.name),
          ALL,
        );
        for (const m of status) assert.equal(typeof m.appliedAt, 'number');

        // The tables are there and take rows.
        await store.db.insertInto('settings').values({ key: 'k', value: 'v', updated_at: 1 }).execute();
        const row = await store.db.selectFrom('settings').selectAll().executeTakeFirstOrThrow();
        assert.deepEqual(row, { key: 'k', value: 'v', updated_at: 1 });
      },
      { migrate: false },
    );
  });

  it('remember what was applied across connections', async () => {
    await withTestStores(async (store, label) => {
      if (store.url === undefined) return; // :memory: has no second connection
      const again = await openDatabase(store.url);
      try {
        assert.deepEqual(await migrateToLatest(again), { applied: [] }, label);
      } finally {
        await again.close();
      }
    });
  });

  it('keep two PostgreSQL schemas of one database apart', {
    skip: process.env[TEST_POSTGRES_URL_ENV] === undefined && `${TEST_POSTGRES_URL_ENV} is not set`,
  }, async () => {
    const target = testStoreTargets().find((t) => t.label === 'postgres');
    assert.ok(target);
    const first = await target.open();
    const second = await target.open({ migrate: false });
    try {
      // The first schema's bookkeeping must not make the second look migrated.
      assert.deepEqual(await migrateToLatest(second), { applied: ALL });
      await second.db
        .insertInto('settings')
        .values({ key: 'only-here', value: '1', updated_at: 1 })
        .execute();
      assert.equal(await first.db.selectFrom('settings').selectAll().executeTakeFirst(), undefined);

      // Introspection sees this installation's schema only.
      await second.db.schema.createTable('only_in_second').addColumn('id', 'integer').execute();
      const tables = await first.db.introspection.getTables();
      const names = tables.map((t) => t.name);
      assert.ok(!names.includes('only_in_second'), 'a table of the other schema is not listed');
      assert.ok(names.includes('api_keys') && names.includes('settings'));
      const apiKeys = tables.find((t) => t.name === 'api_keys');
      const expiresAt = apiKeys?.columns.find((c) => c.name === 'expires_at');
      assert.deepEqual(
        [expiresAt?.dataType, expiresAt?.isNullable, expiresAt?.isAutoIncrementing],
        ['int8', true, false],
      );
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('run exactly once when two connections migrate at the same moment', async () => {
    for (const target of testStoreTargets().filter((t) => t.label === 'postgres')) {
      const store = await target.open({ migrate: false });
      assert.ok(store.url);
      const other = await openDatabase(store.url);
      try {
        const results = await Promise.all([migrateToLatest(store), migrateToLatest(other)]);
        assert.deepEqual(results.flatMap((r) => r.applied).sort(), ALL);
      } finally {
        await other.close();
        await store.close();
      }
    }
  });

  it('run exactly once when two processes start on one SQLite file together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-migrate-'));
    try {
      const url = `sqlite:${join(dir, 'shared.db')}`;
      const startAt = Date.now() + 2500; // both children wait for this instant, then migrate
      const outputs = await Promise.all([migrateInChild(url, startAt), migrateInChild(url, startAt)]);
      const applied = outputs.flatMap((out) => (JSON.parse(out) as { applied: string[] }).applied);
      assert.deepEqual(applied.sort(), ALL);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function migrateInChild(url: string, startAt: number): Promise<string> {
  const here = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href);
  const script = `
    import { openDatabase } from ${here('db.ts')};
    import { migrateToLatest } from ${here('migrations/index.ts')};
    const store = await openDatabase(${JSON.stringify(url)});
    while (Date.now() < ${startAt}) {}
    const result = await migrateToLatest(store);
    await store.close();
    process.stdout.write(JSON.stringify(result));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`child failed: ${stderr}`)),
    );
  });
}
