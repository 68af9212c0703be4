import type { FastifyReply, FastifyRequest } from 'fastify';
import { Cancellation } from '../core/cancel.ts';
import { GatewayError } from '../core/errors.ts';
import type { RequestContext } from '../pipeline/context.ts';

/** The caller's key: `Authorization: Bearer <key>` (OpenAI) or `x-api-key: <key>` (Anthropic). */
export function credentialOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/** Aborts when the client goes away before the response is complete. */
export function clientAbortSignal(reply: FastifyReply, context: RequestContext): Cancellation {
  const controller = new Cancellation();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) {
      context.clientDisconnected = true;
      // The reason becomes the request's outcome: status 499 in its usage record, log line and metrics.
      controller.abort(
        new GatewayError('client_closed', 'The client closed the connection before the answer', {
          code: 'client_disconnected',
          retryable: false,
        }),
      );
    }
  });
  return controller;
}

/**
 * Sets the headers that say who served a request (and the pipeline's own, such as cost and warnings)
 * on the reply one by one, with no intermediate headers object: built per request and handed to
 * Fastify, that object was among what the gateway promoted out of the young generation
 * (docs/architecture.md, "Garbage collection at one connection").
 */
export function setRoutingHeaders(reply: FastifyReply, context: RequestContext): void {
  const extra = context.responseHeaders;
  for (const name in extra) reply.header(name, extra[name]);
  if (context.route) reply.header('x-switchyard-route', context.route);
  if (context.provider) reply.header('x-switchyard-provider', context.provider);
  if (context.upstreamModel) reply.header('x-switchyard-model', context.upstreamModel);
  if (context.attempts.length > 0) reply.header('x-switchyard-attempts', String(context.attempts.length));
}

/** Tags for cost attribution: `x-switchyard-tags: team=search,feature=autocomplete`. */
export function tagsOf(request: FastifyRequest): string[] {
  const header = request.headers['x-switchyard-tags'];
  if (typeof header !== 'string' || header.length === 0) return [];
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0 && tag.length <= 128)
    .slice(0, 32);
}
