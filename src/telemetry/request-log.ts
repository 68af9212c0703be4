import type { CompletedRequest, PipelineStage } from '../pipeline/context.ts';
import { infoLineWriter, type Logger } from './logger.ts';

/**
 * One structured line per request, written after the response is done, in the format of every other
 * line (pino's). Every field is an id, a name or a number taken from the context (never a header or a
 * body), so the line is serialized here directly: no redaction pass, no generic object walk.
 */
export function requestLogStage(logger: Logger): PipelineStage {
  const write = infoLineWriter(logger);
  return {
    name: 'request-log',
    onComplete(completed: CompletedRequest) {
      if (write) write(requestFields(completed));
    },
  };
}

/** The line's fields after the level and time, serialized as JSON members. */
function requestFields({ context, latencyMs }: CompletedRequest): string {
  const usage = context.usage;
  const line = new JsonFields('"msg":"request"');
  line.text('request_id', context.id);
  line.text('endpoint', context.endpoint);
  line.text('dialect', context.dialect);
  line.text('key_id', context.principal?.keyId);
  line.text('model', context.requestedModel);
  line.text('route', context.route);
  line.text('provider', context.provider);
  line.text('upstream_model', context.upstreamModel);
  line.number('status', context.status);
  line.text('error_kind', context.errorKind);
  line.text('error_code', loggableCode(context.errorCode));
  line.flag('stream', context.stream);
  line.number('attempts', context.attempts.length);
  line.number('latency_ms', round(latencyMs));
  line.number('ttft_ms', context.ttftMs === undefined ? undefined : round(context.ttftMs));
  line.number('input_tokens', usage?.inputTokens);
  line.number('output_tokens', usage?.outputTokens);
  line.number('cached_tokens', usage?.cacheReadTokens || undefined);
  if (context.usageEstimated) line.flag('usage_estimated', true);
  if (context.clientDisconnected) line.flag('client_disconnected', true);
  return line.toString();
}

/** Appends members to a JSON object's body; absent values are left out, as JSON.stringify would. */
class JsonFields {
  constructor(private line: string) {}

  text(key: string, value: string | undefined): void {
    if (value !== undefined) this.line += `,"${key}":${JSON.stringify(value)}`;
  }

  number(key: string, value: number | undefined): void {
    // JSON has no NaN or Infinity; JSON.stringify writes them as null.
    if (value !== undefined) this.line += `,"${key}":${Number.isFinite(value) ? value : 'null'}`;
  }

  flag(key: string, value: boolean | undefined): void {
    if (value !== undefined) this.line += `,"${key}":${value}`;
  }

  toString(): string {
    return this.line;
  }
}

/**
 * An error code is the gateway's own (`model_not_found`) or copied from an upstream's error body; only
 * an identifier-like one is logged, so the line never carries free text from a body.
 */
const CODE = /^[\w.:-]{1,64}$/;

function loggableCode(code: string | undefined): string | undefined {
  return code !== undefined && CODE.test(code) ? code : undefined;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
