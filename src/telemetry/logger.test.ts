import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, flushLogger } from './logger.ts';
import { requestLogStage } from './request-log.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

type Completed = Parameters<NonNullable<ReturnType<typeof requestLogStage>['onComplete']>>[0];

function completed(context: Record<string, unknown>, latencyMs = 1): Completed {
  return {
    context: { endpoint: 'chat', dialect: 'openai-chat', stream: false, attempts: [], ...context },
    latencyMs,
  } as unknown as Completed;
}

describe('logger', () => {
  it('redacts credentials by path in ordinary lines', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info({
      msg: 'provider',
      provider: { api_key: 'sk-secret', credentials_json: '{"private_key":"-----BEGIN' },
      account: { private_key: '-----BEGIN PRIVATE KEY-----' },
      headers: { authorization: 'Bearer x' },
    });
    assert.deepEqual(lines[0]?.provider, { api_key: '[redacted]', credentials_json: '[redacted]' });
    assert.deepEqual(lines[0]?.account, { private_key: '[redacted]' });
    assert.deepEqual(lines[0]?.headers, { authorization: '[redacted]' });
  });

  it('writes the request line to the same destination, in the same format, only when info is on', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    requestLogStage(logger).onComplete?.(completed({ id: 'req_fmt', status: 200 }));
    logger.info({ msg: 'ordinary' });
    assert.deepEqual(
      lines.map((line) => [line.msg, line.level]),
      [
        ['request', 'info'],
        ['ordinary', 'info'],
      ],
    );
    assert.equal(typeof lines[0]?.time, 'string');
    assert.ok(!Number.isNaN(Date.parse(String(lines[0]?.time))));
    assert.deepEqual(Object.keys(lines[0] ?? {}).slice(0, 3), ['level', 'time', 'msg']);

    const quiet = capture();
    requestLogStage(createLogger({ level: 'warn', destination: quiet.destination })).onComplete?.(
      completed({ id: 'req_quiet', status: 200 }),
    );
    assert.equal(quiet.lines.length, 0);
  });

  it('writes out a line at low traffic within about a second, though the buffer is far from full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-log-'));
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'a');
    try {
      const logger = createLogger({ level: 'info', destination: fd });
      requestLogStage(logger).onComplete?.(completed({ id: 'req_quiet_hour', status: 200 }));
      assert.equal(readFileSync(file, 'utf8'), '', 'buffered at first: one line is far below 4 KB');
      const deadline = Date.now() + 3000;
      while (!readFileSync(file, 'utf8').includes('req_quiet_hour') && Date.now() < deadline) await sleep(50);
      assert.match(readFileSync(file, 'utf8'), /"request_id":"req_quiet_hour"/);
      flushLogger(logger);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escapes text fields and leaves out absent ones', () => {
    const { lines, destination } = capture();
    requestLogStage(createLogger({ level: 'info', destination })).onComplete?.(
      completed({
        id: 'req_esc',
        status: 502,
        requestedModel: 'a"b\\c\n\u0001',
        errorKind: 'upstream_error',
        errorCode: 'insufficient_quota',
      }),
    );
    const line = lines[0] ?? {};
    assert.equal(line.error_code, 'insufficient_quota');
    assert.equal(line.model, 'a"b\\c\n\u0001');
    assert.equal(line.error_kind, 'upstream_error');
    assert.equal(line.status, 502);
    assert.equal('route' in line, false);
    assert.equal('usage_estimated' in line, false);
    assert.equal('ttft_ms' in line, false);
  });

  it('logs an error code only when it is an identifier, never free text from an upstream body', () => {
    const { lines, destination } = capture();
    const stage = requestLogStage(createLogger({ level: 'info', destination }));
    stage.onComplete?.(
      completed({ id: 'req_a', status: 404, errorKind: 'model_not_found', errorCode: 'model_not_found' }),
    );
    stage.onComplete?.(
      completed({
        id: 'req_b',
        status: 502,
        errorKind: 'upstream_error',
        errorCode: 'Your key sk-123 is invalid',
      }),
    );
    assert.equal(lines[0]?.error_code, 'model_not_found');
    assert.equal('error_code' in (lines[1] ?? {}), false);
    assert.equal(lines[1]?.error_kind, 'upstream_error');
  });

  it('the request line holds ids, names and numbers only', () => {
    const { lines, destination } = capture();
    const stage = requestLogStage(createLogger({ level: 'info', destination }));
    stage.onComplete?.({
      context: {
        id: 'req_1',
        endpoint: 'chat',
        dialect: 'openai-chat',
        principal: { keyId: 'key_1', keyName: 'search', metadata: {} },
        requestedModel: 'gpt',
        route: 'gpt',
        provider: 'openai',
        upstreamModel: 'gpt-4o',
        status: 200,
        stream: false,
        attempts: [],
        usage: { inputTokens: 3, outputTokens: 5 },
        usageEstimated: false,
        clientDisconnected: false,
      },
      latencyMs: 12.345,
    } as unknown as Parameters<NonNullable<typeof stage.onComplete>>[0]);
    const line = lines[0] ?? {};
    assert.equal(line.request_id, 'req_1');
    assert.equal(line.key_id, 'key_1');
    assert.equal(line.latency_ms, 12.35);
    for (const value of Object.values(line))
      assert.ok(['string', 'number', 'boolean'].includes(typeof value));
  });
});
