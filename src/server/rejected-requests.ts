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
 * The context of a data-plane request that Fastify refused before its handler ran (a body that is
 * not JSON, or over the size limit), so that the request log and the metrics still see it. The
 * handlers catch every error of their own, so an error that reaches Fastify's error handler on one
 * of these routes comes from reading the request. It has no principal: the key is checked by the
 * handler, so metering (which charges only authenticated requests) leaves it out.
 */
export function rejectedRequestContext(
  routePattern: string | undefined,
  requestId: string,
  now: number,
  failure: GatewayError,
): RequestContext | undefined {
  const route = routePattern === undefined ? undefined : DATA_PLANE_ROUTES[routePattern];
  if (!route) return undefined;
  const context = newContext(requestId, route.endpoint, route.dialect, now);
  recordFailure(context, failure);
  return context;
}
