import type { FastifyReply } from 'fastify';
import { type RequestContext, recordFailure } from '../pipeline/context.ts';
import type { ServerDeps } from './deps.ts';
import { type ErrorEncoder, toClientError } from './errors.ts';
import { setRoutingHeaders } from './http-utils.ts';

/** Sends an error in the caller's dialect and records it on the context for logs and metering. */
export function failRequest(
  reply: FastifyReply,
  context: RequestContext,
  error: unknown,
  encode: ErrorEncoder,
  deps: Pick<ServerDeps, 'bodyLimit'>,
): FastifyReply | undefined {
  const failure = toClientError(error, deps.bodyLimit);
  recordFailure(context, failure);
  if (reply.sent || reply.raw.headersSent) return undefined;
  if (reply.raw.destroyed) return undefined;
  const { status, body } = encode(failure);
  if (failure.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.ceil(failure.retryAfterSeconds)));
  setRoutingHeaders(reply, context);
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
}
