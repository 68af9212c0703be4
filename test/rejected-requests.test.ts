// Requests the HTTP layer refuses before any handler runs (a body that is not JSON, one over the size
// limit) still get a request log line and count in the metrics, like every other request.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../src/telemetry/logger.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { sample, scrape } from './helpers/scrape.ts';

describe('requests refused before their handler', () => {
  let gateway: TestGateway;
  const lines: Array<Record<string, unknown>> = [];
  const requestIds: string[] = [];

  const send = async (path: string, headers: Record<string, string>, body: string) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    await response.text();
    requestIds.push(response.headers.get('x-request-id') ?? '');
    return response.status;
  };

  before(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    gateway = await startTestGateway(
      { server: { log_requests: true, body_limit: 2048, instance_id: 'gw-rejecting' } },
      { logger: createLogger({ level: 'info', destination }) },
    );
    const bearer = { authorization: `Bearer ${gateway.clientKey}` };
    assert.equal(await send('/v1/chat/completions', bearer, '{"model": "chat-default", "messages": ['), 400);
    const oversize = JSON.stringify({
      model: 'chat-default',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'x'.repeat(4096) }],
    });
    assert.equal(await send('/v1/messages', { 'x-api-key': gateway.clientKey }, oversize), 413);
    const looping = { ...bearer, 'x-switchyard-hop': 'gw-rejecting' };
    const valid = JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(await send('/v1/chat/completions', looping, valid), 508);
  });
  after(() => gateway.close());

  test('each gets a request line with its status and error', () => {
    const requestLines = lines.filter((line) => line.msg === 'request');
    const malformed = requestLines.find((line) => line.request_id === requestIds[0]);
    assert.ok(malformed, 'the malformed request is in the log');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.endpoint, 'chat');
    assert.equal(malformed.dialect, 'openai-chat');
    assert.equal(malformed.error_kind, 'invalid_request');
    assert.equal(malformed.error_code, 'invalid_json');
    const oversize = requestLines.find((line) => line.request_id === requestIds[1]);
    assert.ok(oversize, 'the oversize request is in the log');
    assert.equal(oversize.status, 413);
    assert.equal(oversize.dialect, 'anthropic-messages');
    assert.equal(oversize.error_kind, 'payload_too_large');
    const loop = requestLines.find((line) => line.request_id === requestIds[2]);
    assert.ok(loop, 'the looping request is in the log');
    assert.equal(loop.status, 508);
    assert.equal(loop.error_kind, 'invalid_request');
    assert.equal(loop.error_code, 'loop_detected');
  });

  test('each counts as a 4xx request and error of its endpoint', async () => {
    const metrics = await scrape(gateway.url);
    assert.equal(sample(metrics, 'switchyard_requests_total', { endpoint: 'chat', status: '4xx' }), 2);
    assert.equal(sample(metrics, 'switchyard_requests_total', { endpoint: 'chat', status: '5xx' }), 1);
    for (const kind of ['invalid_request', 'payload_too_large']) {
      assert.equal(
        sample(metrics, 'switchyard_request_errors_total', {
          endpoint: 'chat',
          status: '4xx',
          error_kind: kind,
        }),
        1,
        kind,
      );
    }
  });

  test('neither is metered: no key was checked', async () => {
    const served = await send(
      '/v1/chat/completions',
      { authorization: `Bearer ${gateway.clientKey}` },
      JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(served, 200);
    const record = (id: string | undefined) =>
      fetch(`${gateway.url}/admin/v1/usage/records/${id}`, {
        headers: { authorization: `Bearer ${gateway.adminKey}` },
      }).then((response) => response.status);
    // Once the served request's record is readable, the ledger has flushed everything before it.
    const deadline = Date.now() + 10_000;
    while ((await record(requestIds[3])) !== 200) {
      assert.ok(Date.now() < deadline, 'the served request is metered');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const id of requestIds.slice(0, 3)) assert.equal(await record(id), 404, id);
  });
});
