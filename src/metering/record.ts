import type { PriceOverride } from '../config/schema.ts';
import type { Usage } from '../core/ir.ts';
import type { AttemptRecord } from '../routing/executor.ts';
import type { UsageRecordsTable } from '../store/schema.ts';
import { attributionOf } from './attribution.ts';
import type { Charge } from './charge.ts';

/**
 * The parts of the pipeline's request context metering reads (and `responseHeaders`, which it writes).
 * Declared here rather than imported, since domain modules sit below the pipeline.
 */
export interface MeteredContext {
  id: string;
  startedAt: number;
  startedHr: bigint;
  endpoint: string;
  dialect: string;
  principal?: { keyId: string; keyName: string; metadata: Record<string, unknown> };
  requestedModel?: string;
  route?: string;
  provider?: string;
  providerType?: string;
  upstreamModel?: string;
  region?: string;
  priceOverride?: PriceOverride;
  endUser?: string;
  stream: boolean;
  attempts: readonly AttemptRecord[];
  ttftMs?: number;
  usage?: Usage;
  usageEstimated: boolean;
  /** Set by metering once the request is priced (left unset when its cost is unknown). */
  costMicros?: number;
  status: number;
  errorKind?: string;
  errorCode?: string;
  clientDisconnected: boolean;
  responseHeaders: Record<string, string>;
  tags: readonly string[];
}

/**
 * One request's usage, as journaled (one JSON line) and as stored (one row; see UsageRecordsTable).
 * Field names are the column names, so the journal line, the row and the record read back agree.
 */
export type UsageRecord = Omit<UsageRecordsTable, DecodedColumn> & {
  tags: string[];
  attempts: AttemptRecord[];
  cost_known: boolean;
  zero_cost_anomaly: boolean;
  usage_estimated: boolean;
  streamed: boolean;
  client_disconnected: boolean;
};

/** Columns stored encoded (JSON text, 0/1 flags) and held decoded in a record. */
type DecodedColumn =
  | 'tags'
  | 'attempts'
  | 'cost_known'
  | 'zero_cost_anomaly'
  | 'usage_estimated'
  | 'streamed'
  | 'client_disconnected';

export interface RecordFacts {
  charge: Charge;
  completedAt: number;
  latencyMs: number;
}

export function buildUsageRecord(context: MeteredContext, facts: RecordFacts): UsageRecord {
  const { charge } = facts;
  const attribution = attributionOf(context.principal?.metadata, context.endUser, context.tags);
  const usage = context.usage;
  return {
    request_id: context.id,
    started_at: context.startedAt,
    completed_at: facts.completedAt,
    endpoint: context.endpoint,
    dialect: context.dialect,
    key_id: context.principal?.keyId ?? null,
    key_name: context.principal?.keyName ?? null,
    user_id: attribution.user,
    app: attribution.app,
    team: attribution.team,
    cost_center: attribution.costCenter,
    business_unit: attribution.businessUnit,
    tags: attribution.tags,
    requested_model: context.requestedModel ?? null,
    route: context.route ?? null,
    provider: context.provider ?? null,
    provider_type: context.providerType ?? null,
    model: context.upstreamModel ?? null,
    region: context.region ?? null,
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cache_read_tokens: usage?.cacheReadTokens ?? 0,
    cache_write_tokens: usage?.cacheWriteTokens ?? 0,
    reasoning_tokens: usage?.reasoningTokens ?? 0,
    cost_micros: charge.costMicros,
    cost_known: charge.costKnown,
    price_version: charge.priceVersion,
    zero_cost_anomaly: charge.zeroCostAnomaly,
    usage_estimated: context.usageEstimated,
    latency_ms: Math.round(facts.latencyMs),
    ttft_ms: context.ttftMs === undefined ? null : Math.round(context.ttftMs),
    status: context.status,
    error_kind: context.errorKind ?? null,
    error_code: context.errorCode ?? null,
    attempt_count: context.attempts.length,
    attempts: [...context.attempts],
    streamed: context.stream,
    client_disconnected: context.clientDisconnected,
  };
}

/** Elapsed milliseconds since the request started, by the high-resolution clock. */
export function elapsedSince(context: Pick<MeteredContext, 'startedHr'>): number {
  return Number(process.hrtime.bigint() - context.startedHr) / 1e6;
}

const TEXT_FIELDS = ['request_id', 'endpoint', 'dialect'] as const;
const OPTIONAL_TEXT_FIELDS = [
  'key_id',
  'key_name',
  'user_id',
  'app',
  'team',
  'cost_center',
  'business_unit',
  'requested_model',
  'route',
  'provider',
  'provider_type',
  'model',
  'region',
  'price_version',
  'error_kind',
  'error_code',
] as const;
const NUMBER_FIELDS = [
  'started_at',
  'completed_at',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micros',
  'latency_ms',
  'status',
  'attempt_count',
] as const;
const FLAG_FIELDS = [
  'cost_known',
  'zero_cost_anomaly',
  'usage_estimated',
  'streamed',
  'client_disconnected',
] as const;

/** Every column of usage_records, each once. */
export const USAGE_COLUMNS: readonly (keyof UsageRecord)[] = [
  ...TEXT_FIELDS,
  ...OPTIONAL_TEXT_FIELDS,
  ...NUMBER_FIELDS,
  ...FLAG_FIELDS,
  'ttft_ms',
  'tags',
  'attempts',
];

/**
 * A record read back from a journal line, keeping only known fields, or undefined when the line is not
 * a record. A journal written by a newer version may carry fields this one has no column for; a line
 * that is not a record at all must not block every batch after it.
 */
export function recordFromJournal(value: unknown): UsageRecord | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const source = value as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS) {
    if (typeof source[field] !== 'string') return undefined;
    record[field] = source[field];
  }
  for (const field of OPTIONAL_TEXT_FIELDS) {
    const text = source[field];
    if (text !== null && text !== undefined && typeof text !== 'string') return undefined;
    record[field] = text ?? null;
  }
  for (const field of NUMBER_FIELDS) {
    if (!Number.isSafeInteger(source[field])) return undefined;
    record[field] = source[field];
  }
  for (const field of FLAG_FIELDS) record[field] = source[field] === true;
  const ttft = source.ttft_ms;
  record.ttft_ms = Number.isSafeInteger(ttft) ? ttft : null;
  record.tags = Array.isArray(source.tags) ? source.tags.filter((tag) => typeof tag === 'string') : [];
  record.attempts = Array.isArray(source.attempts) ? source.attempts : [];
  return record as unknown as UsageRecord;
}

/** A record as its row: JSON text for lists, 0/1 for flags. */
export function toRow(record: UsageRecord): UsageRecordsTable {
  return {
    ...record,
    tags: JSON.stringify(record.tags),
    attempts: JSON.stringify(record.attempts),
    cost_known: flag(record.cost_known),
    zero_cost_anomaly: flag(record.zero_cost_anomaly),
    usage_estimated: flag(record.usage_estimated),
    streamed: flag(record.streamed),
    client_disconnected: flag(record.client_disconnected),
  };
}

function flag(value: boolean): number {
  return value ? 1 : 0;
}
