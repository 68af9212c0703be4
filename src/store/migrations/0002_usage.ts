import type { CreateTableBuilder, Kysely, Migration } from 'kysely';

/** Rollup dimensions, in the order of the unique constraint (the hour first, so range scans use it). */
const ROLLUP_DIMENSIONS = [
  'key_id',
  'app',
  'team',
  'cost_center',
  'business_unit',
  'user_id',
  'route',
  'provider',
  'model',
  'region',
] as const;

const ROLLUP_SUMS = [
  'request_count',
  'error_count',
  'unknown_cost_count',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micros',
] as const;

/**
 * The usage ledger: one row per request, and hourly sums for reports. Portable types only; flags are
 * integers so both databases read back the same values.
 */
export const usage: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('usage_records')
      .addColumn('request_id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('started_at', 'bigint', (col) => col.notNull())
      .addColumn('completed_at', 'bigint', (col) => col.notNull())
      .addColumn('endpoint', 'text', (col) => col.notNull())
      .addColumn('dialect', 'text', (col) => col.notNull())
      .addColumn('key_id', 'text')
      .addColumn('key_name', 'text')
      .addColumn('user_id', 'text')
      .addColumn('app', 'text')
      .addColumn('team', 'text')
      .addColumn('cost_center', 'text')
      .addColumn('business_unit', 'text')
      .addColumn('tags', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('requested_model', 'text')
      .addColumn('route', 'text')
      .addColumn('provider', 'text')
      .addColumn('provider_type', 'text')
      .addColumn('model', 'text')
      .addColumn('region', 'text')
      .addColumn('input_tokens', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('output_tokens', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('cache_read_tokens', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('cache_write_tokens', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('reasoning_tokens', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('cost_micros', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('cost_known', 'integer', (col) => col.notNull())
      .addColumn('price_version', 'text')
      .addColumn('zero_cost_anomaly', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('usage_estimated', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('latency_ms', 'integer', (col) => col.notNull())
      .addColumn('ttft_ms', 'integer')
      .addColumn('status', 'integer', (col) => col.notNull())
      .addColumn('error_kind', 'text')
      .addColumn('error_code', 'text')
      .addColumn('attempt_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('attempts', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('streamed', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('client_disconnected', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createIndex('usage_records_started_at')
      .on('usage_records')
      .column('started_at')
      .execute();
    await db.schema
      .createIndex('usage_records_team_started_at')
      .on('usage_records')
      .columns(['team', 'started_at'])
      .execute();
    await db.schema
      .createIndex('usage_records_model_started_at')
      .on('usage_records')
      .columns(['model', 'started_at'])
      .execute();
    await db.schema
      .createIndex('usage_records_key_started_at')
      .on('usage_records')
      .columns(['key_id', 'started_at'])
      .execute();

    // Typed with every column name, since the loops below add columns the builder cannot track.
    let rollup: CreateTableBuilder<'usage_rollup_hourly', string> = db.schema
      .createTable('usage_rollup_hourly')
      .addColumn('hour', 'bigint', (col) => col.notNull());
    for (const dimension of ROLLUP_DIMENSIONS) {
      rollup = rollup.addColumn(dimension, 'text', (col) => col.notNull().defaultTo(''));
    }
    for (const sum of ROLLUP_SUMS) {
      rollup = rollup.addColumn(sum, 'bigint', (col) => col.notNull().defaultTo(0));
    }
    await rollup.addUniqueConstraint('usage_rollup_hourly_unique', ['hour', ...ROLLUP_DIMENSIONS]).execute();
    await db.schema
      .createIndex('usage_rollup_hourly_team_hour')
      .on('usage_rollup_hourly')
      .columns(['team', 'hour'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('usage_rollup_hourly').execute();
    await db.schema.dropTable('usage_records').execute();
  },
};
