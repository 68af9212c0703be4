import { rmSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { Usage } from '../core/ir.ts';
import { formatMicros } from '../core/money.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { type Charge, chargeFor } from './charge.ts';
import { type LedgerLogger, type LedgerStats, UsageLedger, type UsageLineSink } from './ledger.ts';
import type { PricedProvider, Pricer } from './pricer.ts';
import { buildUsageRecord, elapsedSince, type MeteredContext } from './record.ts';
import { UsageRepository } from './repository.ts';

export interface MeteringDeps {
  db: Kysely<DatabaseSchema>;
  /** Where the journal lives (see `journalLocation`). */
  journalDir: string;
  /** Delete the journal directory on close (a throwaway directory for an in-memory database). */
  removeJournalOnClose?: boolean;
  flushIntervalMs?: number;
  /** Where batches are written; the repository over `db`, in this thread, when absent. */
  sink?: UsageLineSink & { close(): Promise<void> };
  pricer: Pricer;
  /** The configuration of a provider by name: which prices apply and its discount. */
  providers: (name: string) => PricedProvider | undefined;
  clock: Clock;
  logger?: LedgerLogger;
}

/** Fields the dialect encoders put under `switchyard`, beside a stream's final `usage`. */
export type CostExtension = {
  /** Decimal USD with 6 places, or null when the model has no price. */
  cost_usd: string | null;
  cost_known: boolean;
  price_version: string | null;
};

/**
 * The metering stage and the two hooks the HTTP layer calls. Structurally a PipelineStage (`name`,
 * `onComplete`); the hooks go into the server's deps.
 */
export interface Metering {
  readonly name: 'metering';
  /** Journals the record of a finished request, unless `beforeSend` already did. */
  onComplete(completed: { context: MeteredContext; latencyMs: number }): void;
  /** Non-streamed responses: journals the record, then puts the cost and tokens in response headers. */
  beforeSend(context: MeteredContext): void;
  /** Streamed responses: what to add beside the final usage event. */
  usageExtension(context: MeteredContext): (usage: Usage) => CostExtension;
  /** Replays what the journal holds from earlier runs, then starts flushing. Call before serving. */
  start(): Promise<void>;
  /** Flushes everything and stops. */
  close(): Promise<void>;
  stats(): LedgerStats;
  readonly ledger: UsageLedger;
  readonly repository: UsageRepository;
}

export const COST_HEADER = 'x-switchyard-cost-usd';
export const COST_KNOWN_HEADER = 'x-switchyard-cost-known';
export const PRICE_VERSION_HEADER = 'x-switchyard-price-version';

/**
 * Marks a context whose record beforeSend already journaled, so onComplete does not journal it twice.
 * A mark on the context rather than a WeakSet of contexts: weak entries cost every young-generation
 * collection extra work (scavenges about 4 times longer in a micro-benchmark), for every request.
 */
const JOURNALED = Symbol('usage journaled');
type Journaled = MeteredContext & { [JOURNALED]?: boolean };

export function createMeteringStage(deps: MeteringDeps): Metering {
  const repository = new UsageRepository(deps.db);
  const ledger = new UsageLedger({
    dir: deps.journalDir,
    sink: deps.sink ?? repository,
    ...(deps.flushIntervalMs === undefined ? {} : { flushIntervalMs: deps.flushIntervalMs }),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });

  const charge = (context: MeteredContext, usage: Usage | undefined): Charge => {
    try {
      return chargeFor({
        pricer: deps.pricer,
        provider: context.provider ? deps.providers(context.provider) : undefined,
        model: context.upstreamModel,
        override: context.priceOverride,
        usage,
      });
    } catch (error) {
      // A price that cannot be computed must not cost the record: it is stored as unknown.
      deps.logger?.error({ msg: 'pricing failed', request_id: context.id, error: String(error) });
      return { costMicros: 0, costKnown: false, priceVersion: null, zeroCostAnomaly: false };
    }
  };

  const journal = (context: MeteredContext, latencyMs: number): Charge => {
    const applied = charge(context, context.usage);
    ledger.record(buildUsageRecord(context, { charge: applied, completedAt: deps.clock.now(), latencyMs }));
    (context as Journaled)[JOURNALED] = true;
    // For the stages after this one (metrics, spans); an unknown cost stays undefined, not 0.
    if (applied.costKnown) context.costMicros = applied.costMicros;
    return applied;
  };

  return {
    name: 'metering',
    ledger,
    repository,

    onComplete({ context, latencyMs }) {
      // Unauthenticated requests belong to no one and cost nothing; metering them would let anyone
      // fill the journal's disk.
      if ((context as Journaled)[JOURNALED] || !context.principal) return;
      journal(context, latencyMs);
    },

    beforeSend(context) {
      // Journaling here, before the first byte goes out, means a client never holds a response whose
      // record a crash could lose. Status and usage are final by now.
      if (!context.principal) return;
      const applied = (context as Journaled)[JOURNALED]
        ? charge(context, context.usage)
        : journal(context, elapsedSince(context));
      Object.assign(context.responseHeaders, costHeaders(applied, context.usage));
    },

    usageExtension(context) {
      return (usage) => costExtension(charge(context, usage));
    },

    start: () => ledger.start(),

    async close() {
      await ledger.close();
      await deps.sink?.close();
      if (deps.removeJournalOnClose) rmSync(deps.journalDir, { recursive: true, force: true });
    },

    stats: () => ledger.stats(),
  };
}

export function costHeaders(charge: Charge, usage: Usage | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'x-switchyard-tokens-input': String(usage?.inputTokens ?? 0),
    'x-switchyard-tokens-output': String(usage?.outputTokens ?? 0),
    'x-switchyard-tokens-cached': String(usage?.cacheReadTokens ?? 0),
    'x-switchyard-tokens-reasoning': String(usage?.reasoningTokens ?? 0),
  };
  // An unknown cost is absent rather than "0.000000": a client adding up spend must not count it as free.
  if (charge.costKnown) headers[COST_HEADER] = formatMicros(charge.costMicros);
  else headers[COST_KNOWN_HEADER] = 'false';
  if (charge.priceVersion) headers[PRICE_VERSION_HEADER] = charge.priceVersion;
  return headers;
}

export function costExtension(charge: Charge): CostExtension {
  return {
    cost_usd: charge.costKnown ? formatMicros(charge.costMicros) : null,
    cost_known: charge.costKnown,
    price_version: charge.priceVersion,
  };
}
