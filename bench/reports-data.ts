// Synthetic usage for the reports benchmark, and a bulk loader that writes records and their hourly
// rollup the way the ledger would, only in far bigger statements.
import type { UsageRecord } from '../src/metering/record.ts';
import { ROLLUP_DIMENSIONS, ROLLUP_SUMS, rollupRows } from '../src/metering/rollup.ts';
import type { Store } from '../src/store/db.ts';
import type { UsageRecordsTable, UsageRollupHourlyTable } from '../src/store/schema.ts';

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
const TAG_SETS = [[], ['env=prod'], ['env=prod', 'feature=search'], ['env=staging'], ['env=prod', 'feature=chat']];

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
export function* syntheticRecords(count: number, from: number, to: number, seed = 42): Generator<UsageRecord> {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  for (let i = 0; i < count; i += 1) {
    const key = Math.floor(next() * KEY_COUNT);
    const team = key % TEAMS.length;
    const costCenter = team % COST_CENTERS.length;
    const route = next() < 0.8 ? key % ROUTES.length : (key + 3) % ROUTES.length;
    const target = TARGETS[(route * 2 + (next() < 0.75 ? 0 : 1)) % TARGETS.length]!;
    const startedAt = from + Math.floor(next() * (to - from));
    const input = 50 + Math.floor(next() * 4000);
    const output = 10 + Math.floor(next() * 1000);
    const known = next() >= 0.02;
    const status = next() < 0.01 ? pick([429, 500, 502]) : 200;
    yield {
      request_id: `req_bench_${seed}_${i}`,
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

/** Both databases cap bound parameters per statement (SQLite 32,766; PostgreSQL 65,535); 41 columns a row. */
const ROWS_PER_STATEMENT = { sqlite: 700, postgres: 1500 } as const;
const RECORDS_PER_TRANSACTION = 50_000;

/**
 * Inserts records in big multi-row statements, a transaction per 50,000, and the hourly rollup summed
 * over all of them at the end (the same rollup the ledger computes). Returns how many rollup rows.
 */
export async function bulkLoad(store: Store, records: Iterable<UsageRecord>): Promise<number> {
  const perStatement = ROWS_PER_STATEMENT[store.kind];
  const rollup = new Map<string, UsageRollupHourlyTable>();
  let batch: UsageRecord[] = [];
  const flush = async () => {
    const rows = batch.map(toRow);
    for (const row of rollupRows(batch)) {
      const key = JSON.stringify([row.hour, ...ROLLUP_DIMENSIONS.map((dimension) => row[dimension])]);
      const existing = rollup.get(key);
      if (!existing) rollup.set(key, row);
      else for (const sum of ROLLUP_SUMS) existing[sum] += row[sum];
    }
    batch = [];
    await store.db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += perStatement) {
        await trx.insertInto('usage_records').values(rows.slice(start, start + perStatement)).execute();
      }
    });
  };
  for (const record of records) {
    batch.push(record);
    if (batch.length >= RECORDS_PER_TRANSACTION) await flush();
  }
  if (batch.length > 0) await flush();

  const sums = [...rollup.values()];
  const rollupPerStatement = Math.floor((perStatement * 41) / 20);
  await store.db.transaction().execute(async (trx) => {
    for (let start = 0; start < sums.length; start += rollupPerStatement) {
      await trx.insertInto('usage_rollup_hourly').values(sums.slice(start, start + rollupPerStatement)).execute();
    }
  });
  return sums.length;
}
