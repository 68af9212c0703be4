import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { credentialOf } from './http-utils.ts';

/**
 * `GET /metrics` in the Prometheus text format, on the gateway's own port. Open unless a token is
 * configured; then a scrape must send `Authorization: Bearer <token>`.
 */
export function metricsRoute(
  metrics: GatewayMetrics,
  token: string | undefined,
): (app: FastifyInstance) => void {
  const expected = token === undefined ? undefined : digest(token);
  return (app) => {
    app.get('/metrics', async (request, reply) => {
      if (expected) {
        const presented = credentialOf(request);
        if (!presented || !timingSafeEqual(digest(presented), expected)) {
          throw new GatewayError(
            'authentication',
            'The metrics endpoint needs the scrape token: send "Authorization: Bearer <telemetry.metrics.token>".',
            { code: 'invalid_metrics_token', retryable: false },
          );
        }
      }
      const text = await metrics.render();
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
    });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
