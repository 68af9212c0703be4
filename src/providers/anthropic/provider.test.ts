import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest } from '../../core/ir.ts';
import { assembleStream, chatRequest } from '../../dialects/testing.ts';
import { HOP_HEADER } from '../http.ts';
import {
  collect,
  deployment,
  eventsOfFrames,
  providerConfig,
  RecordingUpstream,
  testContext,
} from '../testing/recording-upstream.ts';
import { AnthropicProvider } from './provider.ts';

const KEY = 'sk-ant-test-0123456789abcdef';
const fixture = (name: string) =>
  readFileSync(new URL(`../../dialects/fixtures/anthropic/${name}`, import.meta.url), 'utf8');
const TEXT_RESPONSE = fixture('response-text.json');

let upstream: RecordingUpstream;
const providers: AnthropicProvider[] = [];

function provider(fields: Record<string, unknown> = {}, context: Parameters<typeof testContext>[0] = {}) {
  const config = providerConfig({
    name: 'claude',
    type: 'anthropic',
    api_key: KEY,
    base_url: upstream.url,
    ...fields,
  });
  const created = new AnthropicProvider(config, testContext(context));
  providers.push(created);
  return { provider: created, target: deployment(config, 'claude-sonnet-4-5') };
}

async function chatOnce(
  request: ChatRequest,
  fields: Record<string, unknown> = {},
  context: Parameters<typeof testContext>[0] = {},
) {
  const { provider: p, target } = provider(fields, context);
  return p.chat(request, target, new AbortController().signal);
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

before(async () => {
  upstream = await RecordingUpstream.start(() => ({
    text: TEXT_RESPONSE,
    headers: { 'content-type': 'application/json' },
  }));
});
beforeEach(() => {
  upstream.reply(() => ({ text: TEXT_RESPONSE, headers: { 'content-type': 'application/json' } }));
});
after(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await upstream.close();
});

describe('anthropic provider: requests', () => {
  it('posts to /v1/messages with the key, the API version and the upstream model', async () => {
    await chatOnce(chatRequest({ maxOutputTokens: 100 }));
    const sent = upstream.last();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], KEY);
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers['content-type'], 'application/json');
    assert.equal(sent.headers[HOP_HEADER], 'gw-test');
    assert.equal(sent.headers.authorization, undefined);
    const body = upstream.json();
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.max_tokens, 100);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
  });

  it('uses the configured API version and a base URL with a path', async () => {
    await chatOnce(chatRequest({ maxOutputTokens: 10 }), {
      base_url: `${upstream.url}/anthropic/`,
      anthropic_version: '2026-10-21',
    });
    assert.equal(upstream.last().url, '/anthropic/v1/messages');
    assert.equal(upstream.last().headers['anthropic-version'], '2026-10-21');
  });

  it("merges the client's anthropic-beta with the operator's and forwards no other client header", async () => {
    const request = chatRequest({
      maxOutputTokens: 10,
      headers: {
        'anthropic-beta': 'context-1m-2025-08-07, prompt-caching-2024-07-31',
        'x-api-key': 'sk-client',
      },
    });
    await chatOnce(request, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
    const sent = upstream.last().headers;
    assert.equal(sent['anthropic-beta'], 'prompt-caching-2024-07-31,context-1m-2025-08-07');
    assert.equal(sent['x-api-key'], KEY);
  });

  it('fills max_tokens from the catalog when the client set none, without touching its request', async () => {
    const request = chatRequest();
    await chatOnce(
      request,
      {},
      { defaultMaxTokens: (model) => (model === 'claude-sonnet-4-5' ? 64_000 : undefined) },
    );
    assert.equal(upstream.json().max_tokens, 64_000);
    assert.equal(request.maxOutputTokens, undefined);
  });

  it('falls back to the default max_tokens when the catalog does not know the model', async () => {
    await chatOnce(chatRequest(), {}, { defaultMaxTokens: () => undefined });
    assert.equal(upstream.json().max_tokens, 4096);
  });

  it("forwards an Anthropic client's own body, unknown fields included, with only the model replaced", async () => {
    const body = {
      model: 'chat-default',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Hi' }],
      container: 'container_011',
      mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'docs' }],
    };
    await chatOnce(chatRequest({ maxOutputTokens: 256, source: { dialect: 'anthropic-messages', body } }));
    assert.deepEqual(upstream.json(), { ...body, model: 'claude-sonnet-4-5' });
  });
});

describe('anthropic provider: answers', () => {
  it('decodes a message and keeps the upstream bytes for Anthropic clients', async () => {
    const result = await chatOnce(chatRequest({ maxOutputTokens: 10 }));
    assert.equal(result.kind, 'response');
    if (result.kind !== 'response') return;
    assert.deepEqual(result.response.content, [
      { type: 'text', text: 'The first train to Harwick leaves at 05:52.' },
    ]);
    assert.equal(result.response.finishReason, 'stop');
    assert.equal(result.response.usage.inputTokens, 31);
    assert.equal(result.raw?.dialect, 'anthropic-messages');
    assert.equal(result.raw?.body.toString('utf8'), TEXT_RESPONSE);
  });

  it('decodes a stream of thinking, text and a tool call, with each raw event kept', async () => {
    upstream.reply(() => ({ sse: fixture('stream-thinking-text-tool.sse') }));
    const result = await chatOnce(chatRequest({ maxOutputTokens: 10, stream: true }));
    assert.equal(result.kind, 'stream');
    if (result.kind !== 'stream') return;
    const frames = await collect(result.frames);
    const assembled = assembleStream(eventsOfFrames(frames));
    assert.equal(assembled.text, 'Checking A13 now.');
    assert.equal(assembled.reasoning, 'The dispatcher asks about A13; I should look it up.');
    assert.deepEqual(assembled.toolCalls, [
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_section_status', arguments: '{"section": "A13"}' },
    ]);
    assert.ok(frames.every((frame) => frame.raw?.dialect === 'anthropic-messages'));
    assert.equal(upstream.last().headers.accept, 'text/event-stream');
    assert.equal(upstream.json().stream, true);
  });
});

