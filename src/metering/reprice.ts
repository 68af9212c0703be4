import { type Kysely, sql } from 'kysely';
import { type Clock, systemClock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { formatMicros } from '../core/money.ts';
import { AdminActionLog } from '../store/admin-actions.ts';
import type { DatabaseSchema, UsageRollupHourlyTable } from '../store/schema.ts';
import type { RecordPricer } from './record-pricer.ts';
import type { ReportStore } from './report-query.ts';
import { isoSeconds } from './report-time.ts';
import type { UsageFilter } from './repository.ts';
import { hourOf, ROLLUP_DIMENSIONS } from './rollup.ts';
import { addToRollups } from './rollup-store.ts';
import { inWriteTransaction } from './write-transaction.ts';

export const REPRICE_ACTION = 'usage.reprice';

export type RepriceFilter = Omit<UsageFilter, 'from' | 'to'>;

export interface RepriceOptions {
  /** Requests started at or after (ms since the epoch). */
  from: number;
  /** Requests started before. */
  to: number;
  filter?: RepriceFilter;
  /** Today's prices. */
  pricer: RecordPricer;
  /** Where today's prices come from, recorded with the action (e.g. the catalog's version and date). */
  prices?: PriceProvenance;
  /** Who asks: the admin key's id, or `cli`. Recorded in admin_actions. */
  actor: string;
  /** Compute and report what would change, and change nothing (nor record an action). */
  dryRun?: boolean;
  clock?: Clock;
}

/** Which prices a re-pricing applied: recorded so the action can be explained later. */
export interface PriceProvenance {
  catalogVersion?: string;
  /** From when the prices apply (ISO date). */
  effectiveDate?: string;
  /** Where they came from: a file name or URL. */
  source?: string;
}

export interface RepriceResult {
  /** The admin_actions row that records this re-pricing; null for a dry run. */
  actionId: string | null;
  dryRun: boolean;
  examined: number;
  changed: number;
  /** Records left as charged because their provider is no longer configured. */
  skipped: number;
  costBeforeMicros: number;
  costAfterMicros: number;
  unpricedBefore: number;
  unpricedAfter: number;
  /** How records moved between price versions, most records first (at most 100 entries). */
  priceVersions: Array<{ from: string | null; to: string | null; records: number }>;
}

const PAGE_SIZE = 1000;
const UPDATE_BATCH = 200;
const MAX_VERSION_CHANGES = 100;

/**
 * Re-prices the records of a period at today's prices, explicitly, because a price change never rewrites
 * history by itself. Records and their hourly sums change in one transaction, and the action is recorded
 * in admin_actions in the same transaction, so either all of it happened (and is on record) or none.
 */
export async function repriceUsage(store: ReportStore, options: RepriceOptions): Promise<RepriceResult> {
  if (
    !Number.isSafeInteger(options.from) ||
    !Number.isSafeInteger(options.to) ||
    options.to <= options.from
  ) {
    throw new GatewayError('invalid_request', 'to: must be after from (the range is [from, to))', {
      param: 'to',
      retryable: false,
    });
  }
  const run = (db: Kysely<DatabaseSchema>) => reprice(db, store.kind === 'postgres', options);
  // A dry run changes nothing, so it needs neither the write lock nor row locks.
  return options.dryRun ? run(store.db) : inWriteTransaction(store, run);
}

interface Tally {
  examined: number;
  changed: number;
  skipped: number;
  costBeforeMicros: number;
  costAfterMicros: number;
  unpricedBefore: number;
  unpricedAfter: number;
}

interface RecordUpdate {
  requestId: string;
  costMicros: number;
  costKnown: number;
  priceVersion: string | null;
  zeroCostAnomaly: number;
}

type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];
type RollupDelta = Pick<
  UsageRollupHourlyTable,
  'hour' | RollupDimension | 'cost_micros' | 'unknown_cost_count'
>;

