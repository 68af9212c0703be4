import type { ColumnType } from 'kysely';

/**
 * Table shapes as Kysely sees them. Times are integer milliseconds since the epoch in BIGINT columns on
 * both databases, so a row reads the same from SQLite and PostgreSQL. Modules that add tables add their
 * interface here and a migration under ./migrations/.
 */
export interface DatabaseSchema {
  api_keys: ApiKeysTable;
  settings: SettingsTable;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  /** Hex SHA-256 of the key; the plaintext is never stored. */
  key_hash: string;
  /** The key's first characters, shown in listings so people can tell keys apart. */
  key_prefix: string;
  role: string;
  /** A JSON object; the column defaults to '{}'. */
  metadata: ColumnType<string, string | undefined, string>;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}
