/**
 * `catalog discover`: asks every configured provider for its models and marks those the catalog
 * does not know. One provider failing (bad key, unreachable) is reported beside the others.
 */
import type { Catalog } from '../catalog/catalog.ts';
import { classifyDiscovered, type DiscoveredModel } from '../catalog/discover.ts';
import { catalogTargetOf } from '../catalog/providers.ts';
import type { CatalogTarget } from '../catalog/types.ts';
import type { ProviderConfig } from '../config/schema.ts';
import { isGatewayError } from '../core/errors.ts';
import { createProvider } from '../providers/registry.ts';
import type { ProviderContext } from '../providers/types.ts';

export interface ProviderDiscovery {
  /** The configured provider's name. */
  provider: string;
  type: string;
  /** The catalog provider its prices come from, or undefined when the catalog cannot price it. */
  catalogProvider: string | undefined;
  status: 'ok' | 'failed' | 'unsupported';
  error?: string;
  models: DiscoveredModel[];
}

export interface DiscoverOptions {
  context: ProviderContext;
  /** How long one provider may take to answer. */
  timeoutMs: number;
}

/** Every provider is asked at once; results come back in configuration order. */
export function discoverModels(
  configs: readonly ProviderConfig[],
  catalog: Catalog,
  options: DiscoverOptions,
): Promise<ProviderDiscovery[]> {
  return Promise.all(configs.map((config) => discoverOne(config, catalog, options)));
}

async function discoverOne(
  config: ProviderConfig,
  catalog: Catalog,
  options: DiscoverOptions,
): Promise<ProviderDiscovery> {
  const target = catalogTargetOf(config);
  const base = {
    provider: config.name,
    type: config.type,
    catalogProvider: describeTarget(target),
    models: [],
  };
  let provider: ReturnType<typeof createProvider>;
  try {
    provider = createProvider(config, options.context);
  } catch (error) {
    return { ...base, status: 'failed', error: messageOf(error, options.timeoutMs) };
  }
  try {
    if (!provider.listModels) return { ...base, status: 'unsupported' };
    const models = await withTimeout((signal) => provider.listModels!(signal), options.timeoutMs);
    return { ...base, status: 'ok', models: classifyDiscovered(catalog, target, models) };
  } catch (error) {
    return { ...base, status: 'failed', error: messageOf(error, options.timeoutMs) };
  } finally {
    await provider.close?.().catch(() => undefined);
  }
}

/** Aborts the call at the deadline, and stops waiting even if the provider ignores the signal. */
async function withTimeout<T>(run: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error('timeout');
      error.name = 'TimeoutError';
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describeTarget(target: CatalogTarget | undefined): string | undefined {
  if (!target) return undefined;
  const platform = target.platform === 'vertex' ? ' (vertex)' : '';
  const region = target.region ? ` (${target.region})` : '';
  return `${target.provider}${platform}${region}`;
}

/** Error texts from our own code and providers never carry credentials; anything else is summarised. */
function messageOf(error: unknown, timeoutMs: number): string {
  if (
    (error as Error | undefined)?.name === 'TimeoutError' ||
    (error as Error | undefined)?.name === 'AbortError'
  ) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (isGatewayError(error)) return error.message;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${(error as Error).name}: ${code}` : 'the request failed';
}
