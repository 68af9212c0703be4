import type { TelemetryConfig } from '../config/schema.ts';
import type { PipelineStage } from '../pipeline/context.ts';
import type { BreakerState } from '../routing/breaker.ts';
import { GatewayMetrics, metricsStage } from './metrics.ts';
import { type RequestTracer, startTracing, tracingStage } from './tracing.ts';

export interface Telemetry {
  /** Absent when `telemetry.metrics.enabled` is false. */
  metrics: GatewayMetrics | undefined;
  /** Absent when no OTLP endpoint is configured. */
  tracer: RequestTracer | undefined;
  /** Pipeline stages to append after the others (so they see the cost metering recorded). */
  stages: PipelineStage[];
  /** For the route table's breaker listener. */
  onBreakerChange(target: string, state: BreakerState): void;
  /** Exports the last spans and stops the exporter. */
  close(): Promise<void>;
}

/** Metrics and tracing as configured; what is switched off is not created at all. */
export async function startTelemetry(
  config: TelemetryConfig,
  options: { instanceId: string; providerType: (providerName: string) => string | undefined },
): Promise<Telemetry> {
  const metrics = config.metrics.enabled ? new GatewayMetrics() : undefined;
  const endpoint = config.otlp.endpoint;
  const tracer = endpoint
    ? await startTracing({ otlp: { endpoint, headers: config.otlp.headers }, ...options })
    : undefined;
  const stages: PipelineStage[] = [];
  if (metrics) stages.push(metricsStage(metrics));
  if (tracer) stages.push(tracingStage(tracer));
  return {
    metrics,
    tracer,
    stages,
    onBreakerChange: (target, state) => metrics?.setCircuitState(target, state),
    close: async () => {
      await tracer?.shutdown();
    },
  };
}
