import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, withoutRedaction } from './logger.ts';
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

  it('writes unredacted lines to the same destination, in the same format and at the same level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'warn', destination });
    const plain = withoutRedaction(logger);
    plain.info({ msg: 'below the level' });
    plain.warn({ msg: 'request', status: 200 });
    logger.warn({ msg: 'ordinary' });
    assert.deepEqual(
      lines.map((line) => [line.msg, line.level]),
      [
        ['request', 'warn'],
        ['ordinary', 'warn'],
      ],
    );
    assert.equal(typeof lines[0]?.time, 'string');
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
