import { Kysely, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import { GatewayError, messageOf } from '../core/errors.ts';
import { CurrentSchemaPostgresDialect } from './postgres-dialect.ts';
import type { DatabaseSchema } from './schema.ts';
import { openSqliteConnection } from './sqlite.ts';
import { parseStorageUrl, redactStorageUrl } from './url.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<DatabaseSchema>;
  kind: StoreKind;
  /** Where the data lives, safe to log: the SQLite path, or the PostgreSQL URL with its password hidden. */
  location: string;
  /** Closes the connection or pool. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Directory that relative SQLite paths are resolved against (default: process.cwd()). */
  cwd?: string;
  /**
   * Called when an idle PostgreSQL connection fails (for example the server restarted). The pool drops
   * the connection and the next query opens a new one; without a listener the error would end the process.
   */
  onPoolError?: (error: Error) => void;
  /** Most PostgreSQL connections the pool opens (default 10). */
  poolSize?: number;
}

const PG_POOL_SIZE = 10;

/**
 * Opens the database `storage.url` points at: `sqlite:<path>`, `sqlite::memory:`, a path ending in .db,
 * or `postgres://` / `postgresql://`. Checks the connection before returning, so a wrong URL fails at
 * start rather than on the first request.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Store> {
  const target = parseStorageUrl(url, options.cwd);
  if (target.kind === 'sqlite') return openSqlite(target.path);
  return openPostgres(target.connectionString, options);
}

function openSqlite(path: string): Store {
  const database = openSqliteConnection(path);
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database }) });
  return { db, kind: 'sqlite', location: path, close: once(() => db.destroy()) };
}

async function openPostgres(connectionString: string, options: OpenDatabaseOptions): Promise<Store> {
  const location = redactStorageUrl(connectionString);
  // The driver loads only when PostgreSQL is used: an SQLite installation never pays for it.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString,
    max: options.poolSize ?? PG_POOL_SIZE,
    types: pgTypes(driver),
  });
  pool.on('error', options.onPoolError ?? (() => {}));
  const db = new Kysely<DatabaseSchema>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    const reason = hideSecret(messageOf(error), passwordOf(connectionString));
    throw new GatewayError('unavailable', `Cannot connect to PostgreSQL at ${location}: ${reason}`, {
      cause: error,
      retryable: false,
    });
  }
  return { db, kind: 'postgres', location, close: once(() => db.destroy()) };
}

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;

/**
 * pg returns BIGINT and NUMERIC as strings, because they can exceed what a JavaScript number holds
 * exactly. Our BIGINT columns hold counts, micro-unit money and millisecond times, all far below 2^53, and
 * SQLite returns them as numbers; parsing them here keeps rows identical on both databases. NUMERIC only
 * appears as the result of SUM/AVG over BIGINT columns (the schema stores no NUMERIC column), and SQLite
 * returns those as numbers too. A whole number beyond 2^53 is refused rather than silently rounded.
 */
function pgTypes(driver: typeof pg) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === PG_INT8_OID) return parseExactInteger;
      if (oid === PG_NUMERIC_OID) return parseNumeric;
      return driver.types.getTypeParser(oid, format);
    }) as typeof driver.types.getTypeParser,
  };
}

export function parseExactInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Database integer ${text} is too large to represent exactly`);
  }
  return value;
}

export function parseNumeric(text: string): number {
  return /^-?\d+$/.test(text) ? parseExactInteger(text) : Number(text);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

function passwordOf(connectionString: string): string {
  try {
    return decodeURIComponent(new URL(connectionString).password);
  } catch {
    return '';
  }
}

function hideSecret(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('***');
}
