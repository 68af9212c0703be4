import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CompletedRequest, PipelineStage, RequestContext } from '../pipeline/context.ts';
import type { BreakerState } from '../routing/breaker.ts';
import { BoundedLabel } from './bounded-label.ts';
import { DeferredCounter } from './deferred-counter.ts';
import { BoundedCache, KEY_SEPARATOR, type LabelSet, labelSet, SeriesLabels } from './label-sets.ts';

/** Seconds, from a fast cache hit (1 ms) to a long reasoning answer (2 min). */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

const CIRCUIT_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

const BASE_LABELS = ['endpoint', 'route', 'provider', 'model', 'team'] as const;

/** Series whose label sets are kept for reuse; beyond it the cache starts over (label-sets.ts). */
const SERIES_CACHE_LIMIT = 5000;
const SEP = KEY_SEPARATOR;

export interface GatewayMetricsOptions {
  /** Include prom-client's process and Node.js runtime metrics (default true). */
  defaultMetrics?: boolean;
  /** Distinct values one label may take before new ones are folded into `__other__` (default 500). */
  maxLabelValues?: number;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (not prom-client's global one) so a
 * process can hold several gateways, as tests do. Labels are only names from configuration or
 * bounded enumerations: never request ids, key ids or user ids.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  private readonly requests: Counter<string>;
  private readonly errors: Counter<string>;
  private readonly duration: Histogram<string>;
  private readonly timeToFirstToken: Histogram<string>;
  private readonly tokens: Counter<string>;
  private readonly cost: Counter<string>;
  private readonly attempts: Counter<string>;
  private readonly circuitState: Gauge<string>;
  private readonly rateLimitRejections: Counter<string>;
  private readonly budgetRejections: Counter<string>;
  // The counters every request updates, summed in plain numbers until a scrape reads them.
  private readonly requestCounts: DeferredCounter;
  private readonly tokenCounts: DeferredCounter;
  private readonly costCounts: DeferredCounter;
  private readonly attemptCounts: DeferredCounter;

  private readonly routes: BoundedLabel;
  private readonly providers: BoundedLabel;
  private readonly models: BoundedLabel;
  private readonly teams: BoundedLabel;
  private readonly targets: BoundedLabel;
  private readonly scopes = new BoundedLabel(50);
  private readonly series = new BoundedCache<SeriesLabels>(SERIES_CACHE_LIMIT);
  private readonly attemptSets = new BoundedCache<LabelSet>(SERIES_CACHE_LIMIT);

  private circuitSource: (() => Array<{ target: string; state: BreakerState }>) | undefined;
  private journalLagSource: (() => number) | undefined;

  constructor(options: GatewayMetricsOptions = {}) {
    const limit = options.maxLabelValues ?? 500;
    this.routes = new BoundedLabel(limit);
    this.providers = new BoundedLabel(limit);
    this.models = new BoundedLabel(limit);
    this.teams = new BoundedLabel(limit);
    this.targets = new BoundedLabel(limit);
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: 'switchyard_requests_total',
      help: 'Requests handled, by endpoint, route, serving provider and model, team and status class.',
      labelNames: [...BASE_LABELS, 'status'],
      registers,
    });
    this.errors = new Counter({
      name: 'switchyard_request_errors_total',
      help: 'Requests that ended in an error, by error kind.',
      labelNames: [...BASE_LABELS, 'status', 'error_kind'],
      registers,
    });
    this.duration = new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response (for streams: the last byte).',
      labelNames: [...BASE_LABELS, 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Streamed requests: time from receiving the request to the first upstream frame.',
      labelNames: [...BASE_LABELS],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens metered, by type: input (all input, cached included), output, cached (read from a prompt cache), cache_write, reasoning.',
      labelNames: [...BASE_LABELS, 'type'],
      registers,
    });
    this.cost = new Counter({
      name: 'switchyard_cost_usd_total',
      help: 'Cost of requests in US dollars, as metered.',
      labelNames: [...BASE_LABELS],
      registers,
    });
    this.attempts = new Counter({
      name: 'switchyard_upstream_attempts_total',
      help: 'Upstream attempts (retries and fallbacks included), by outcome: success, error, circuit_open.',
      labelNames: ['provider', 'model', 'outcome'],
      registers,
    });
    this.requestCounts = new DeferredCounter(this.requests);
    this.tokenCounts = new DeferredCounter(this.tokens);
    this.costCounts = new DeferredCounter(this.cost);
    this.attemptCounts = new DeferredCounter(this.attempts);
    this.circuitState = new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit breaker state per target (provider/model): 0 closed, 1 half-open, 2 open.',
      labelNames: ['target'],
      registers,
      collect: () => this.refreshCircuits(),
    });
    this.rateLimitRejections = new Counter({
      name: 'switchyard_rate_limit_rejections_total',
      help: 'Requests refused by a rate limit, by the scope of the limit.',
      labelNames: ['scope', 'team'],
      registers,
    });
    this.budgetRejections = new Counter({
      name: 'switchyard_budget_rejections_total',
      help: 'Requests refused because a budget was exhausted, by the scope of the budget.',
      labelNames: ['scope', 'team'],
      registers,
    });
    const journalLag = new Gauge({
      name: 'switchyard_journal_lag_records',
      help: 'Usage records written to the local journal and not yet flushed to the database.',
      registers,
      collect: () => {
        if (this.journalLagSource) journalLag.set(this.journalLagSource());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for a scrape. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts one finished request: outcome, latency, tokens, cost and its upstream attempts. */
  recordRequest({ context, latencyMs }: CompletedRequest): void {
    const series = this.seriesOf(context);
    this.requestCounts.inc(series.outcome);
    this.duration.observe(series.outcome.labels, latencyMs / 1000);
    if (context.errorKind) this.errors.inc(series.error(context.errorKind).labels);
    if (context.stream && context.ttftMs !== undefined)
      this.timeToFirstToken.observe(series.base.labels, context.ttftMs / 1000);
    const usage = context.usage;
    if (usage) {
      this.countTokens(series, 'input', usage.inputTokens);
      this.countTokens(series, 'output', usage.outputTokens);
      this.countTokens(series, 'cached', usage.cacheReadTokens);
      this.countTokens(series, 'cache_write', usage.cacheWriteTokens);
      this.countTokens(series, 'reasoning', usage.reasoningTokens);
    }
    if (context.costMicros !== undefined && context.costMicros > 0)
      this.costCounts.inc(series.base, context.costMicros / 1_000_000);
    for (const attempt of context.attempts) {
      this.attemptCounts.inc(
        this.attemptLabels(
          this.providers.admit(attempt.provider),
          this.models.admit(attempt.model),
          attempt.outcome,
        ),
      );
    }
  }

  /** For the route table's breaker listener: the gauge moves the moment a circuit does. */
  setCircuitState(target: string, state: BreakerState): void {
    this.circuitState.set({ target: this.targets.admit(target) }, CIRCUIT_VALUE[state]);
  }

  /**
   * Reads every breaker at scrape time. Needed besides the listener because an open circuit turns
   * half-open by the passing of time, with no event to report it.
   */
  setCircuitSource(source: () => Array<{ target: string; state: BreakerState }>): void {
    this.circuitSource = source;
  }

  /** The metering ledger reports how far the database is behind its journal. */
  setJournalLagSource(source: () => number): void {
    this.journalLagSource = source;
  }

  /** For the rate-limit stage; `scope` names the limit that refused (e.g. key, team, route). */
  countRateLimitRejection(scope: string, team = ''): void {
    this.rateLimitRejections.inc({ scope: this.scopes.admit(scope), team: this.teams.admit(team) });
  }

  /** For the budget stage; `scope` names the budget that was exhausted (e.g. key, team, cost_center). */
  countBudgetRejection(scope: string, team = ''): void {
    this.budgetRejections.inc({ scope: this.scopes.admit(scope), team: this.teams.admit(team) });
  }

  /** The request's series, from its cache; a request of a new series builds its label sets once. */
  private seriesOf(context: RequestContext): SeriesLabels {
    const endpoint = context.endpoint;
    const route = this.routes.admit(context.route ?? '');
    const provider = this.providers.admit(context.provider ?? '');
    const model = this.models.admit(context.upstreamModel ?? '');
    const team = this.teams.admit(teamOf(context));
    const status = statusClass(context.status);
    const key = `${endpoint}${SEP}${route}${SEP}${provider}${SEP}${model}${SEP}${team}${SEP}${status}`;
    return (
      this.series.get(key) ??
      this.series.set(key, new SeriesLabels({ endpoint, route, provider, model, team }, status))
    );
  }

  private attemptLabels(provider: string, model: string, outcome: string): LabelSet {
    const key = `${provider}${SEP}${model}${SEP}${outcome}`;
    return this.attemptSets.get(key) ?? this.attemptSets.set(key, labelSet({ provider, model, outcome }));
  }

  private countTokens(series: SeriesLabels, type: string, count: number): void {
    if (count > 0) this.tokenCounts.inc(series.tokens(type), count);
  }

  private refreshCircuits(): void {
    if (!this.circuitSource) return;
    for (const { target, state } of this.circuitSource()) this.setCircuitState(target, state);
  }
}

/** The team a request is charged to, from its key's metadata; "" when the key has none. */
export function teamOf(context: RequestContext): string {
  const team = context.principal?.metadata.team;
  return typeof team === 'string' ? team : '';
}

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
}

/** Records every finished request in the metrics; runs after the response, off the hot path. */
export function metricsStage(metrics: GatewayMetrics): PipelineStage {
  return {
    name: 'metrics',
    onComplete(completed) {
      metrics.recordRequest(completed);
    },
  };
}
