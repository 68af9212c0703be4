/** Test helper: a varied, deterministic set of usage records, and sums computed straight from them. */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { UsageRecord } from './record.ts';
import type { ReportStore } from './report-query.ts';
import { emptySums, type UsageSums } from './report-query.ts';
import { sampleRecord } from './testing.ts';

/** 2025-01-30 22:00 UTC: the fixtures run across a month boundary, into February. */
export const FIXTURE_START = Date.UTC(2025, 0, 30, 22, 0);
export const FIXTURE_COUNT = 90;

const TEAMS = ['search', 'ads', 'R&D, "Labs"', null] as const;
const APPS = ['web', 'batch', 'chat'] as const;
const COST_CENTERS = ['cc-100', 'cc-200', null] as const;
const KEYS = ['key_a', 'key_b', 'key_c'] as const;
const USERS = ['ada', 'grace', null] as const;
const TARGETS = [
  { provider: 'openai', provider_type: 'openai', model: 'gpt-4o-mini', region: 'us' },
  { provider: 'openai', provider_type: 'openai', model: 'gpt-4o', region: 'us' },
  { provider: 'claude-eu', provider_type: 'anthropic', model: 'claude-sonnet-4-5', region: 'eu' },
] as const;
const TAG_SETS = [[], ['env=prod'], ['env=prod', 'feature=autocomplete'], ['beta'], ['env=dev']] as const;

/** Records every ~47 minutes from FIXTURE_START, each dimension cycling at its own pace. */
export function fixtureRecords(prefix = 'req_fx'): UsageRecord[] {
  const records: UsageRecord[] = [];
  for (let i = 0; i < FIXTURE_COUNT; i += 1) {
    const target = TARGETS[i % TARGETS.length]!;
    const startedAt = FIXTURE_START + i * 47 * 60_000 + ((i * 13) % 60) * 1000;
    const input = 100 + ((i * 37) % 900);
    const output = 10 + ((i * 11) % 300);
    const known = i % 7 !== 3;
    records.push(
      sampleRecord({
        request_id: `${prefix}_${String(i).padStart(3, '0')}`,
        started_at: startedAt,
        completed_at: startedAt + 500,
        key_id: KEYS[i % KEYS.length]!,
        key_name: `name-${KEYS[i % KEYS.length]!}`,
        user_id: USERS[i % USERS.length]!,
        app: APPS[(i >> 1) % APPS.length]!,
        team: TEAMS[i % TEAMS.length]!,
        cost_center: COST_CENTERS[(i >> 2) % COST_CENTERS.length]!,
        business_unit: i % 2 === 0 ? 'consumer' : 'enterprise',
        tags: [...TAG_SETS[i % TAG_SETS.length]!],
        route: i % 4 === 0 ? 'chat-cheap' : 'chat-default',
        ...target,
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: i % 5 === 0 ? 50 : 0,
        cache_write_tokens: i % 9 === 0 ? 20 : 0,
        reasoning_tokens: i % 6 === 0 ? 5 : 0,
        cost_known: known,
        cost_micros: known ? input * 3 + output * 11 : 0,
        price_version: known ? `${target.provider_type}/${target.model}@00000000000${i % 2}` : null,
        status: i % 10 === 9 ? 502 : i % 8 === 5 ? 429 : 200,
      }),
    );
  }
  return records;
}

/** Sums of records per group, computed directly (the reference a report must match). */
export function referenceSums(
  records: readonly UsageRecord[],
  groupsOf: (record: UsageRecord) => ReadonlyArray<string | null>,
): Map<string | null, UsageSums> {
  const groups = new Map<string | null, UsageSums>();
  for (const record of records) {
    for (const group of groupsOf(record)) {
      const sums = groups.get(group) ?? emptySums();
      sums.requests += 1;
      sums.errors += record.status >= 400 ? 1 : 0;
      sums.unpriced_requests += record.cost_known ? 0 : 1;
      sums.input_tokens += record.input_tokens;
      sums.output_tokens += record.output_tokens;
      sums.cache_read_tokens += record.cache_read_tokens;
      sums.cache_write_tokens += record.cache_write_tokens;
      sums.reasoning_tokens += record.reasoning_tokens;
      sums.cost_micros += record.cost_micros;
      groups.set(group, sums);
    }
  }
  return groups;
}

export function totalSums(records: readonly UsageRecord[]): UsageSums {
  return referenceSums(records, () => [null]).get(null) ?? emptySums();
}

const DAILY_DIMENSIONS = 'key_id, app, team, cost_center, business_unit, route, provider, model, region';
const ROLLUP_SUM_COLUMNS = [
  'request_count',
  'error_count',
  'unknown_cost_count',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micros',
];

/** Asserts that usage_rollup_daily holds exactly the hourly rollup summed per day. */
export async function dailyMatchesHourly(store: ReportStore): Promise<void> {
  const sums = ROLLUP_SUM_COLUMNS.map((column) => `sum(${column}) as ${column}`).join(', ');
  const expected = await sql
    .raw<Record<string, unknown>>(
      `select (hour / 86400000) * 86400000 as day, ${DAILY_DIMENSIONS}, ${sums} from usage_rollup_hourly
       group by (hour / 86400000) * 86400000, ${DAILY_DIMENSIONS} order by 1, ${DAILY_DIMENSIONS}`,
    )
    .execute(store.db);
  const actual = await sql
    .raw<Record<string, unknown>>(
      `select day, ${DAILY_DIMENSIONS}, ${ROLLUP_SUM_COLUMNS.join(', ')} from usage_rollup_daily
       order by 1, ${DAILY_DIMENSIONS}`,
    )
    .execute(store.db);
  const normalize = (rows: Record<string, unknown>[]) =>
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, String(value)])));
  assert.ok(expected.rows.length > 0);
  assert.deepEqual(normalize(actual.rows), normalize(expected.rows), 'the daily sums equal the hourly sums');
}
