/**
 * Test helper: the databases every store-backed test runs against. SQLite always (a temp file and
 * :memory:); PostgreSQL too when SWITCHYARD_TEST_POSTGRES_URL is set, each store in a fresh schema that
 * is dropped on close, so test files can run in parallel against one database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Store } from './db.ts';
import { migrateToLatest } from './migrations/index.ts';

export const TEST_POSTGRES_URL_ENV = 'SWITCHYARD_TEST_POSTGRES_URL';

export type TestStoreLabel = 'sqlite-file' | 'sqlite-memory' | 'postgres';

export interface TestStore extends Store {
  /** A URL that opens another connection to the same data (as a second replica would); undefined for :memory:. */
  url: string | undefined;
}

export interface TestStoreOptions {
  /** Apply all migrations before returning (default true). */
  migrate?: boolean;
}

export interface TestStoreTarget {
  label: TestStoreLabel;
  /** A fresh, empty database; close() also deletes it. */
  open(options?: TestStoreOptions): Promise<TestStore>;
}

export function testStoreTargets(): TestStoreTarget[] {
  const targets: TestStoreTarget[] = [
    { label: 'sqlite-file', open: openSqliteFile },
    { label: 'sqlite-memory', open: openSqliteMemory },
  ];
  const postgresUrl = process.env[TEST_POSTGRES_URL_ENV];
  if (postgresUrl !== undefined && postgresUrl !== '') {
    targets.push({ label: 'postgres', open: (options) => openPostgresSchema(postgresUrl, options) });
  }
  return targets;
}

/**
 * Runs `fn` once per target with a fresh store, closing (and deleting) it afterwards. A failure names the
 * target it happened on.
 */
export async function withTestStores(
  fn: (store: TestStore, label: TestStoreLabel) => Promise<void>,
  options: TestStoreOptions = {},
): Promise<void> {
  for (const target of testStoreTargets()) {
    const store = await target.open(options);
    try {
      await fn(store, target.label);
    } catch (error) {
      if (error instanceof Error) error.message = `[${target.label}] ${error.message}`;
      throw error;
    } finally {
      await store.close();
    }
  }
}

async function openSqliteFile(options: TestStoreOptions = {}): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-store-'));
  const url = `sqlite:${join(dir, 'test.db')}`;
  const store = await prepared(await openDatabase(url), options);
  return {
    ...store,
    url,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openSqliteMemory(options: TestStoreOptions = {}): Promise<TestStore> {
  const store = await prepared(await openDatabase('sqlite::memory:'), options);
  return { ...store, url: undefined };
}

async function openPostgresSchema(baseUrl: string, options: TestStoreOptions = {}): Promise<TestStore> {
  const schema = `switchyard_test_${randomBytes(8).toString('hex')}`;
  await runAdminQuery(baseUrl, `create schema ${schema}`);
  const url = withSearchPath(baseUrl, schema);
  let store: Store;
  try {
    store = await prepared(await openDatabase(url), options);
  } catch (error) {
    await runAdminQuery(baseUrl, `drop schema if exists ${schema} cascade`);
    throw error;
  }
  return {
    ...store,
    url,
    close: async () => {
      await store.close();
      await runAdminQuery(baseUrl, `drop schema if exists ${schema} cascade`);
    },
  };
}

async function prepared(store: Store, options: TestStoreOptions): Promise<Store> {
  if (options.migrate !== false) {
    try {
      await migrateToLatest(store);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/** Points every connection of a pool opened from the URL at `schema` (pg reads `options` from the URL). */
function withSearchPath(baseUrl: string, schema: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function runAdminQuery(baseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
