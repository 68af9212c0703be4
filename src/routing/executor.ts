import { Cancellation, type CancelSignal, cancellableSleep } from '../core/cancel.ts';
import type { Clock } from '../core/clock.ts';
import { GatewayError, toGatewayError } from '../core/errors.ts';
import { backoffDelay } from './backoff.ts';
import type { Route, RouteTable, Target } from './table.ts';
import { weightedOrder } from './weighted.ts';

export interface AttemptRecord {
  route: string;
  target: string;
  provider: string;
  model: string;
  startedAt: number;
  durationMs: number;
  outcome: 'success' | 'error' | 'circuit_open' | 'skipped';
  errorKind?: string;
  upstreamStatus?: number;
}

export interface Execution<T> {
  value: T;
  route: Route;
  target: Target;
  attempts: AttemptRecord[];
}

export interface ExecuteOptions {
  /** The client's signal: aborting it cancels the current attempt and stops further ones. */
  signal: CancelSignal;
  clock: Clock;
  sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
  random?: () => number;
  /** Policy stages (residency, allow-lists) narrow the targets; applies to fallbacks too. */
  allowTarget?: (target: Target) => boolean;
  /** Called after every attempt, for metrics and logs. */
  onAttempt?: (attempt: AttemptRecord) => void;
}

/**
 * Tries a route's targets in weighted order with retries, then its fallback routes, until one
 * attempt succeeds, a non-retryable error ends it, or the route's deadline passes. `attempt`
 * resolves when the answer is committed (a whole response, or a stream's first frame): failures
 * after that belong to the caller, since nothing can be retried once bytes reached the client.
 */
export async function execute<T>(
  table: RouteTable,
  route: Route,
  options: ExecuteOptions,
  attempt: (target: Target, signal: CancelSignal) => Promise<T>,
): Promise<Execution<T>> {
  const { clock, signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const deadline = clock.now() + route.deadlineMs;
  const attempts: AttemptRecord[] = [];
  let lastError: GatewayError | undefined;

  for (const current of fallbackChain(table, route)) {
    const targets = weightedOrder(current.targets, random).filter(
      (target) => options.allowTarget?.(target) ?? true,
    );
    for (const target of targets) {
      for (let tryNumber = 1; tryNumber <= current.retry.maxAttempts; tryNumber++) {
        const startedAt = clock.now();
        const base = {
          route: current.name,
          target: target.key,
          provider: target.provider.name,
          model: target.model,
          startedAt,
        };
        if (!target.breaker.tryAcquire()) {
          record(attempts, options, { ...base, durationMs: 0, outcome: 'circuit_open' });
          break;
        }
        const remaining = deadline - startedAt;
        if (remaining <= 0) {
          target.breaker.onAbandon();
          throw deadlineError(route, attempts, lastError);
        }
        try {
          const value = await withAttemptTimeout(
            signal,
            Math.min(target.timeoutMs, remaining),
            target,
            (attemptSignal) => attempt(target, attemptSignal),
          );
          target.breaker.onSuccess();
          record(attempts, options, { ...base, durationMs: clock.now() - startedAt, outcome: 'success' });
          return { value, route: current, target, attempts };
        } catch (thrown) {
          const error = toGatewayError(thrown);
          record(attempts, options, {
            ...base,
            durationMs: clock.now() - startedAt,
            outcome: error.skipTarget ? 'skipped' : 'error',
            errorKind: error.kind,
            ...(error.upstreamStatus === undefined ? {} : { upstreamStatus: error.upstreamStatus }),
          });
          if (signal.aborted) {
            target.breaker.onAbandon();
            throw error;
          }
          if (error.skipTarget) {
            target.breaker.onAbandon();
            lastError = error;
            break;
          }
          if (isTargetProblem(error)) {
            // The gateway's credential or the deployment is wrong for this target: retrying it is
            // pointless, another target or fallback may still serve.
            target.breaker.onFailure();
            lastError = error;
            break;
          }
          if (!error.retryable) {
            // The upstream answered sensibly (e.g. a 400 for the caller's request): it is healthy.
            target.breaker.onSuccess();
            throw error;
          }
          target.breaker.onFailure();
          lastError = error;
          if (tryNumber < current.retry.maxAttempts) {
            const delay = backoffDelay(
              tryNumber,
              { initialMs: current.retry.initialBackoffMs, maxMs: current.retry.maxBackoffMs },
              error.retryAfterSeconds,
              random,
            );
            if (clock.now() + delay >= deadline) break;
            await sleep(delay, signal);
          }
        }
      }
    }
  }
  if (lastError) throw lastError;
  if (attempts.length > 0) {
    throw new GatewayError(
      'unavailable',
      `No healthy target for model "${route.name}": every circuit is open`,
      {
        code: 'no_healthy_target',
      },
    );
  }
  throw new GatewayError('unavailable', `No target of model "${route.name}" is allowed for this request`, {
    code: 'no_allowed_target',
    retryable: false,
  });
}

/** Upstream 401/403/404: a problem of this target's configuration, not of the caller's request. */
function isTargetProblem(error: GatewayError): boolean {
  const status = error.upstreamStatus;
  return error.kind !== 'invalid_request' && (status === 401 || status === 403 || status === 404);
}

/** The route followed by its fallbacks, depth first, each route at most once. */
export function fallbackChain(table: RouteTable, route: Route): Route[] {
  const chain: Route[] = [];
  const seen = new Set<string>();
  const visit = (current: Route) => {
    if (seen.has(current.name)) return;
    seen.add(current.name);
    chain.push(current);
    for (const name of current.fallbacks) {
      const next = table.get(name);
      if (next) visit(next);
    }
  };
  visit(route);
  return chain;
}

function record(attempts: AttemptRecord[], options: ExecuteOptions, attempt: AttemptRecord): void {
  attempts.push(attempt);
  options.onAttempt?.(attempt);
}

function deadlineError(
  route: Route,
  attempts: AttemptRecord[],
  lastError: GatewayError | undefined,
): GatewayError {
  return new GatewayError(
    'upstream_timeout',
    `Model "${route.name}" did not answer within its ${route.deadlineMs} ms deadline`,
    {
      code: 'deadline_exceeded',
      retryable: false,
      cause: lastError ?? attempts.at(-1),
    },
  );
}

/**
 * Runs one attempt under its own timeout, linked to the client's signal. The timer covers the
 * attempt until it resolves (for a stream: its first frame); the client link stays for the stream.
 */
async function withAttemptTimeout<T>(
  clientSignal: CancelSignal,
  timeoutMs: number,
  target: Target,
  run: (signal: CancelSignal) => Promise<T>,
): Promise<T> {
  const { cancellation, unlink } = Cancellation.linkedTo(clientSignal);
  // The error is built only when the timer fires: an Error captures a stack, which is not free.
  let timeoutError: GatewayError | undefined;
  const timer = setTimeout(() => {
    timeoutError = new GatewayError(
      'upstream_timeout',
      `Provider "${target.provider.name}" did not answer within ${timeoutMs} ms`,
      {
        code: 'attempt_timeout',
      },
    );
    cancellation.abort(timeoutError);
  }, timeoutMs);
  try {
    return await run(cancellation);
  } catch (error) {
    if (timeoutError && cancellation.reason === timeoutError) throw timeoutError;
    unlink();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function abortableSleep(ms: number, signal: CancelSignal): Promise<void> {
  return cancellableSleep(ms, signal, toGatewayError);
}
