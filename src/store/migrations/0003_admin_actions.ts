import type { Kysely, Migration } from 'kysely';

/**
 * What administrators did (re-pricing usage, and later any other change made through the admin API or
 * CLI): append-only, one row per action, with its parameters and outcome as JSON text.
 */
export const adminActions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('admin_actions')
      .addColumn('id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('at', 'bigint', (col) => col.notNull())
      .addColumn('actor_key_id', 'text', (col) => col.notNull())
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('parameters', 'text', (col) => col.notNull().defaultTo('{}'))
      .addColumn('result', 'text', (col) => col.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('admin_actions_at').on('admin_actions').columns(['at', 'id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('admin_actions').execute();
  },
};
