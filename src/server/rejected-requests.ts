import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../core/errors.ts';
import { type Endpoint, newContext, recordFailure } from '../pipeline/context.ts';
import type { ServerDeps } from './deps.ts';

/** The data-plane routes, by their Fastify route pattern: what a request to each of them is. */
const DATA_PLANE_ROUTES: Record<string, { endpoint: Endpoint; dialect: string }> = {
  '/v1/chat/completions': { endpoint: 'chat', dialect: 'openai-chat' },
  '/v1/embeddings': { endpoint: 'embeddings', dialect: 'openai-embeddings' },
  '/v1/messages': { endpoint: 'chat', dialect: 'anthropic-messages' },
  '/v1/messages/count_tokens': { endpoint: 'count_tokens', dialect: 'anthropic-messages' },
};

/**
 * Hands a data-plane request refused before its handler ran (a body that is not JSON or over the size
 * limit, a request looping through this gateway) to the pipeline's observers, so that the request
 * log, metrics and traces still see it. The handlers catch every error of their own, so an error that
 * reaches this point on one of these routes comes from before the handler. It has no principal: the
 * key is checked by the handler, so metering (which charges only authenticated requests) leaves it
 * out. Call it after the refusal is sent.
 */
export function recordRejected(
  deps: Pick<ServerDeps, 'gateway' | 'clock'>,
  request: FastifyRequest,
  reply: FastifyReply,
  failure: GatewayError,
): void {
  const route =
    request.routeOptions.url === undefined ? undefined : DATA_PLANE_ROUTES[request.routeOptions.url];
  if (!route) return;
  // Started when the request arrived, not now, so that its latency covers reading the body.
  const elapsed = Number.isFinite(reply.elapsedTime) ? Math.max(0, reply.elapsedTime) : 0;
  const context = newContext(request.id, route.endpoint, route.dialect, deps.clock.now() - elapsed);
  context.startedHr -= BigInt(Math.round(elapsed * 1e6));
  recordFailure(context, failure);
  deps.gateway.complete(context);
}
