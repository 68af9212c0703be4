import type { GatewayError } from '../core/errors.ts';
import { type Endpoint, newContext, type RequestContext, recordFailure } from '../pipeline/context.ts';

/** The data-plane routes, by their Fastify route pattern: what a request to each of them is. */
const DATA_PLANE_ROUTES: Record<string, { endpoint: Endpoint; dialect: string }> = {
  '/v1/chat/completions': { endpoint: 'chat', dialect: 'openai-chat' },
  '/v1/embeddings': { endpoint: 'embeddings', dialect: 'openai-embeddings' },
  '/v1/messages': { endpoint: 'chat', dialect: 'anthropic-messages' },
  '/v1/messages/count_tokens': { endpoint: 'count_tokens', dialect: 'anthropic-messages' },
};

/**
 * The context of a data-plane request refused before its handler ran (a body that is not JSON or over
 * the size limit, a request looping through this gateway), so that the request log and the metrics
 * still see it. The
 * handlers catch every error of their own, so an error that reaches Fastify's error handler on one
 * of these routes comes from reading the request. It has no principal: the key is checked by the
 * handler, so metering (which charges only authenticated requests) leaves it out.
 */
export function rejectedRequestContext(
  request: { routePattern: string | undefined; id: string; elapsedMs: number },
  now: number,
  failure: GatewayError,
): RequestContext | undefined {
  const route = request.routePattern === undefined ? undefined : DATA_PLANE_ROUTES[request.routePattern];
  if (!route) return undefined;
  // Started when the request arrived, not now, so that its latency covers reading the body.
  const elapsed = Math.max(0, request.elapsedMs);
  const context = newContext(request.id, route.endpoint, route.dialect, now - elapsed);
  context.startedHr -= BigInt(Math.round(elapsed * 1e6));
  recordFailure(context, failure);
  return context;
}
