import { type Kysely, sql } from 'kysely';
import type { Store } from '../store/db.ts';
import type { DatabaseSchema } from '../store/schema.ts';

/**
 * Runs `work` in one transaction that intends to write. On SQLite it starts with BEGIN IMMEDIATE, taking
 * the write lock before the first read: a deferred transaction that reads and then writes fails at once
 * (SQLITE_BUSY, no waiting) if another process, such as the gateway flushing usage, wrote in between.
 * PostgreSQL runs it as an ordinary transaction; callers lock the rows they will change.
 */
export async function inWriteTransaction<T>(
  store: Pick<Store, 'db' | 'kind'>,
  work: (db: Kysely<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  if (store.kind === 'postgres') return store.db.transaction().execute(work);
  return store.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => {});
      throw error;
    }
  });
}
