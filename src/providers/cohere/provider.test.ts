import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { EmbeddingRequest } from '../../core/ir.ts';
import { assembleStream, chatRequest } from '../../dialects/testing.ts';
import { CREDENTIALS_REJECTED_MESSAGE } from '../../dialects/upstream-common.ts';
import { HOP_HEADER } from '../http.ts';
import { createProvider } from '../registry.ts';
import {
  collect,
  deployment,
  eventsOfFrames,
  providerConfig,
  RecordingUpstream,
  type StubReply,
  testContext,
} from '../testing/recording-upstream.ts';
import type { Provider } from '../types.ts';

const KEY = 'co-test-key-0123456789';
const fixture = (name: string) =>
  readFileSync(new URL(`../../dialects/fixtures/cohere/${name}`, import.meta.url), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

let upstream: RecordingUpstream;
const opened: Provider[] = [];

function cohere(fields: Record<string, unknown> = {}, model = 'command-a-03-2025') {
  const config = providerConfig({
    name: 'co',
    type: 'cohere',
    api_key: KEY,
    base_url: upstream.url,
    ...fields,
  });
  const provider = createProvider(config, testContext());
  opened.push(provider);
  return { provider, target: deployment(config, model) };
}

function embeddingRequest(overrides: Partial<EmbeddingRequest> = {}): EmbeddingRequest {
  return {
    model: 'embed-default',
    input: ['alpha'],
    extra: {},
    source: { dialect: 'openai-embeddings', body: {} },
    ...overrides,
  };
}

function embedAnswer(vectors: number[][], billed?: number): Record<string, unknown> {
  return {
    id: 'da6e531f-54c6-4a73-bf92-f60566d8d753',
    embeddings: { float: vectors },
    texts: vectors.map(() => 'text'),
    meta: {
      api_version: { version: '2' },
      ...(billed === undefined ? {} : { billed_units: { input_tokens: billed } }),
    },
    response_type: 'embeddings_by_type',
  };
}

async function rejection(promise: Promise<unknown> | undefined): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const signal = () => new AbortController().signal;

before(async () => {
  upstream = await RecordingUpstream.start(() => ({ json: json('response-text.json') }));
});
beforeEach(() => upstream.reply(() => ({ json: json('response-text.json') })));
after(async () => {
  await Promise.all(opened.map((p) => p.close?.()));
  await upstream.close();
});

describe('cohere provider: chat', () => {
  it('posts /v2/chat with a Bearer key and the upstream model in the body', async () => {
    const { provider, target } = cohere();
    await provider.chat(chatRequest({ maxOutputTokens: 64 }), target, signal());
    const sent = upstream.last();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v2/chat');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.equal(sent.headers[HOP_HEADER], 'gw-test');
    const body = upstream.json();
    assert.equal(body.model, 'command-a-03-2025');
    assert.equal(body.stream, false);
    assert.equal(body.max_tokens, 64);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Hello' }]);
  });

  it('names the deployment model, which Cohere answers leave out', async () => {
    const { provider, target } = cohere();
    const result = await provider.chat(chatRequest(), target, signal());
    if (result.kind !== 'response') throw new Error('expected a response');
    assert.equal(result.response.model, 'command-a-03-2025');
    assert.deepEqual(result.response.content, [
      {
        type: 'text',
        text: 'LLMs are neural networks trained on large amounts of text to predict the next token.',
      },
    ]);
    assert.equal(result.response.usage.inputTokens, 5);
    assert.equal(result.raw?.dialect, 'cohere');
  });

  it('streams with stream: true, named events decoded, the start naming the deployment model', async () => {
    upstream.reply(() => ({ sse: fixture('stream-text.sse') }));
    const { provider, target } = cohere({}, 'command-r-08-2024');
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    assert.equal(upstream.json().stream, true);
    assert.equal(upstream.last().headers.accept, 'text/event-stream');
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const events = eventsOfFrames(await collect(result.frames));
    const start = events[0];
    assert.equal(start?.type, 'start');
    assert.equal(start?.type === 'start' && start.model, 'command-r-08-2024');
    assert.equal(assembleStream(events).text, 'A large language model predicts text.');
    assert.deepEqual(events.at(-2), { type: 'finish', reason: 'stop' });
    assert.deepEqual(events.at(-1), {
      type: 'usage',
      usage: { inputTokens: 6, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it('streams tool calls', async () => {
    upstream.reply(() => ({ sse: fixture('stream-tools.sse') }));
    const { provider, target } = cohere();
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const calls = assembleStream(eventsOfFrames(await collect(result.frames))).toolCalls;
    assert.ok(calls.length > 0);
    for (const call of calls) assert.doesNotThrow(() => JSON.parse(call.arguments));
  });

  it('refuses a configuration without a key', () => {
    assert.throws(
      () => createProvider(providerConfig({ name: 'c', type: 'cohere' }), testContext()),
      (error: unknown) => error instanceof GatewayError && /api_key/.test(error.message),
    );
  });
});

describe('cohere provider: embeddings', () => {
  it('posts /v2/embed with texts, float type, dimensions and search_document by default', async () => {
    upstream.reply(() => ({
      json: embedAnswer(
        [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        11,
      ),
    }));
    const { provider, target } = cohere({}, 'embed-v4.0');
    const result = await provider.embed?.(
      embeddingRequest({ input: ['a', 'b'], dimensions: 256 }),
      target,
      signal(),
    );
    assert.equal(upstream.last().url, '/v2/embed');
    assert.equal(upstream.last().headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(upstream.json(), {
      model: 'embed-v4.0',
      texts: ['a', 'b'],
      input_type: 'search_document',
      embedding_types: ['float'],
      output_dimension: 256,
    });
    assert.deepEqual(result?.response.data, [
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    assert.equal(result?.response.usage.inputTokens, 11);
    assert.equal(result?.response.model, 'embed-v4.0');
  });

  it("maps the client's task hint, Gemini's name included", async () => {
    upstream.reply(() => ({ json: embedAnswer([[1]], 1) }));
    const { provider, target } = cohere({}, 'embed-english-v3.0');
    await provider.embed?.(embeddingRequest({ inputType: 'RETRIEVAL_QUERY' }), target, signal());
    assert.equal(upstream.json().input_type, 'search_query');
    const error = await rejection(
      provider.embed?.(embeddingRequest({ inputType: 'semantic_similarity' }), target, signal()),
    );
    assert.equal(error.param, 'input_type');
  });

  it('sends at most 96 texts a call and adds up the billed tokens', async () => {
    upstream.reply((request) => {
      const texts = (JSON.parse(request.body) as { texts: string[] }).texts;
      return {
        json: embedAnswer(
          texts.map((text) => [Number(text)]),
          texts.length,
        ),
      };
    });
    const { provider, target } = cohere({}, 'embed-v4.0');
    const before = upstream.requests.length;
    const inputs = Array.from({ length: 200 }, (_, i) => String(i));
    const result = await provider.embed?.(embeddingRequest({ input: inputs }), target, signal());
    const sizes = upstream.requests
      .slice(before)
      .map((r) => (JSON.parse(r.body) as { texts: string[] }).texts.length);
    assert.deepEqual(sizes, [96, 96, 8]);
    assert.deepEqual(
      result?.response.data,
      inputs.map((i) => [Number(i)]),
    );
    assert.equal(result?.response.usage.inputTokens, 200);
  });
});

describe('cohere provider: errors, models and cancellation', () => {
  it('a 429 is a retryable rate limit with the retry-after delay', async () => {
    upstream.reply(() => ({ status: 429, json: json('error-429.json'), headers: { 'retry-after': '3' } }));
    const { provider, target } = cohere();
    const error = await rejection(provider.chat(chatRequest(), target, signal()));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 3);
  });

  it('a 403 (or a 401) gets a fixed message, never the upstream text that echoes the key', async () => {
    for (const status of [401, 403]) {
      upstream.reply(() => ({ status, json: json('error-401.json') }));
      const { provider, target } = cohere();
      const error = await rejection(provider.chat(chatRequest(), target, signal()));
      assert.equal(error.message, CREDENTIALS_REJECTED_MESSAGE);
      assert.doesNotMatch(error.message, /co-FAKE/);
      assert.equal(error.retryable, false);
    }
  });

  it('lists models from /v1/models across pages', async () => {
    upstream.reply((request) => ({
      json: request.url.includes('page_token=p2')
        ? { models: [{ name: 'embed-v4.0' }] }
        : { models: [{ name: 'command-a-03-2025' }], next_page_token: 'p2' },
    }));
    const { provider } = cohere();
    const before = upstream.requests.length;
    assert.deepEqual(await provider.listModels?.(signal()), ['command-a-03-2025', 'embed-v4.0']);
    assert.deepEqual(
      upstream.requests.slice(before).map((r) => r.url),
      ['/v1/models?page_size=1000', '/v1/models?page_size=1000&page_token=p2'],
    );
  });

  it('cancelling a stream mid-way ends it with a GatewayError and closes the upstream connection', async () => {
    const firstEvent = fixture('stream-text.sse').split('\n\n')[0];
    upstream.reply((): StubReply => ({ sse: `${firstEvent}\n\n`, hang: 'afterHeaders' }));
    const { provider, target } = cohere();
    const controller = new AbortController();
    const result = await provider.chat(chatRequest({ stream: true }), target, controller.signal);
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const iterator = result.frames[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    const abandonedBefore = upstream.abandoned;
    controller.abort();
    await assert.rejects(iterator.next(), (error: unknown) => error instanceof GatewayError);
    await upstream.whenAbandoned(abandonedBefore + 1);
  });
});
