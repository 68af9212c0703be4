import type { CompletedRequest, PipelineStage } from '../pipeline/context.ts';
import { type Logger, withoutRedaction } from './logger.ts';

/**
 * One structured line per request, written after the response is done. Every field is an id, a name or
 * a number taken from the context (never a header or a body), so the line skips redaction.
 */
export function requestLogStage(redactingLogger: Logger): PipelineStage {
  const logger = withoutRedaction(redactingLogger);
  return {
    name: 'request-log',
    onComplete({ context, latencyMs }: CompletedRequest) {
      const usage = context.usage;
      logger.info({
        msg: 'request',
        request_id: context.id,
        endpoint: context.endpoint,
        dialect: context.dialect,
        key_id: context.principal?.keyId,
        model: context.requestedModel,
        route: context.route,
        provider: context.provider,
        upstream_model: context.upstreamModel,
        status: context.status,
        error_kind: context.errorKind,
        stream: context.stream,
        attempts: context.attempts.length,
        latency_ms: round(latencyMs),
        ttft_ms: context.ttftMs === undefined ? undefined : round(context.ttftMs),
        input_tokens: usage?.inputTokens,
        output_tokens: usage?.outputTokens,
        cached_tokens: usage?.cacheReadTokens || undefined,
        usage_estimated: context.usageEstimated || undefined,
        client_disconnected: context.clientDisconnected || undefined,
      });
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
