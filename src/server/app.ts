import Fastify, { type FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.ts';
import { newRequestId } from '../core/ids.ts';
import { anthropicMessages } from '../dialects/anthropic-messages.ts';
import { openaiChat } from '../dialects/openai-chat.ts';
import { HOP_HEADER } from '../providers/http.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerAnthropicRoutes } from './anthropic-routes.ts';
import type { ServerDeps } from './deps.ts';
import { type ErrorEncoder, invalidBody, toClientError } from './errors.ts';
import { registerOpenAIRoutes } from './openai-routes.ts';
import { registerOpsRoutes } from './ops-routes.ts';
import { recordRejected } from './rejected-requests.ts';
import { NO_ROUTE_SCHEMAS } from './schema-compilers.ts';

/** Error encoders by path prefix: each surface answers in its own dialect. */
export interface SurfaceErrors {
  prefix: string;
  encode: ErrorEncoder;
}

export function buildApp(
  deps: ServerDeps,
  extraSurfaces: Array<(app: FastifyInstance) => void> = [],
  surfaceErrors: SurfaceErrors[] = [],
): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit,
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    return503OnClosing: true,
    keepAliveTimeout: 75_000,
    forceCloseConnections: 'idle',
    schemaController: NO_ROUTE_SCHEMAS,
  });

  const surfaces: SurfaceErrors[] = [
    { prefix: '/v1/messages', encode: anthropicMessages.encodeError },
    ...surfaceErrors,
  ];
  const encoderFor = (url: string): ErrorEncoder =>
    surfaces.find((surface) => url.startsWith(surface.prefix))?.encode ?? openaiChat.encodeError;

  // Any content type is read as JSON: SDKs and curl users do not always set it, and a clear JSON
  // error beats a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch (error) {
      done(invalidBody(`The request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  // A callback hook, not an async one: it runs for every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const hop = request.headers[HOP_HEADER];
    if (typeof hop === 'string' && hop.split(',').some((id) => id.trim() === deps.instanceId)) {
      const error = new GatewayError(
        'invalid_request',
        "Request loop detected: this gateway is calling itself. Check the providers' base_url.",
        {
          code: 'loop_detected',
          status: 508,
          retryable: false,
        },
      );
      const { status, body } = encoderFor(request.url)(error);
      reply.code(status).send(body);
      recordRejected(deps, request, reply, error);
      return;
    }
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = toClientError(error, deps.bodyLimit);
    const { status, body } = encoderFor(request.url)(failure);
    reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
    recordRejected(deps, request, reply, failure);
    return reply;
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError(
      'not_found',
      `Unknown endpoint ${request.method} ${request.url.split('?')[0]}`,
      {
        code: 'unknown_url',
        retryable: false,
      },
    );
    const { status, body } = encoderFor(request.url)(error);
    return reply.code(status).send(body);
  });

  registerOpsRoutes(app, deps);
  registerOpenAIRoutes(app, deps);
  registerAnthropicRoutes(app, deps);
  registerAdminRoutes(app, deps);
  for (const register of extraSurfaces) register(app);
  return app;
}
