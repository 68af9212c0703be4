import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDirectory } from '../core/directories.ts';
import { GatewayError, messageOf } from '../core/errors.ts';

// Apart from store/db.ts so that a thread that only writes SQLite (the usage writer) does not load
// Kysely: its module graph costs a worker thread about 10 MB of memory.

const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface SqliteConnectionOptions {
  /**
   * The page cache's ceiling in KiB. better-sqlite3 builds SQLite with 16 MiB per connection; a
   * connection that only appends can do with far less (see the usage writer).
   */
  cacheSizeKiB?: number;
}

/** A better-sqlite3 connection with the settings every connection of the gateway uses. */
export function openSqliteConnection(path: string, options: SqliteConnectionOptions = {}): Database.Database {
  try {
    if (path !== ':memory:') ensureDirectory(dirname(path));
    const database = new Database(path);
    // busy_timeout first: switching to WAL needs a lock another process may briefly hold.
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets readers proceed while a writer commits; NORMAL sync is durable across process crashes
    // (only an OS crash can lose the last commits), which the usage journal already covers.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // A negative cache_size is in KiB rather than pages.
    if (options.cacheSizeKiB !== undefined)
      database.pragma(`cache_size = -${Math.trunc(options.cacheSizeKiB)}`);
    return database;
  } catch (error) {
    throw new GatewayError('unavailable', `Cannot open the SQLite database at ${path}: ${messageOf(error)}`, {
      cause: error,
      retryable: false,
    });
  }
}