async function reprice(
  db: Kysely<DatabaseSchema>,
  lockRows: boolean,
  options: RepriceOptions,
): Promise<RepriceResult> {
  const dryRun = options.dryRun ?? false;
  const tally: Tally = {
    examined: 0,
    changed: 0,
    skipped: 0,
    costBeforeMicros: 0,
    costAfterMicros: 0,
    unpricedBefore: 0,
    unpricedAfter: 0,
  };
  const deltas = new Map<string, RollupDelta>();
  const versionChanges = new Map<string, { from: string | null; to: string | null; records: number }>();
  let after: { startedAt: number; requestId: string } | undefined;

  for (;;) {
    const page = await readPage(db, options, after, lockRows && !dryRun);
    const updates: RecordUpdate[] = [];
    for (const row of page) {
      tally.examined += 1;
      tally.costBeforeMicros += row.cost_micros;
      tally.unpricedBefore += 1 - row.cost_known;
      const charge = options.pricer(row);
      if (!charge) {
        tally.skipped += 1;
        tally.costAfterMicros += row.cost_micros;
        tally.unpricedAfter += 1 - row.cost_known;
        continue;
      }
      const update: RecordUpdate = {
        requestId: row.request_id,
        costMicros: charge.costMicros,
        costKnown: charge.costKnown ? 1 : 0,
        priceVersion: charge.priceVersion,
        zeroCostAnomaly: charge.zeroCostAnomaly ? 1 : 0,
      };
      tally.costAfterMicros += update.costMicros;
      tally.unpricedAfter += 1 - update.costKnown;
      if (
        update.costMicros === row.cost_micros &&
        update.costKnown === row.cost_known &&
        update.priceVersion === row.price_version &&
        update.zeroCostAnomaly === row.zero_cost_anomaly
      ) {
        continue;
      }
      tally.changed += 1;
      updates.push(update);
      addDelta(deltas, row, update.costMicros - row.cost_micros, row.cost_known - update.costKnown);
      const change = JSON.stringify([row.price_version, update.priceVersion]);
      const known = versionChanges.get(change);
      if (known) known.records += 1;
      else versionChanges.set(change, { from: row.price_version, to: update.priceVersion, records: 1 });
    }
    if (!dryRun) await updateRecords(db, updates);
    const last = page[page.length - 1];
    if (!last || page.length < PAGE_SIZE) break;
    after = { startedAt: last.started_at, requestId: last.request_id };
  }

  const priceVersions = [...versionChanges.values()]
    .sort((a, b) => b.records - a.records)
    .slice(0, MAX_VERSION_CHANGES);
  if (dryRun) return { actionId: null, dryRun, ...tally, priceVersions };

  await applyRollupDeltas(db, [...deltas.values()]);
  const action = await new AdminActionLog(db).append({
    at: (options.clock ?? systemClock).now(),
    actorKeyId: options.actor,
    action: REPRICE_ACTION,
    parameters: {
      from: isoSeconds(options.from),
      to: isoSeconds(options.to),
      filter: options.filter ?? {},
      ...(options.prices ? { prices: options.prices } : {}),
    },
    result: {
      examined: tally.examined,
      changed: tally.changed,
      skipped: tally.skipped,
      cost_before_usd: formatMicros(tally.costBeforeMicros),
      cost_after_usd: formatMicros(tally.costAfterMicros),
      unpriced_before: tally.unpricedBefore,
      unpriced_after: tally.unpricedAfter,
      price_versions: priceVersions,
    },
  });
  return { actionId: action.id, dryRun, ...tally, priceVersions };
}

