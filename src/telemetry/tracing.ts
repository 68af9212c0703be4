import type { Attributes, Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { CompletedRequest, PipelineStage } from '../pipeline/context.ts';
import { describeRequest, type SpanSpec } from './genai-spans.ts';

export interface TracingOptions {
  /** An OTLP/HTTP collector: base URL (e.g. http://otel-collector:4318) and headers for every export. */
  otlp?: { endpoint: string; headers: Record<string, string> };
  /** Any exporter instead of OTLP (tests use an in-memory one); its spans are exported one by one. */
  exporter?: SpanExporter;
  /** Reported as the `service.instance.id` resource attribute. */
  instanceId?: string;
  /** The type of a provider by its configured name, for the attempt spans' `gen_ai.system`. */
  providerType?: (providerName: string) => string | undefined;
}

/** Turns finished requests into spans and owns the exporter's lifecycle. */
export interface RequestTracer {
  record(completed: CompletedRequest): void;
  /** Exports every span recorded so far. */
  flush(): Promise<void>;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

export const SERVICE_NAME = 'switchyard';
const TRACES_PATH = '/v1/traces';

/**
 * Starts OpenTelemetry tracing. The SDK and exporter are imported here, on demand, so a gateway
 * without tracing configured never loads them. No global tracer provider is registered: the gateway
 * builds its spans itself and does not want other code's spans mixed into its pipeline.
 */
export async function startTracing(options: TracingOptions): Promise<RequestTracer> {
  const [api, sdk, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  let processor: InstanceType<typeof sdk.SimpleSpanProcessor> | InstanceType<typeof sdk.BatchSpanProcessor>;
  if (options.exporter) {
    processor = new sdk.SimpleSpanProcessor(options.exporter);
  } else if (options.otlp) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const exporter = new OTLPTraceExporter({
      url: tracesUrl(options.otlp.endpoint),
      headers: options.otlp.headers,
    });
    processor = new sdk.BatchSpanProcessor(exporter);
  } else {
    throw new Error('startTracing needs an OTLP endpoint or an exporter');
  }
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': SERVICE_NAME,
      ...(options.instanceId ? { 'service.instance.id': options.instanceId } : {}),
    }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer(SERVICE_NAME);
  const providerType = options.providerType ?? (() => undefined);

  const emit = (spec: SpanSpec, parent?: Span): Span => {
    const span = tracer.startSpan(
      spec.name,
      {
        kind: spec.kind === 'server' ? api.SpanKind.SERVER : api.SpanKind.CLIENT,
        startTime: spec.startTime,
        attributes: spec.attributes as Attributes,
      },
      parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT,
    );
    if (spec.error) span.setStatus({ code: api.SpanStatusCode.ERROR, message: spec.error });
    return span;
  };

  return {
    record(completed) {
      const spans = describeRequest(completed, providerType);
      const request = emit(spans.request);
      for (const attempt of spans.attempts) emit(attempt, request).end(attempt.endTime);
      request.end(spans.request.endTime);
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Emits the spans of every finished request; runs after the response, off the hot path. */
export function tracingStage(tracer: Pick<RequestTracer, 'record'>): PipelineStage {
  return {
    name: 'tracing',
    onComplete(completed) {
      tracer.record(completed);
    },
  };
}

/** The collector's traces URL: the OTLP/HTTP base URL with `/v1/traces`, unless it is already there. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith(TRACES_PATH) ? trimmed : `${trimmed}${TRACES_PATH}`;
}
