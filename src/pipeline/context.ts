import type { PriceOverride } from '../config/schema.ts';
import type { ErrorKind, GatewayError } from '../core/errors.ts';
import type { ChatRequest, EmbeddingRequest, Usage } from '../core/ir.ts';
import type { Principal } from '../identity/authenticator.ts';
import type { AttemptRecord } from '../routing/executor.ts';
import type { Target } from '../routing/table.ts';

export type { Principal };

export type Endpoint = 'chat' | 'embeddings' | 'models' | 'count_tokens';

/**
 * Everything known about one request as it moves through the pipeline; the completion record that
 * logging, metering and audit consume is read from it at the end.
 */
export interface RequestContext {
  id: string;
  startedAt: number;
  /** High-resolution start, for latency. */
  startedHr: bigint;
  endpoint: Endpoint;
  dialect: string;
  principal?: Principal;
  /** The model name the client asked for. */
  requestedModel?: string;
  route?: string;
  provider?: string;
  providerType?: string;
  upstreamModel?: string;
  region?: string;
  /** The serving target's negotiated price (`targets[].price`), which metering charges instead of the catalog's. */
  priceOverride?: PriceOverride;
  /** The end user the client named in the request (OpenAI `user`), for cost attribution. */
  endUser?: string;
  stream: boolean;
  attempts: AttemptRecord[];
  /** Milliseconds from start to the first frame of a stream (or to the whole answer). */
  ttftMs?: number;
  usage?: Usage;
  /** Usage was counted locally because the upstream did not report it. */
  usageEstimated: boolean;
  /** The request's cost in micro-USD, once metering has priced its usage. */
  costMicros?: number;
  status: number;
  errorKind?: ErrorKind;
  errorCode?: string;
  clientDisconnected: boolean;
  /** Headers the pipeline wants on the response (warnings, cost, route). */
  responseHeaders: Record<string, string>;
  /** Tags from the request (`x-switchyard-tags`). */
  tags: string[];
}

export function newContext(id: string, endpoint: Endpoint, dialect: string, now: number): RequestContext {
  return {
    id,
    startedAt: now,
    startedHr: process.hrtime.bigint(),
    endpoint,
    dialect,
    stream: false,
    attempts: [],
    usageEstimated: false,
    status: 200,
    clientDisconnected: false,
    responseHeaders: {},
    tags: [],
  };
}

/** Records the error a request ended with, as its status, log line and usage record report it. */
export function recordFailure(context: RequestContext, failure: GatewayError): void {
  context.status = failure.status;
  context.errorKind = failure.kind;
  context.errorCode = failure.code;
}

export function elapsedMs(context: RequestContext): number {
  return Number(process.hrtime.bigint() - context.startedHr) / 1e6;
}

export type AttemptRequest =
  | { kind: 'chat'; request: ChatRequest }
  | { kind: 'embeddings'; request: EmbeddingRequest };

/** The finished request, as observers (request log, metering, audit) receive it. */
export interface CompletedRequest {
  context: RequestContext;
  latencyMs: number;
}

/**
 * A pipeline stage. `beforeInvoke` runs after the route is resolved and before any upstream call
 * (authorization, residency, rate limits, budget reservation); it throws a GatewayError to refuse.
 * `onComplete` runs after the response finished (metering, audit, logs), off the hot path.
 */
export interface PipelineStage {
  readonly name: string;
  beforeInvoke?(context: RequestContext): void | Promise<void>;
  /**
   * Runs before each upstream attempt, with the target chosen for it (policy that depends on the
   * model: context window, deprecation, residency). Throw a GatewayError with `skipTarget` to move
   * on to the next target, or a plain one to refuse the request.
   */
  beforeAttempt?(context: RequestContext, request: AttemptRequest, target: Target): void;
  onComplete?(completed: CompletedRequest): void;
}