describe('anthropic provider: errors', () => {
  it('maps 429 to a retryable rate limit that carries retry-after', async () => {
    upstream.reply(() => ({
      status: 429,
      headers: { 'retry-after': '7' },
      text: fixture('error-rate-limit.json'),
    }));
    const error = await rejection(chatOnce(chatRequest({ maxOutputTokens: 10 })));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 7);
  });

  it('maps 401 to a fixed message that repeats nothing of the upstream text', async () => {
    upstream.reply(() => ({
      status: 401,
      json: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } },
    }));
    const error = await rejection(chatOnce(chatRequest({ maxOutputTokens: 10 })));
    assert.equal(error.upstreamStatus, 401);
    assert.equal(error.message, 'The upstream provider rejected the gateway credential');
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(KEY));
  });

  it('maps 529 to a retryable overload', async () => {
    upstream.reply(() => ({ status: 529, text: fixture('error-overloaded.json') }));
    const error = await rejection(chatOnce(chatRequest({ maxOutputTokens: 10, stream: true })));
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
    assert.equal(error.upstreamStatus, 529);
  });

  it('keeps the status of a bad request', async () => {
    upstream.reply(() => ({ status: 400, text: fixture('error-invalid-request.json') }));
    const error = await rejection(chatOnce(chatRequest({ maxOutputTokens: 10 })));
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
  });
});

describe('anthropic provider: cancellation', { timeout: 5_000 }, () => {
  it('abandons the upstream request when the signal aborts before the answer starts', async () => {
    upstream.reply(() => ({ hang: 'beforeHeaders' }));
    const { provider: p, target } = provider();
    const controller = new AbortController();
    const seen = upstream.requests.length;
    const abandonedBefore = upstream.abandoned;
    const pending = p.chat(chatRequest({ maxOutputTokens: 10 }), target, controller.signal);
    await upstream.whenRequested(seen + 1);
    controller.abort();
    const error = await rejection(pending);
    assert.equal(error.code, 'cancelled');
    await upstream.whenAbandoned(abandonedBefore + 1);
  });

  it('closes a running stream when the signal aborts', async () => {
    upstream.reply(() => ({
      hang: 'afterHeaders',
      sse: 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
    }));
    const { provider: p, target } = provider();
    const controller = new AbortController();
    const abandonedBefore = upstream.abandoned;
    const result = await p.chat(
      chatRequest({ maxOutputTokens: 10, stream: true }),
      target,
      controller.signal,
    );
    assert.equal(result.kind, 'stream');
    if (result.kind !== 'stream') return;
    const iterator = result.frames[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    controller.abort();
    await assert.rejects(iterator.next());
    await upstream.whenAbandoned(abandonedBefore + 1);
  });
});

describe('anthropic provider: models', () => {
  it('follows the pages of GET /v1/models with after_id', async () => {
    upstream.reply((request) => {
      const url = new URL(request.url, 'http://stub');
      return url.searchParams.get('after_id') === 'claude-opus-4-1'
        ? {
            json: {
              data: [{ id: 'claude-haiku-4-5', type: 'model' }],
              has_more: false,
              last_id: 'claude-haiku-4-5',
            },
          }
        : {
            json: {
              data: [
                { id: 'claude-sonnet-4-5', type: 'model' },
                { id: 'claude-opus-4-1', type: 'model' },
              ],
              has_more: true,
              first_id: 'claude-sonnet-4-5',
              last_id: 'claude-opus-4-1',
            },
          };
    });
    const count = upstream.requests.length;
    const { provider: p } = provider();
    const models = await p.listModels(new AbortController().signal);
    assert.deepEqual(models, ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5']);
    const pages = upstream.requests.slice(count);
    assert.deepEqual(
      pages.map((page) => [page.method, page.url]),
      [
        ['GET', '/v1/models?limit=1000'],
        ['GET', '/v1/models?limit=1000&after_id=claude-opus-4-1'],
      ],
    );
    assert.ok(
      pages.every(
        (page) => page.headers['x-api-key'] === KEY && page.headers['anthropic-version'] === '2023-06-01',
      ),
    );
  });

  it('stops when an upstream keeps handing out the same cursor', async () => {
    upstream.reply(() => ({ json: { data: [{ id: 'claude-x' }], has_more: true, last_id: 'claude-x' } }));
    const count = upstream.requests.length;
    const { provider: p } = provider();
    await p.listModels(new AbortController().signal);
    assert.equal(upstream.requests.length - count, 2);
  });
});
