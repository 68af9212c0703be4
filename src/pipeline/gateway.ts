import type { CancelSignal } from '../core/cancel.ts';
import type { Clock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import type { ChatRequest, ChatResponse, EmbeddingRequest, StreamFrame, Usage } from '../core/ir.ts';
import { emptyUsage } from '../core/ir.ts';
import { countRequestTokens, countTextTokens } from '../metering/tokens.ts';
import { unsupportedParams } from '../providers/capabilities.ts';
import type { ChatResponseResult, Deployment, EmbeddingResult, Provider } from '../providers/types.ts';
import { type ExecuteOptions, execute } from '../routing/executor.ts';
import type { Route, RouteTable, Target } from '../routing/table.ts';
import {
  type AttemptRequest,
  type CompletedRequest,
  elapsedMs,
  type PipelineStage,
  type RequestContext,
} from './context.ts';
import { primeStream, replay } from './stream.ts';

export type ChatOutcome =
  | { kind: 'response'; response: ChatResponse; raw?: ChatResponseResult['raw'] }
  | { kind: 'stream'; frames: AsyncIterable<StreamFrame> };

export interface GatewayDeps {
  routes: RouteTable;
  providers: Map<string, Provider>;
  clock: Clock;
  stages: PipelineStage[];
  /** Test hook: replaces the retry sleep. */
  sleep?: ExecuteOptions['sleep'];
}

/**
 * The request lifecycle: resolve the route, run the stages, invoke the provider through the router
 * (retries, fallbacks, breakers), observe usage, and hand the finished request to every stage's
 * `onComplete`. It knows no HTTP: the server decodes and encodes, this decides.
 */
export class Gateway {
  constructor(private deps: GatewayDeps) {}

  /** Swaps routes and providers after a config reload; in-flight requests keep what they started with. */
  reconfigure(routes: RouteTable, providers: Map<string, Provider>): void {
    this.deps = { ...this.deps, routes, providers };
  }

  get routes(): RouteTable {
    return this.deps.routes;
  }

  get providers(): Map<string, Provider> {
    return this.deps.providers;
  }

  resolveRoute(context: RequestContext, model: string): Route {
    context.requestedModel = model;
    const route = this.deps.routes.resolve(model);
    if (!route) {
      throw new GatewayError(
        'model_not_found',
        `The model "${model}" does not exist or you do not have access to it. List the models you can use with GET /v1/models.`,
        { code: 'model_not_found', param: 'model', retryable: false },
      );
    }
    context.route = route.name;
    return route;
  }

  async chat(context: RequestContext, request: ChatRequest, signal: CancelSignal): Promise<ChatOutcome> {
    const route = this.resolveRoute(context, request.model);
    context.stream = request.stream;
    if (request.user) context.endUser = request.user;
    await this.runBeforeInvoke(context);
    const execution = await execute(
      this.deps.routes,
      route,
      this.executeOptions(context, signal),
      async (target, attemptSignal) => {
        const provider = this.providerFor(target);
        this.markTarget(context, target, provider);
        this.checkParams(context, request, provider, route);
        this.runBeforeAttempt(context, { kind: 'chat', request }, target);
        const result = await provider.chat(request, deployment(target), attemptSignal);
        if (result.kind === 'response') return result;
        return { kind: 'primed' as const, primed: await primeStream(result.frames) };
      },
    );
    this.markTarget(context, execution.target, this.providerFor(execution.target), execution.route);
    context.ttftMs = elapsedMs(context);
    const result = execution.value;
    if (result.kind === 'response') {
      context.usage = result.response.usage;
      return result.raw
        ? { kind: 'response', response: result.response, raw: result.raw }
        : { kind: 'response', response: result.response };
    }
    return { kind: 'stream', frames: this.observeStream(context, request, result.primed) };
  }

  async embed(
    context: RequestContext,
    request: EmbeddingRequest,
    signal: CancelSignal,
  ): Promise<EmbeddingResult> {
    const route = this.resolveRoute(context, request.model);
    if (request.user) context.endUser = request.user;
    await this.runBeforeInvoke(context);
    const execution = await execute(
      this.deps.routes,
      route,
      this.executeOptions(context, signal),
      async (target, attemptSignal) => {
        const provider = this.providerFor(target);
        this.markTarget(context, target, provider);
        this.runBeforeAttempt(context, { kind: 'embeddings', request }, target);
        if (!provider.embed) {
          throw new GatewayError(
            'invalid_request',
            `Model "${route.name}" is served by a provider without embeddings`,
            {
              param: 'model',
              retryable: false,
            },
          );
        }
        return provider.embed(request, deployment(target), attemptSignal);
      },
    );
    this.markTarget(context, execution.target, this.providerFor(execution.target), execution.route);
    context.usage = { ...emptyUsage(), inputTokens: execution.value.response.usage.inputTokens };
    return execution.value;
  }

  /** Hands the finished request to every stage; a failing observer never affects the client. */
  complete(context: RequestContext): CompletedRequest {
    const completed: CompletedRequest = { context, latencyMs: elapsedMs(context) };
    for (const stage of this.deps.stages) {
      try {
        stage.onComplete?.(completed);
      } catch {
        // Observers own their failures (they log and count them); the response is already sent.
      }
    }
    return completed;
  }

  /**
   * Parameters the serving provider cannot honour: dropped with a warning header, or refused when
   * the route says dropping would change the meaning.
   */
  private checkParams(context: RequestContext, request: ChatRequest, provider: Provider, route: Route): void {
    const dropped = unsupportedParams(request, provider.type, provider.dialect);
    if (dropped.length === 0) return;
    const list = dropped.join(', ');
    if (route.unsupportedParams === 'reject') {
      throw new GatewayError(
        'invalid_request',
        `Provider "${provider.name}" does not support: ${list}. Remove them or use another model.`,
        {
          param: dropped[0],
          code: 'unsupported_parameter',
          retryable: false,
        },
      );
    }
    context.responseHeaders['x-switchyard-warning'] =
      `dropped unsupported parameters for provider ${provider.name}: ${list}`;
  }

  private runBeforeAttempt(context: RequestContext, request: AttemptRequest, target: Target): void {
    for (const stage of this.deps.stages) stage.beforeAttempt?.(context, request, target);
  }

  private async runBeforeInvoke(context: RequestContext): Promise<void> {
    for (const stage of this.deps.stages) {
      if (stage.beforeInvoke) await stage.beforeInvoke(context);
    }
  }

  /** Attempts are recorded as they happen, so a request that fails in the end still reports them. */
  private executeOptions(context: RequestContext, signal: CancelSignal): ExecuteOptions {
    return {
      signal,
      clock: this.deps.clock,
      onAttempt: (attempt) => context.attempts.push(attempt),
      ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
    };
  }

  private providerFor(target: Target): Provider {
    const provider = this.deps.providers.get(target.provider.name);
    if (!provider) throw new GatewayError('internal', `Provider "${target.provider.name}" is not running`);
    return provider;
  }

  private markTarget(context: RequestContext, target: Target, provider: Provider, route?: Route): void {
    if (route) context.route = route.name;
    context.provider = provider.name;
    context.providerType = provider.type;
    context.upstreamModel = target.model;
    context.region = target.region;
    context.priceOverride = target.price;
  }

  /**
   * Watches a stream for usage as it passes. When the upstream never reports usage (or the client
   * leaves early), the tokens actually produced are counted locally so nothing goes unmetered.
   */
  private observeStream(
    context: RequestContext,
    request: ChatRequest,
    primed: Awaited<ReturnType<typeof primeStream>>,
  ) {
    let reported: Usage | undefined;
    let outputText = '';
    const onFrame = (frame: StreamFrame) => {
      for (const event of frame.events) {
        if (event.type === 'usage') reported = event.usage;
        else if (event.type === 'text' || event.type === 'reasoning') outputText += event.text;
        else if (event.type === 'tool_call_delta') outputText += event.argumentsDelta;
        else if (event.type === 'tool_call_start') outputText += event.name;
      }
    };
    const finalize = () => {
      if (reported) {
        context.usage = reported;
        return;
      }
      context.usageEstimated = true;
      context.usage = {
        ...emptyUsage(),
        inputTokens: countRequestTokens(request),
        outputTokens: countTextTokens(outputText),
      };
    };
    return replay(primed, onFrame, finalize);
  }
}

function deployment(target: Target): Deployment {
  const result: Deployment = { provider: target.provider, model: target.model, timeoutMs: target.timeoutMs };
  if (target.region) result.region = target.region;
  return result;
}
