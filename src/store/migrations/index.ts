import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from 'kysely';
import { GatewayError, messageOf } from '../../core/errors.ts';
import type { Store } from '../db.ts';
import type { DatabaseSchema } from '../schema.ts';
import { initial } from './0001_initial.ts';
import { usage } from './0002_usage.ts';
import { adminActions } from './0003_admin_actions.ts';
import { usageRollupDaily } from './0004_usage_rollup_daily.ts';

/**
 * Every migration, by name; they run in name order. Kept in code rather than read from a folder at run
 * time, so migrating works from any working directory and from a bundled build. Add new ones with the
 * next number; never rename or edit one that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_usage': usage,
  '0003_admin_actions': adminActions,
  '0004_usage_rollup_daily': usageRollupDaily,
};

const inCodeProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

export interface MigrationState {
  name: string;
  /** When it was applied (ms since the epoch), or null while pending. */
  appliedAt: number | null;
}

/** Applies every pending migration. Safe to run on every start and from several processes at once. */
export async function migrateToLatest(store: Store): Promise<{ applied: string[] }> {
  const { error, results = [] } =
    store.kind === 'sqlite' ? await migrateSqlite(store.db) : await migratorFor(store).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const where = failed === undefined ? '' : ` in ${failed}`;
    throw new GatewayError('internal', `Database migration failed${where}: ${messageOf(error)}`, {
      cause: error,
      retryable: false,
    });
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/**
 * Kysely runs SQLite migrations outside a transaction and without a lock, so a failure half-way would
 * leave tables behind, and two processes starting on one file (the server and a CLI command) would both
 * try to create them. SQLite does support transactional DDL: run everything inside BEGIN IMMEDIATE,
 * which takes the write lock up front, so a second process waits (busy_timeout) and then finds nothing
 * left to do.
 */
async function migrateSqlite(db: Kysely<DatabaseSchema>): Promise<MigrationResultSet> {
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    let outcome: MigrationResultSet;
    try {
      outcome = await new Migrator({ db: connection, provider: inCodeProvider }).migrateToLatest();
    } catch (error) {
      outcome = { error };
    }
    await sql.raw(outcome.error === undefined ? 'commit' : 'rollback').execute(connection);
    return outcome;
  });
}

/** Every known migration, in order, with when it was applied. */
export async function migrationStatus(store: Store): Promise<MigrationState[]> {
  const migrator = migratorFor(store);
  const migrations = await migrator.getMigrations();
  return migrations.map((m) => ({ name: m.name, appliedAt: m.executedAt?.getTime() ?? null }));
}

function migratorFor(store: Store): Migrator {
  // On PostgreSQL the store's introspection only sees the current schema (see postgres-dialect.ts), so
  // the migrator finds this installation's bookkeeping tables and no other's.
  return new Migrator({ db: store.db, provider: inCodeProvider });
}
