// Synthetic usage for the reports benchmark, and a bulk loader that writes records and their hourly
// rollup as the ledger would, only in far bigger statements.
import { CompiledQuery, sql } from 'kysely';
import type { UsageRecord } from '../src/metering/record.ts';
import { ROLLUP_DIMENSIONS, ROLLUP_SUMS } from '../src/metering/rollup.ts';
import type { Store } from '../src/store/db.ts';
import type { UsageRecordsTable } from '../src/store/schema.ts';

const TEAMS = Array.from({ length: 30 }, (_, i) => `team-${i}`);
const APPS = Array.from({ length: 60 }, (_, i) => `app-${i}`);
const COST_CENTERS = Array.from({ length: 12 }, (_, i) => `cc-${100 + i}`);
const BUSINESS_UNITS = ['consumer', 'enterprise', 'platform', 'research'];
const KEY_COUNT = 200;
const ROUTES = Array.from({ length: 8 }, (_, i) => `route-${i}`);
const TARGETS = [
  ['openai', 'openai', 'gpt-4o-mini', 'us'],
  ['openai', 'openai', 'gpt-4o', 'us'],
  ['openai', 'openai', 'o3-mini', 'us'],
  ['azure-eu', 'azure-openai', 'gpt-4o', 'eu'],
  ['claude', 'anthropic', 'claude-sonnet-4-5', 'us'],
  ['claude', 'anthropic', 'claude-haiku-4-5', 'us'],
  ['bedrock-eu', 'bedrock', 'anthropic.claude-sonnet-4-5', 'eu'],
  ['gemini', 'gemini', 'gemini-2.5-flash', 'us'],
  ['gemini', 'gemini', 'gemini-2.5-pro', 'us'],
  ['mistral', 'mistral', 'mistral-large-latest', 'eu'],
  ['cohere', 'cohere', 'command-r-plus', 'us'],
  ['vllm', 'openai-compatible', 'llama-3.3-70b', 'eu'],
] as const;
const TAG_SETS = [
  [],
  ['env=prod'],
  ['env=prod', 'feature=search'],
  ['env=staging'],
  ['env=prod', 'feature=chat'],
];

/** A small, fast, seeded generator, so every run loads the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Records spread evenly over [from, to). Like real keys, each key belongs to one app, team and cost
 * center; a third of the keys name end users (five each), the rest are service keys; each key mostly
 * uses one route, and each route mostly one of its two targets.
 */
export function* syntheticRecords(
  count: number,
  from: number,
  to: number,
  seed = 42,
): Generator<UsageRecord> {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  for (let i = 0; i < count; i += 1) {
    const key = Math.floor(next() * KEY_COUNT);
    const team = key % TEAMS.length;
    const costCenter = team % COST_CENTERS.length;
    const route = next() < 0.8 ? key % ROUTES.length : (key + 3) % ROUTES.length;
    const target = TARGETS[(route * 2 + (next() < 0.75 ? 0 : 1)) % TARGETS.length]!;
    // In time order, as a ledger writes them, with a little jitter.
    const startedAt = Math.min(to - 1, from + Math.floor(((i + next()) * (to - from)) / count));
    const input = 50 + Math.floor(next() * 4000);
    const output = 10 + Math.floor(next() * 1000);
    const known = next() >= 0.02;
    const status = next() < 0.01 ? pick([429, 500, 502]) : 200;
    yield {
      request_id: `req_bench_${seed}_${String(i).padStart(9, '0')}`,
      started_at: startedAt,
      completed_at: startedAt + 800,
      endpoint: 'chat',
      dialect: 'openai-chat',
      key_id: `key_${key}`,
      key_name: `service-${key}`,
      user_id: key % 3 === 0 ? `user-${key}-${Math.floor(next() * 5)}` : null,
      app: APPS[key % APPS.length]!,
      team: TEAMS[team]!,
      cost_center: COST_CENTERS[costCenter]!,
      business_unit: BUSINESS_UNITS[costCenter % BUSINESS_UNITS.length]!,
      tags: [...pick(TAG_SETS)],
      requested_model: ROUTES[route]!,
      route: ROUTES[route]!,
      provider: target[0],
      provider_type: target[1],
      model: target[2],
      region: target[3],
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: next() < 0.2 ? Math.floor(input / 2) : 0,
      cache_write_tokens: 0,
      reasoning_tokens: target[2].startsWith('o3') ? Math.floor(output / 2) : 0,
      cost_micros: known ? input * 2 + output * 8 : 0,
      cost_known: known,
      price_version: known ? `${target[1]}/${target[2]}@0123456789ab` : null,
      zero_cost_anomaly: false,
      usage_estimated: false,
      latency_ms: 800,
      ttft_ms: 200,
      status,
      error_kind: status === 200 ? null : 'upstream_error',
      error_code: null,
      attempt_count: 1,
      attempts: [],
      streamed: false,
      client_disconnected: false,
    };
  }
}