async function readPage(
  db: Kysely<DatabaseSchema>,
  options: RepriceOptions,
  after: { startedAt: number; requestId: string } | undefined,
  lock: boolean,
) {
  const filter = options.filter ?? {};
  let query = db
    .selectFrom('usage_records')
    .select([
      'request_id',
      'started_at',
      ...ROLLUP_DIMENSIONS,
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'reasoning_tokens',
      'cost_micros',
      'cost_known',
      'price_version',
      'zero_cost_anomaly',
    ])
    .where('started_at', '>=', options.from)
    .where('started_at', '<', options.to);
  if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
  if (filter.team !== undefined) query = query.where('team', '=', filter.team);
  if (filter.app !== undefined) query = query.where('app', '=', filter.app);
  if (filter.model !== undefined) query = query.where('model', '=', filter.model);
  if (filter.provider !== undefined) query = query.where('provider', '=', filter.provider);
  if (filter.route !== undefined) query = query.where('route', '=', filter.route);
  if (after) {
    const { startedAt, requestId } = after;
    query = query.where((eb) =>
      eb.or([
        eb('started_at', '>', startedAt),
        eb.and([eb('started_at', '=', startedAt), eb('request_id', '>', requestId)]),
      ]),
    );
  }
  query = query.orderBy('started_at').orderBy('request_id').limit(PAGE_SIZE);
  // Another re-pricing of the same records waits for this one, then sees its result.
  if (lock) query = query.forUpdate();
  return query.execute();
}

function addDelta(
  deltas: Map<string, RollupDelta>,
  row: { started_at: number } & Record<RollupDimension, string | null>,
  costDelta: number,
  unknownDelta: number,
): void {
  const delta: RollupDelta = {
    hour: hourOf(row.started_at),
    key_id: row.key_id ?? '',
    app: row.app ?? '',
    team: row.team ?? '',
    cost_center: row.cost_center ?? '',
    business_unit: row.business_unit ?? '',
    user_id: row.user_id ?? '',
    route: row.route ?? '',
    provider: row.provider ?? '',
    model: row.model ?? '',
    region: row.region ?? '',
    cost_micros: costDelta,
    unknown_cost_count: unknownDelta,
  };
  const key = JSON.stringify([delta.hour, ...ROLLUP_DIMENSIONS.map((dimension) => delta[dimension])]);
  const existing = deltas.get(key);
  if (existing) {
    existing.cost_micros += costDelta;
    existing.unknown_cost_count += unknownDelta;
  } else {
    deltas.set(key, delta);
  }
}

/**
 * Many records per UPDATE, each column set by a CASE on the request id. The casts give PostgreSQL the
 * parameters' types, which it cannot infer inside a CASE.
 */
async function updateRecords(db: Kysely<DatabaseSchema>, updates: readonly RecordUpdate[]): Promise<void> {
  for (let start = 0; start < updates.length; start += UPDATE_BATCH) {
    const batch = updates.slice(start, start + UPDATE_BATCH);
    const column = <T>(
      value: (update: RecordUpdate) => number | string | null,
      type: 'bigint' | 'integer' | 'text',
    ) =>
      sql<T>`case request_id ${sql.join(
        batch.map((update) => sql`when ${update.requestId} then cast(${value(update)} as ${sql.raw(type)})`),
        sql` `,
      )} end`;
    await db
      .updateTable('usage_records')
      .set({
        cost_micros: column<number>((update) => update.costMicros, 'bigint'),
        cost_known: column<number>((update) => update.costKnown, 'integer'),
        price_version: column<string | null>((update) => update.priceVersion, 'text'),
        zero_cost_anomaly: column<number>((update) => update.zeroCostAnomaly, 'integer'),
      })
      .where(
        'request_id',
        'in',
        batch.map((update) => update.requestId),
      )
      .execute();
  }
}

/** Adds each hour's change to its rollup row, through the same path the ledger adds new records by. */
async function applyRollupDeltas(db: Kysely<DatabaseSchema>, deltas: readonly RollupDelta[]): Promise<void> {
  const rows: UsageRollupHourlyTable[] = deltas
    .filter((delta) => delta.cost_micros !== 0 || delta.unknown_cost_count !== 0)
    .map((delta) => ({
      ...delta,
      request_count: 0,
      error_count: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
    }));
  await addToRollups(db, rows);
}
