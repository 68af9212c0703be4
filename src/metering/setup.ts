import { Catalog } from '../catalog/catalog.ts';
import type { SwitchyardConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import { parseStorageUrl } from '../store/url.ts';
import { catalogPricer, type PriceSource } from './catalog-pricer.ts';
import type { LedgerLogger } from './ledger.ts';
import { journalLocation } from './location.ts';
import type { PricedProvider } from './pricer.ts';
import { createMeteringStage, type Metering } from './stage.ts';
import { WorkerUsageSink } from './worker-sink.ts';

export type { Metering };

export interface MeteringSetup {
  clock: Clock;
  cwd: string;
  logger?: LedgerLogger;
  /** Prices; the shipped catalog when absent. */
  catalog?: PriceSource;
}

/**
 * Builds metering from configuration and replays the journal, so the caller can serve as soon as it
 * resolves. Undefined when `metering.enabled` is false. Call after migrations.
 */
export async function startMetering(
  config: SwitchyardConfig,
  store: Store,
  setup: MeteringSetup,
): Promise<Metering | undefined> {
  if (!config.metering.enabled) return undefined;
  const location = journalLocation(config.metering.journal_dir, config.storage.url, setup.cwd);
  const providers = new Map<string, PricedProvider>(
    config.providers.map((provider) => [provider.name, provider]),
  );
  let metering: Metering;
  try {
    metering = createMeteringStage({
      db: store.db,
      journalDir: location.dir,
      removeJournalOnClose: location.temporary,
      flushIntervalMs: config.metering.flush_interval_ms,
      ...(writesInWorker(config.storage.url, setup.cwd)
        ? { sink: new WorkerUsageSink({ storageUrl: config.storage.url, cwd: setup.cwd }) }
        : {}),
      pricer: catalogPricer(setup.catalog ?? Catalog.shipped({ clock: setup.clock })),
      providers: (name) => providers.get(name),
      clock: setup.clock,
      ...(setup.logger ? { logger: setup.logger } : {}),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GatewayError(
      'invalid_request',
      `Cannot use ${location.dir} for the usage journal (${reason}). Set metering.journal_dir to a writable directory.`,
      { param: 'metering.journal_dir', code: 'journal_unavailable', cause: error, retryable: false },
    );
  }
  await metering.start();
  return metering;
}

/**
 * Batches are written from a worker thread, off the event loop, whenever that thread can open the same
 * database: a file or a server. An in-memory SQLite database exists only in this thread's connection.
 */
function writesInWorker(storageUrl: string, cwd: string): boolean {
  const target = parseStorageUrl(storageUrl, cwd);
  return target.kind === 'postgres' || target.path !== ':memory:';
}
