import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { catalogSnapshotDir, LiveCatalog } from '../catalog/live.ts';
import { catalogTargetOf } from '../catalog/providers.ts';
import { FileSnapshotStore } from '../catalog/sync.ts';
import { loadConfig } from '../config/load.ts';
import type { SwitchyardConfig } from '../config/schema.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { Authenticator } from '../identity/authenticator.ts';
import { catalogPricer, type PriceSource } from '../metering/catalog-pricer.ts';
import { recordPricer } from '../metering/record-pricer.ts';
import { type Metering, startMetering } from '../metering/setup.ts';
import type { PipelineStage } from '../pipeline/context.ts';
import { Gateway } from '../pipeline/gateway.ts';
import { catalogStage } from '../pipeline/stages/catalog.ts';
import { createProvider } from '../providers/registry.ts';
import type { Provider } from '../providers/types.ts';
import { RouteTable } from '../routing/table.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { KeyCache } from '../store/key-cache.ts';
import { KeyRepository } from '../store/keys.ts';
import { migrateToLatest } from '../store/migrations/index.ts';
import { createLogger, flushLogger, type Logger } from '../telemetry/logger.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { requestLogStage } from '../telemetry/request-log.ts';
import { startTelemetry, type Telemetry } from '../telemetry/setup.ts';
import { buildApp } from './app.ts';
import { type BootstrapResult, bootstrapKeys } from './bootstrap.ts';
import { catalogModelExtension } from './catalog-models.ts';
import { registerCatalogRoutes } from './catalog-routes.ts';
import { keyAdmin } from './key-admin.ts';
import { metricsRoute } from './metrics-route.ts';
import { registerUsageRoutes } from './usage-routes.ts';

export interface StartOptions {
  /** A parsed config; when absent it is loaded from `configFile` / switchyard.yaml / defaults. */
  config?: SwitchyardConfig;
  configFile?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides server.port (0 = an ephemeral port, for tests). */
  port?: number;
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /** Prints the first-start banner (the CLI does; tests read `bootstrap` instead). */
  printBanner?: (banner: string) => void;
  extraStages?: PipelineStage[];
}

export interface RunningGateway {
  url: string;
  port: number;
  app: FastifyInstance;
  gateway: Gateway;
  store: Store;
  config: SwitchyardConfig;
  /** The keys minted on first start (only on the start that created them). */
  bootstrap: BootstrapResult | undefined;
  /** Absent when metrics are switched off; limit and metering stages report through it. */
  metrics: GatewayMetrics | undefined;
  close(): Promise<void>;
}

