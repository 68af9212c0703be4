import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from './deps.ts';

/** Liveness and readiness for load balancers and Kubernetes probes. */
export function registerOpsRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!deps.isReady()) return reply.code(503).send({ status: 'starting_or_draining' });
    return { status: 'ready', routes: deps.gateway.routes.list().length };
  });
}
