import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { startTelemetry } from './setup.ts';

const options = { instanceId: 'sy-test', providerType: () => undefined };

describe('telemetry from configuration', () => {
  test('by default: metrics on, tracing off', async () => {
    const telemetry = await startTelemetry(parseConfig({}, {}).telemetry, options);
    assert.ok(telemetry.metrics);
    assert.equal(telemetry.tracer, undefined);
    assert.deepEqual(
      telemetry.stages.map((stage) => stage.name),
      ['metrics'],
    );
    await telemetry.close();
  });

  test('an empty OTLP endpoint (an unset variable with an empty default) leaves tracing off', async () => {
    const unsetVariable = '$' + '{OTEL_COLLECTOR_URL:-}';
    const config = parseConfig(
      { telemetry: { otlp: { endpoint: unsetVariable }, metrics: { enabled: false } } },
      {},
    );
    assert.equal(config.telemetry.otlp.endpoint, undefined);
    const telemetry = await startTelemetry(config.telemetry, options);
    assert.equal(telemetry.metrics, undefined);
    assert.deepEqual(telemetry.stages, []);
    telemetry.onBreakerChange('a/b', 'open'); // nothing to update, and no failure
  });

  test('with an endpoint, a tracing stage runs after the metrics one', async () => {
    const config = parseConfig({ telemetry: { otlp: { endpoint: 'http://127.0.0.1:1/' } } }, {});
    const telemetry = await startTelemetry(config.telemetry, options);
    assert.deepEqual(
      telemetry.stages.map((stage) => stage.name),
      ['metrics', 'tracing'],
    );
    await telemetry.close();
  });

  test('bad settings are reported with their path', () => {
    assert.throws(
      () => parseConfig({ telemetry: { metrics: { token: 'short' } } }, {}),
      /telemetry\.metrics\.token/,
    );
    assert.throws(
      () => parseConfig({ telemetry: { otlp: { endpoint: 'collector:4318' } } }, {}),
      /telemetry\.otlp\.endpoint/,
    );
  });
});