/** The composition root: builds every part from config and starts the HTTP server. */
export async function startGateway(options: StartOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const config =
    options.config ??
    loadConfig({
      ...(options.configFile ? { file: options.configFile } : {}),
      env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    }).config;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.server.log_level });
  const instanceId = config.server.instance_id ?? `sy-${randomBytes(6).toString('hex')}`;

  const store = await openDatabase(config.storage.url, options.cwd ? { cwd: options.cwd } : {});
  let providers: Map<string, Provider> | undefined;
  let telemetry: Telemetry | undefined;
  let metering: Metering | undefined;
  let keyCache: KeyCache | undefined;
  try {
    await migrateToLatest(store);
    const cwd = options.cwd ?? process.cwd();
    // The newest synced price snapshot, or the catalog shipped with the package.
    const catalog = await LiveCatalog.open(new FileSnapshotStore(catalogSnapshotDir(config, cwd)), { clock });
    // Metering replays its journal here, before the server accepts a request.
    const livePrices: PriceSource = {
      priceFor: (target, model, override) => catalog.current().priceFor(target, model, override),
      get version() {
        return catalog.current().version;
      },
    };
    metering = await startMetering(config, store, { clock, logger, cwd, catalog: livePrices });
    const repository = new KeyRepository(store.db);
    const cache = new KeyCache(repository, clock);
    await cache.refresh();
    keyCache = cache;
    const masterKey = config.admin.master_key ?? env.SWITCHYARD_MASTER_KEY;
    const bootstrap = await bootstrapKeys({
      store,
      repository,
      cache,
      clock,
      masterKeyConfigured: Boolean(masterKey),
    });

    providers = new Map(
      config.providers.map((provider) => {
        const target = catalogTargetOf(provider);
        // APIs that require an output limit (Anthropic) get the model's own maximum from the catalog.
        const defaultMaxTokens = (model: string) =>
          target ? catalog.current().get(target, model)?.maxOutputTokens : undefined;
        return [provider.name, createProvider(provider, { clock, instanceId, defaultMaxTokens })];
      }),
    );
    const observability = await startTelemetry(config.telemetry, {
      instanceId,
      providerType: (name) => gateway.providers.get(name)?.type,
    });
    telemetry = observability;
    const routes = new RouteTable(config, clock, (target, state) => {
      logger.warn({ msg: 'circuit', target, state });
      observability.onBreakerChange(target, state);
    });
    const stages: PipelineStage[] = [...(options.extraStages ?? [])];
    if (config.server.log_requests) stages.push(requestLogStage(logger));
    stages.push(
      catalogStage({
        catalog: () => catalog.current(),
        clock,
        logger,
        blockRetired: config.catalog.block_retired,
      }),
    );
    // Metering before observability: it puts the request's cost on the context that metrics read.
    if (metering) stages.push(metering);
    stages.push(...observability.stages);
    const gateway = new Gateway({ routes, providers, clock, stages });
    observability.metrics?.setCircuitSource(() => gateway.routes.breakerStates());
    const ledger = metering;
    if (ledger) observability.metrics?.setJournalLagSource(() => ledger.stats().queued);
    const authenticator = new Authenticator(cache, clock, masterKey);
    const startedAt = clock.now();
    let ready = false;

    const app = buildApp(
      {
        gateway,
        authenticator,
        clock,
        bodyLimit: config.server.body_limit,
        startedAt,
        instanceId,
        keys: keyAdmin(repository, cache),
        isReady: () => ready,
        ...(metering ? { beforeSend: metering.beforeSend, usageExtension: metering.usageExtension } : {}),
        modelExtension: catalogModelExtension(() => catalog.current()),
      },
      [
        (server) =>
          registerCatalogRoutes(server, {
            catalog: () => catalog.current(),
            authenticator,
            clock,
            bodyLimit: config.server.body_limit,
            sync: (from) => catalog.sync(from),
          }),
        (server) =>
          registerUsageRoutes(server, {
            store,
            authenticator,
            clock,
            bodyLimit: config.server.body_limit,
            // Re-pricing uses today's catalog and the same negotiated prices and discounts as requests.
            pricer: recordPricer({
              pricer: catalogPricer(livePrices),
              providers: config.providers,
              routes: config.routes,
            }),
          }),
        ...(observability.metrics
          ? [metricsRoute(observability.metrics, config.telemetry.metrics.token)]
          : []),
      ],
    );
    await app.listen({ port: options.port ?? config.server.port, host: options.host ?? config.server.host });
    cache.watch(config.admin.key_sync_interval_ms, logger);
    ready = true;
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    if (bootstrap && options.printBanner) options.printBanner(bootstrap.banner(url));
    logger.info({
      msg: 'listening',
      url,
      instance_id: instanceId,
      storage: store.location,
      routes: routes.list().length,
    });

    const running = providers;
    return {
      url,
      port: address.port,
      app,
      gateway,
      store,
      config,
      bootstrap,
      metrics: observability.metrics,
      async close() {
        ready = false;
        cache.stop();
        await app.close();
        await observability.close();
        await Promise.all([...running.values()].map((provider) => provider.close?.()));
        await metering?.close();
        // After the drain, so the last requests' key uses are written too.
        await cache.flushUses().catch((error: unknown) => {
          logger.warn({ msg: 'could not record the last use of keys', error: String(error) });
        });
        await store.close();
        flushLogger(logger);
      },
    };
  } catch (error) {
    keyCache?.stop();
    await telemetry?.close();
    await Promise.all([...(providers?.values() ?? [])].map((provider) => provider.close?.()));
    await metering?.close();
    await store.close();
    throw error;
  }
}
