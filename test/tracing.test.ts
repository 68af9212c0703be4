// OpenTelemetry traces of real requests: one server span per request, one client span per attempt.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTracing, tracingStage } from '../src/telemetry/tracing.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const SYSTEM = 'gen_ai.system';

describe('tracing', () => {
  let emulator: EmulatorHandle;
  let gateway: TestGateway | undefined;
  const exporter = new InMemorySpanExporter();

  const chat = (model: string) =>
    fetch(`${gateway?.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway?.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  before(async () => {
    emulator = await startEmulator({ port: 0 });
    const tracer = await startTracing({
      exporter,
      providerType: (name) => gateway?.gateway.providers.get(name)?.type,
    });
    gateway = await startTestGateway(
      {
        providers: [
          { name: 'upstream', type: 'openai-compatible', base_url: `${emulator.url}/v1`, api_key: 'k' },
        ],
        routing: { retry: { max_attempts: 2, initial_backoff_ms: 1, max_backoff_ms: 5 } },
        routes: [{ name: 'retry-me', targets: [{ provider: 'upstream', model: 'model-retry' }] }],
      },
      { extraStages: [tracingStage(tracer)] },
    );
  });
  after(async () => {
    await gateway?.close();
    await emulator.close();
  });
  beforeEach(() => {
    exporter.reset();
    emulator.reset();
  });

  test('a retried request is one server span with a client span per attempt', async () => {
    emulator.setFaults([{ match: { model: 'model-retry' }, status: 500, times: 1 }]);
    const response = await chat('retry-me');
    assert.equal(response.status, 200);
    const usage = ((await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } })
      .usage;

    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.kind === SpanKind.SERVER);
    assert.ok(request);
    assert.equal(request.name, 'chat retry-me');
    assert.equal(parentOf(request), undefined);
    assert.equal(request.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(
      {
        operation: request.attributes['gen_ai.operation.name'],
        system: request.attributes[SYSTEM],
        requestModel: request.attributes['gen_ai.request.model'],
        responseModel: request.attributes['gen_ai.response.model'],
        input: request.attributes['gen_ai.usage.input_tokens'],
        output: request.attributes['gen_ai.usage.output_tokens'],
        status: request.attributes['http.response.status_code'],
        error: request.attributes['error.type'],
      },
      {
        operation: 'chat',
        system: 'openai-compatible',
        requestModel: 'retry-me',
        responseModel: 'model-retry',
        input: usage.prompt_tokens,
        output: usage.completion_tokens,
        status: 200,
        error: undefined,
      },
    );
    assert.equal(request.resource.attributes['service.name'], 'switchyard');

    const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT);
    assert.equal(attempts.length, 2);
    for (const attempt of attempts) {
      assert.equal(attempt.name, 'chat model-retry');
      assert.equal(parentOf(attempt), request.spanContext().spanId);
      assert.equal(attempt.spanContext().traceId, request.spanContext().traceId);
      assert.equal(attempt.attributes[SYSTEM], 'openai-compatible');
      assert.equal(attempt.attributes['gen_ai.request.model'], 'model-retry');
    }
    const [failed, succeeded] = [...attempts].sort(
      (a, b) =>
        Number(a.attributes['switchyard.attempt.number']) - Number(b.attributes['switchyard.attempt.number']),
    );
    assert.equal(failed?.attributes['switchyard.attempt.outcome'], 'error');
    assert.equal(failed?.attributes['error.type'], 'upstream_error');
    assert.equal(failed?.attributes['http.response.status_code'], 500);
    assert.equal(failed?.status.code, SpanStatusCode.ERROR);
    assert.equal(succeeded?.attributes['switchyard.attempt.outcome'], 'success');
    assert.equal(succeeded?.status.code, SpanStatusCode.UNSET);
  });

  test('a refused request is one span with its error type and status', async () => {
    const response = await chat('no-such-model');
    assert.equal(response.status, 404);
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    const [span] = spans;
    assert.equal(span?.name, 'chat no-such-model');
    assert.equal(span?.attributes['error.type'], 'model_not_found');
    assert.equal(span?.attributes['http.response.status_code'], 404);
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
  });
});

describe('OTLP export', () => {
  test('spans reach the configured collector over OTLP/HTTP with its headers', async () => {
    const received: Array<{ path: string | undefined; headers: IncomingHttpHeaders; body: string }> = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({ path: request.url, headers: request.headers, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      const gateway = await startTestGateway({
        telemetry: { otlp: { endpoint, headers: { 'x-collector-key': 'collector-secret' } } },
      });
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.clientKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(response.status, 200);
      await gateway.close(); // flushes the batch

      const exports = received.filter((request) => request.path === '/v1/traces');
      assert.equal(exports.length, 1);
      const [sent] = exports;
      assert.equal(sent?.headers['x-collector-key'], 'collector-secret');
      const payload = JSON.parse(sent?.body ?? '{}') as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<{ name: string }> }>;
        }>;
      };
      const resource = payload.resourceSpans[0];
      const serviceName = resource?.resource.attributes.find((attribute) => attribute.key === 'service.name');
      assert.equal(serviceName?.value.stringValue, 'switchyard');
      const names = resource?.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.name));
      assert.deepEqual(names?.sort(), ['chat chat-default', 'chat emulator-chat']);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
