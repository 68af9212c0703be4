import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Cancellation } from '../core/cancel.ts';
import { GatewayError } from '../core/errors.ts';
import { HOP_HEADER, readBody, UpstreamClient, type UpstreamRequest } from './http.ts';
import { providerConfig, RecordingUpstream } from './testing/recording-upstream.ts';

const config = providerConfig({
  name: 'upstream-a',
  type: 'openai-compatible',
  base_url: 'http://127.0.0.1:1/v1',
  headers: { 'x-operator': 'set-in-config' },
});

function post(url: string, overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    url,
    headers: { 'content-type': 'application/json' },
    body: '{"ask":1}',
    signal: new Cancellation(),
    headersTimeoutMs: 2_000,
    bodyTimeoutMs: 2_000,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('UpstreamClient.requestWhole', () => {
  let upstream: RecordingUpstream;
  let chunked: Server;
  let chunkedUrl: string;
  const client = new UpstreamClient(config, 'gw-self');

  before(async () => {
    upstream = await RecordingUpstream.start(() => ({ json: { ok: true } }));
    // An answer in three writes with a repeated header, as a real upstream may send it.
    chunked = createServer((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      response.write('{"parts":');
      setTimeout(() => {
        response.write('["one",');
        setTimeout(() => response.end('"two"]}'), 5);
      }, 5);
    });
    await new Promise<void>((resolve) => chunked.listen(0, '127.0.0.1', resolve));
    chunkedUrl = `http://127.0.0.1:${(chunked.address() as AddressInfo).port}/v1/chat/completions`;
  });

  after(async () => {
    await client.close();
    await upstream.close();
    chunked.closeAllConnections();
    await new Promise<void>((resolve) => chunked.close(() => resolve()));
  });

  it('returns the status, the headers and the whole body of an answer sent in pieces', async () => {
    const response = await client.requestWhole(post(chunkedUrl));
    assert.equal(response.status, 201);
    assert.deepEqual(response.headers['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(JSON.parse(response.body.toString('utf8')), { parts: ['one', 'two'] });
    assert.equal(await readBody(response, 'upstream-a'), response.body, 'a whole body is read once');
  });

  it("sends the operator's headers and the hop header with the request body", async () => {
    await client.requestWhole(post(`${upstream.url}/v1/chat/completions`));
    const request = upstream.last();
    assert.equal(request.body, '{"ask":1}');
    assert.equal(request.headers['x-operator'], 'set-in-config');
    assert.equal(request.headers[HOP_HEADER], 'gw-self');
  });

  it('fails as a timeout when the body stalls after the headers', async () => {
    upstream.reply(() => ({ json: { never: 'finished' }, hang: 'afterHeaders' }));
    const error = await rejection(
      client.requestWhole(post(`${upstream.url}/v1/chat/completions`, { bodyTimeoutMs: 100 })),
    );
    assert.equal(error.kind, 'upstream_timeout');
    assert.match(error.message, /upstream-a/);
  });

  it('aborts the upstream exchange when the request is cancelled mid-body', async () => {
    upstream.reply(() => ({ json: { never: 'finished' }, hang: 'afterHeaders' }));
    const cancellation = new Cancellation();
    const reason = new GatewayError('client_closed', 'The client left', { retryable: false });
    const pending = client.requestWhole(
      post(`${upstream.url}/v1/chat/completions`, { signal: cancellation.signal }),
    );
    const abandonedBefore = upstream.abandoned;
    await upstream.whenRequested(upstream.requests.length + 1);
    cancellation.abort(reason);
    assert.equal(await rejection(pending), reason, 'the cancellation reason is the outcome');
    await upstream.whenAbandoned(abandonedBefore + 1);
  });

  it('never sends a request whose cancellation came first', async () => {
    upstream.reply(() => ({ json: { ok: true } }));
    const cancellation = new Cancellation();
    const reason = new GatewayError('client_closed', 'The client left', { retryable: false });
    cancellation.abort(reason);
    const sent = upstream.requests.length;
    const error = await rejection(
      client.requestWhole(post(`${upstream.url}/v1/chat/completions`, { signal: cancellation.signal })),
    );
    assert.equal(error, reason);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(upstream.requests.length, sent);
  });

  it('names the provider, not the address, when the upstream cannot be reached', async () => {
    const refused = new UpstreamClient(config, 'gw-self');
    try {
      const error = await rejection(refused.requestWhole(post('http://127.0.0.1:1/v1/chat/completions')));
      assert.equal(error.kind, 'upstream_error');
      assert.equal(error.code, 'upstream_connection_error');
      assert.match(error.message, /provider "upstream-a"/);
      assert.doesNotMatch(error.message, /127\.0\.0\.1/);
    } finally {
      await refused.close();
    }
  });
});
