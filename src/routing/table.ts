import type { PriceOverride, ProviderConfig, RouteConfig, SwitchyardConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { type BreakerState, CircuitBreaker } from './breaker.ts';

export interface Target {
  /** Stable key for breakers and metrics: `provider/model`. */
  key: string;
  provider: ProviderConfig;
  model: string;
  weight: number;
  region: string | undefined;
  tags: string[];
  timeoutMs: number;
  price: PriceOverride | undefined;
  breaker: CircuitBreaker;
}

export interface Route {
  name: string;
  targets: Target[];
  fallbacks: string[];
  retry: { maxAttempts: number; initialBackoffMs: number; maxBackoffMs: number };
  deadlineMs: number;
  unsupportedParams: 'drop' | 'reject';
  /** Declared in config, or synthesised for `provider/model` and `models:` lists. */
  implicit: boolean;
}

export type BreakerListener = (targetKey: string, state: BreakerState) => void;

/**
 * Model names clients use -> routes. Built once per config (re)load; lookups are Map gets. Breakers
 * live per target key and survive config reloads so a reload does not reset an open circuit.
 */
export class RouteTable {
  private readonly routes = new Map<string, Route>();
  private readonly providers = new Map<string, ProviderConfig>();
  private readonly breakers: Map<string, CircuitBreaker>;

  constructor(
    private readonly config: SwitchyardConfig,
    private readonly clock: Clock,
    private readonly onBreakerChange?: BreakerListener,
    previous?: RouteTable,
  ) {
    this.breakers = previous?.breakers ?? new Map();
    for (const provider of config.providers) this.providers.set(provider.name, provider);
    for (const provider of config.providers) {
      for (const model of provider.models) {
        if (!this.routes.has(model)) this.routes.set(model, this.implicitRoute(model, provider, model));
      }
    }
    for (const route of config.routes) this.routes.set(route.name, this.buildRoute(route));
  }

  /** The route for a client's model name: a declared route, a provider's model, or `provider/model`. */
  resolve(model: string): Route | undefined {
    const found = this.routes.get(model);
    if (found) return found;
    const slash = model.indexOf('/');
    if (slash <= 0) return undefined;
    const provider = this.providers.get(model.slice(0, slash));
    const upstream = model.slice(slash + 1);
    if (!provider || upstream.length === 0) return undefined;
    const route = this.implicitRoute(model, provider, upstream);
    this.routes.set(model, route);
    return route;
  }

  get(name: string): Route | undefined {
    return this.routes.get(name);
  }

  /** Routes clients can name (declared and `models:` ones; `provider/model` forms are not listed). */
  list(): Route[] {
    return [...this.routes.values()].filter((route) => !route.name.includes('/') || !route.implicit);
  }

  breakerStates(): Array<{ target: string; state: BreakerState }> {
    return [...this.breakers.entries()].map(([target, breaker]) => ({ target, state: breaker.state }));
  }

  private buildRoute(route: RouteConfig): Route {
    const retry = route.retry ?? this.config.routing.retry;
    return {
      name: route.name,
      targets: route.targets.map((target) => {
        const provider = this.providers.get(target.provider) as ProviderConfig;
        return this.target(provider, target.model, {
          weight: target.weight,
          region: target.region ?? provider.region,
          tags: target.tags,
          timeoutMs: target.timeout_ms ?? route.timeout_ms ?? provider.timeout_ms,
          price: target.price,
        });
      }),
      fallbacks: route.fallbacks,
      retry: {
        maxAttempts: retry.max_attempts,
        initialBackoffMs: retry.initial_backoff_ms,
        maxBackoffMs: retry.max_backoff_ms,
      },
      deadlineMs: route.deadline_ms ?? this.config.routing.deadline_ms,
      unsupportedParams: route.unsupported_params,
      implicit: false,
    };
  }

  private implicitRoute(name: string, provider: ProviderConfig, model: string): Route {
    const retry = this.config.routing.retry;
    return {
      name,
      targets: [
        this.target(provider, model, {
          weight: 1,
          region: provider.region,
          tags: [],
          timeoutMs: provider.timeout_ms,
          price: undefined,
        }),
      ],
      fallbacks: [],
      retry: {
        maxAttempts: retry.max_attempts,
        initialBackoffMs: retry.initial_backoff_ms,
        maxBackoffMs: retry.max_backoff_ms,
      },
      deadlineMs: this.config.routing.deadline_ms,
      unsupportedParams: 'drop',
      implicit: true,
    };
  }

  private target(
    provider: ProviderConfig,
    model: string,
    options: Pick<Target, 'weight' | 'region' | 'tags' | 'timeoutMs' | 'price'>,
  ): Target {
    const key = `${provider.name}/${model}`;
    return { key, provider, model, ...options, breaker: this.breaker(key) };
  }

  private breaker(key: string): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      const settings = this.config.routing.circuit_breaker;
      breaker = new CircuitBreaker(
        { failureThreshold: settings.failure_threshold, cooldownMs: settings.cooldown_ms },
        this.clock,
        (state) => this.onBreakerChange?.(key, state),
      );
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}
