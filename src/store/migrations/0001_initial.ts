import type { Kysely, Migration } from 'kysely';

/** API keys and bootstrap settings. Only portable column types, so it runs on SQLite and PostgreSQL. */
export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('key_hash', 'text', (col) => col.notNull())
      .addColumn('key_prefix', 'text', (col) => col.notNull())
      // No CHECK on role: adding roles later would need a table rebuild on SQLite. The repository
      // validates it.
      .addColumn('role', 'text', (col) => col.notNull())
      .addColumn('metadata', 'text', (col) => col.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .addUniqueConstraint('api_keys_key_hash_unique', ['key_hash'])
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (col) => col.notNull().primaryKey())
      .addColumn('value', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('settings').execute();
    await db.schema.dropTable('api_keys').execute();
  },
};
