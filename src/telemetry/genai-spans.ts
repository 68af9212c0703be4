import type { CompletedRequest, RequestContext } from '../pipeline/context.ts';
import type { AttemptRecord } from '../routing/executor.ts';
import { teamOf } from './metrics.ts';

/**
 * OpenTelemetry attribute names. The GenAI ones are still "incubating" in the semantic conventions,
 * which advise copying them rather than importing the incubating entry point (whose names may
 * change between minor versions); a test checks them against the package.
 */
export const ATTR = {
  operationName: 'gen_ai.operation.name',
  system: 'gen_ai.system',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
  httpStatus: 'http.response.status_code',
  errorType: 'error.type',
} as const;

/** `gen_ai.provider.name` well-known values for our provider types; others are passed as they are. */
const PROVIDER_NAME: Partial<Record<string, string>> = {
  'azure-openai': 'azure.ai.openai',
  gemini: 'gcp.gemini',
  mistral: 'mistral_ai',
  bedrock: 'aws.bedrock',
};

export type SpanAttributes = Record<string, string | number | boolean>;

/** One span to emit, described without any OpenTelemetry type so it can be built and tested alone. */
export interface SpanSpec {
  name: string;
  kind: 'server' | 'client';
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number;
  attributes: SpanAttributes;
  /** The error kind, when the operation failed. */
  error?: string;
}

export interface RequestSpans {
  request: SpanSpec;
  /** Children of `request`, one per upstream attempt, in order. */
  attempts: SpanSpec[];
}

/**
 * The spans of a finished request, following the GenAI semantic conventions: a server span for the
 * request named `{operation} {requested model}`, and a client span per upstream attempt named
 * `{operation} {upstream model}`. Built after the response from what the context recorded, so
 * tracing costs nothing while the request is in flight.
 */
export function describeRequest(
  { context, latencyMs }: CompletedRequest,
  providerType: (providerName: string) => string | undefined,
): RequestSpans {
  const operation = context.endpoint;
  const request: SpanSpec = {
    name: context.requestedModel ? `${operation} ${context.requestedModel}` : operation,
    kind: 'server',
    startTime: context.startedAt,
    endTime: context.startedAt + latencyMs,
    attributes: requestAttributes(context),
  };
  if (context.errorKind) request.error = context.errorKind;
  const attempts = context.attempts.map((attempt, index) =>
    attemptSpan(operation, attempt, index, providerType),
  );
  return { request, attempts };
}

function requestAttributes(context: RequestContext): SpanAttributes {
  const attributes: SpanAttributes = {
    [ATTR.operationName]: context.endpoint,
    [ATTR.httpStatus]: context.status,
    'switchyard.request_id': context.id,
    'switchyard.stream': context.stream,
    'switchyard.attempts': context.attempts.length,
  };
  if (context.requestedModel) attributes[ATTR.requestModel] = context.requestedModel;
  if (context.upstreamModel) attributes[ATTR.responseModel] = context.upstreamModel;
  if (context.providerType) Object.assign(attributes, providerAttributes(context.providerType));
  if (context.usage) {
    attributes[ATTR.inputTokens] = context.usage.inputTokens;
    attributes[ATTR.outputTokens] = context.usage.outputTokens;
    if (context.usage.cacheReadTokens > 0) attributes[ATTR.cacheReadTokens] = context.usage.cacheReadTokens;
    if (context.usageEstimated) attributes['switchyard.usage_estimated'] = true;
  }
  if (context.errorKind) attributes[ATTR.errorType] = context.errorKind;
  if (context.route) attributes['switchyard.route'] = context.route;
  if (context.provider) attributes['switchyard.provider'] = context.provider;
  if (context.principal) attributes['switchyard.key_id'] = context.principal.keyId;
  const team = teamOf(context);
  if (team) attributes['switchyard.team'] = team;
  if (context.costMicros !== undefined) attributes['switchyard.cost_usd'] = context.costMicros / 1_000_000;
  if (context.clientDisconnected) attributes['switchyard.client_disconnected'] = true;
  return attributes;
}

function attemptSpan(
  operation: string,
  attempt: AttemptRecord,
  index: number,
  providerType: (providerName: string) => string | undefined,
): SpanSpec {
  const attributes: SpanAttributes = {
    [ATTR.operationName]: operation,
    [ATTR.requestModel]: attempt.model,
    'switchyard.provider': attempt.provider,
    'switchyard.route': attempt.route,
    'switchyard.attempt.number': index + 1,
    'switchyard.attempt.outcome': attempt.outcome,
  };
  const type = providerType(attempt.provider);
  if (type) Object.assign(attributes, providerAttributes(type));
  if (attempt.upstreamStatus !== undefined) attributes[ATTR.httpStatus] = attempt.upstreamStatus;
  const spec: SpanSpec = {
    name: `${operation} ${attempt.model}`,
    kind: 'client',
    startTime: attempt.startedAt,
    endTime: attempt.startedAt + attempt.durationMs,
    attributes,
  };
  if (attempt.outcome !== 'success') {
    spec.error = attempt.errorKind ?? attempt.outcome;
    attributes[ATTR.errorType] = spec.error;
  }
  return spec;
}

/** `gen_ai.system` is our provider type (the older convention); `gen_ai.provider.name` its newer name. */
function providerAttributes(type: string): SpanAttributes {
  return { [ATTR.system]: type, [ATTR.providerName]: PROVIDER_NAME[type] ?? type };
}