function toRow(record: UsageRecord): UsageRecordsTable {
  return {
    ...record,
    tags: JSON.stringify(record.tags),
    attempts: JSON.stringify(record.attempts),
    cost_known: record.cost_known ? 1 : 0,
    zero_cost_anomaly: 0,
    usage_estimated: 0,
    streamed: 0,
    client_disconnected: 0,
  };
}

const COLUMNS = [
  'request_id',
  'started_at',
  'completed_at',
  'endpoint',
  'dialect',
  'key_id',
  'key_name',
  'user_id',
  'app',
  'team',
  'cost_center',
  'business_unit',
  'tags',
  'requested_model',
  'route',
  'provider',
  'provider_type',
  'model',
  'region',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micros',
  'cost_known',
  'price_version',
  'zero_cost_anomaly',
  'usage_estimated',
  'latency_ms',
  'ttft_ms',
  'status',
  'error_kind',
  'error_code',
  'attempt_count',
  'attempts',
  'streamed',
  'client_disconnected',
] as const satisfies ReadonlyArray<keyof UsageRecordsTable>;

const TEXT_COLUMNS = new Set<string>([
  'request_id',
  'endpoint',
  'dialect',
  'key_id',
  'key_name',
  'user_id',
  'app',
  'team',
  'cost_center',
  'business_unit',
  'tags',
  'requested_model',
  'route',
  'provider',
  'provider_type',
  'model',
  'region',
  'price_version',
  'error_kind',
  'error_code',
  'attempts',
]);

/** SQLite: 800 rows of 38 parameters per statement stays under its 32,766-parameter limit. */
const SQLITE_ROWS_PER_STATEMENT = 800;
const RECORDS_PER_TRANSACTION = 50_000;

/**
 * Inserts records far faster than row-by-row: on SQLite, big multi-row statements whose SQL is built
 * once; on PostgreSQL, one statement per 50,000 records that expands a JSON array into rows. Then fills
 * the hourly rollup from the records in one INSERT ... SELECT, by the ledger's definitions (a missing
 * dimension is '', an error is a status of 400 or more). Returns how many rollup rows there are.
 */
export async function bulkLoad(store: Store, records: Iterable<UsageRecord>): Promise<number> {
  let batch: UsageRecordsTable[] = [];
  const insert = store.kind === 'sqlite' ? insertSqlite : insertPostgres;
  for (const record of records) {
    batch.push(toRow(record));
    if (batch.length >= RECORDS_PER_TRANSACTION) {
      await insert(store, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await insert(store, batch);

  const dimensions = ROLLUP_DIMENSIONS.map((dimension) => `coalesce(${dimension}, '')`);
  await sql
    .raw(
      `insert into usage_rollup_hourly (hour, ${ROLLUP_DIMENSIONS.join(', ')}, ${ROLLUP_SUMS.join(', ')})
       select (started_at / 3600000) * 3600000, ${dimensions.join(', ')},
         count(*), sum(case when status >= 400 then 1 else 0 end), sum(1 - cost_known),
         sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
         sum(reasoning_tokens), sum(cost_micros)
       from usage_records
       group by (started_at / 3600000) * 3600000, ${dimensions.join(', ')}`,
    )
    .execute(store.db);
  const counted = await store.db
    .selectFrom('usage_rollup_hourly')
    .select((eb) => eb.fn.countAll<number>().as('rows'))
    .executeTakeFirstOrThrow();
  return Number(counted.rows);
}

async function insertSqlite(store: Store, rows: readonly UsageRecordsTable[]): Promise<void> {
  const row = `(${COLUMNS.map(() => '?').join(',')})`;
  const statement = (count: number) =>
    `insert into usage_records (${COLUMNS.join(',')}) values ${Array.from({ length: count }, () => row).join(',')}`;
  const full = statement(SQLITE_ROWS_PER_STATEMENT);
  await store.db.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += SQLITE_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + SQLITE_ROWS_PER_STATEMENT);
      const parameters = chunk.flatMap((values) => COLUMNS.map((column) => values[column]));
      const text = chunk.length === SQLITE_ROWS_PER_STATEMENT ? full : statement(chunk.length);
      await trx.executeQuery(CompiledQuery.raw(text, parameters));
    }
  });
}

async function insertPostgres(store: Store, rows: readonly UsageRecordsTable[]): Promise<void> {
  const types = COLUMNS.map((column) => `${column} ${TEXT_COLUMNS.has(column) ? 'text' : 'bigint'}`);
  await store.db.executeQuery(
    CompiledQuery.raw(
      `insert into usage_records (${COLUMNS.join(',')})
       select ${COLUMNS.join(',')} from jsonb_to_recordset($1::jsonb) as r(${types.join(',')})`,
      [JSON.stringify(rows)],
    ),
  );
}
