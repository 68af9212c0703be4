import type { ColumnType } from 'kysely';

/**
 * Table shapes as Kysely sees them. Times are integer milliseconds since the epoch in BIGINT columns on
 * both databases, so a row reads the same from SQLite and PostgreSQL. Modules that add tables add their
 * interface here and a migration under ./migrations/.
 */
export interface DatabaseSchema {
  api_keys: ApiKeysTable;
  settings: SettingsTable;
  usage_records: UsageRecordsTable;
  usage_rollup_hourly: UsageRollupHourlyTable;
  usage_rollup_daily: UsageRollupDailyTable;
  admin_actions: AdminActionsTable;
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

/**
 * One row per metered request. Flags are 0/1 integers (SQLite has no boolean type, and PostgreSQL would
 * return true/false), tags and attempts are JSON text, cost is integer micro-USD.
 */
export interface UsageRecordsTable {
  request_id: string;
  started_at: number;
  completed_at: number;
  endpoint: string;
  dialect: string;
  key_id: string | null;
  key_name: string | null;
  user_id: string | null;
  app: string | null;
  team: string | null;
  cost_center: string | null;
  business_unit: string | null;
  /** JSON array of `k=v` strings. */
  tags: string;
  /** The model name the client sent. */
  requested_model: string | null;
  route: string | null;
  provider: string | null;
  provider_type: string | null;
  /** The upstream model that served the request. */
  model: string | null;
  region: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micros: number;
  cost_known: number;
  price_version: string | null;
  zero_cost_anomaly: number;
  usage_estimated: number;
  latency_ms: number;
  ttft_ms: number | null;
  status: number;
  error_kind: string | null;
  error_code: string | null;
  attempt_count: number;
  /** JSON array of attempts (route, target, outcome, duration), one per upstream call. */
  attempts: string;
  streamed: number;
  client_disconnected: number;
}

/**
 * Sums of usage per hour and attribution dimensions, kept in step with usage_records so reports over
 * long ranges read thousands of rows, not millions. A missing dimension is '' (not NULL), because
 * NULLs never collide in a unique constraint and the upsert would add a row each time.
 */
export interface UsageRollupHourlyTable {
  /** Start of the hour, ms since the epoch (UTC). */
  hour: number;
  key_id: string;
  app: string;
  team: string;
  cost_center: string;
  business_unit: string;
  user_id: string;
  route: string;
  provider: string;
  model: string;
  region: string;
  request_count: number;
  error_count: number;
  unknown_cost_count: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micros: number;
}

/**
 * Daily sums of usage_rollup_hourly over every dimension but `user_id`, kept in step with it by database
 * triggers (migration 0004). Long-range reports that do not need hours or users read this.
 */
export interface UsageRollupDailyTable {
  /** Start of the UTC day, ms since the epoch. */
  day: number;
  key_id: string;
  app: string;
  team: string;
  cost_center: string;
  business_unit: string;
  route: string;
  provider: string;
  model: string;
  region: string;
  request_count: number;
  error_count: number;
  unknown_cost_count: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micros: number;
}

/** One administrative action (a re-pricing, ...). Append-only: rows are never updated or deleted. */
export interface AdminActionsTable {
  id: string;
  /** When it was done, ms since the epoch. */
  at: number;
  /** The key that did it (`master` for the master key), or `cli` for the command line. */
  actor_key_id: string;
  /** What was done, e.g. `usage.reprice`. */
  action: string;
  /** JSON object: what was asked. */
  parameters: string;
  /** JSON object: what came of it. */
  result: string;
}
