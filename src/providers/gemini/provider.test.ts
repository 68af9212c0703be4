import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
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
  sseBody,
  testContext,
} from '../testing/recording-upstream.ts';
import type { Provider } from '../types.ts';
import { geminiEndpoint } from './endpoint.ts';

const KEY = 'AIzaSy-test-key-0123456789';
const TOKEN = 'ya29.test-access-token';
const fixture = (name: string) =>
  readFileSync(new URL(`../../dialects/fixtures/gemini/${name}`, import.meta.url), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

let upstream: RecordingUpstream;
const opened: Provider[] = [];

function gemini(fields: Record<string, unknown> = {}, model = 'gemini-2.5-flash') {
  const config = providerConfig({
    name: 'gem',
    type: 'gemini',
    api_key: KEY,
    base_url: upstream.url,
    ...fields,
  });
  const provider = createProvider(config, testContext());
  opened.push(provider);
  return { provider, target: deployment(config, model) };
}

const vertexFields = {
  api_key: undefined,
  project: 'acme-ai',
  location: 'europe-west4',
  access_token: TOKEN,
};

function embeddingRequest(overrides: Partial<EmbeddingRequest> = {}): EmbeddingRequest {
  return {
    model: 'embed-default',
    input: ['alpha'],
    extra: {},
    source: { dialect: 'openai-embeddings', body: {} },
    ...overrides,
  };
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

const signal = () => new AbortController().signal;

before(async () => {
  upstream = await RecordingUpstream.start(() => ({ json: json('response-text.json') }));
});
beforeEach(() => upstream.reply(() => ({ json: json('response-text.json') })));
after(async () => {
  await Promise.all(opened.map((p) => p.close?.()));
  await upstream.close();
});

describe('gemini provider: Gemini API (AI Studio)', () => {
  it('posts generateContent for the model with the key in x-goog-api-key, never in the URL', async () => {
    const { provider, target } = gemini();
    const result = await provider.chat(chatRequest({ maxOutputTokens: 50 }), target, signal());
    const sent = upstream.last();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], KEY);
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(sent.headers[HOP_HEADER], 'gw-test');
    assert.doesNotMatch(sent.url, /key=/);
    const body = upstream.json();
    assert.equal(body.model, undefined, 'the model is in the URL, not the body');
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Hello' }] }]);
    assert.equal(result.kind, 'response');
    if (result.kind !== 'response') return;
    assert.equal(result.response.model, 'gemini-2.5-flash');
    assert.deepEqual(result.response.content, [
      { type: 'text', text: 'Lisbon is the capital of Portugal. It sits on the Tagus estuary.' },
    ]);
    assert.equal(result.response.usage.inputTokens, 1210);
    assert.equal(result.raw?.dialect, 'gemini');
  });

  it('names the deployment model when the answer has no modelVersion', async () => {
    const { modelVersion: _, ...unnamed } = json('response-text.json');
    upstream.reply(() => ({ json: unnamed }));
    const { provider, target } = gemini({}, 'gemini-2.5-pro');
    const result = await provider.chat(chatRequest(), target, signal());
    assert.equal(result.kind === 'response' && result.response.model, 'gemini-2.5-pro');
  });

  it('streams from streamGenerateContent?alt=sse and decodes every chunk', async () => {
    upstream.reply(() => ({ sse: fixture('stream-text.sse') }));
    const { provider, target } = gemini();
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    assert.equal(upstream.last().url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal(upstream.last().headers.accept, 'text/event-stream');
    assert.equal(result.kind, 'stream');
    if (result.kind !== 'stream') return;
    const events = eventsOfFrames(await collect(result.frames));
    assert.equal(
      assembleStream(events).text,
      'Why did the scarecrow win an award? Because he was outstanding in his field.',
    );
    assert.deepEqual(events[0], {
      type: 'start',
      id: 'Pv1ZaLGpB-DEz7IP2bbIgQk',
      model: 'gemini-2.5-flash',
      created: (events[0] as { created: number }).created,
    });
    assert.deepEqual(events.at(-2), { type: 'finish', reason: 'stop' });
    assert.deepEqual(events.at(-1), {
      type: 'usage',
      usage: {
        inputTokens: 8,
        outputTokens: 17,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
  });

  it('fills the deployment model into a stream start that names none', async () => {
    upstream.reply(() => ({
      sse: sseBody([{ candidates: [{ content: { parts: [{ text: 'Hi' }] }, finishReason: 'STOP' }] }]),
    }));
    const { provider, target } = gemini({}, 'gemini-2.5-flash-lite');
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const start = eventsOfFrames(await collect(result.frames))[0];
    assert.equal(start?.type === 'start' && start.model, 'gemini-2.5-flash-lite');
  });

  it('the default endpoint is generativelanguage.googleapis.com/v1beta', () => {
    const endpoint = geminiEndpoint(providerConfig({ name: 'g', type: 'gemini', api_key: KEY }));
    assert.equal(
      endpoint.chatUrl('gemini-2.5-flash', false),
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
    );
    assert.equal(
      endpoint
        .chatUrl('models/gemini-2.5-flash', true)
        .endsWith('/models/gemini-2.5-flash:streamGenerateContent?alt=sse'),
      true,
    );
  });

  it('refuses a configuration without a key', () => {
    assert.throws(
      () => createProvider(providerConfig({ name: 'g', type: 'gemini' }), testContext()),
      (error: unknown) => error instanceof GatewayError && /api_key/.test(error.message),
    );
  });
});

describe('gemini provider: Vertex AI', () => {
  it('posts to the project and location with the access token as Bearer, same body', async () => {
    const { provider, target } = gemini(vertexFields);
    await provider.chat(chatRequest(), target, signal());
    const sent = upstream.last();
    assert.equal(
      sent.url,
      '/v1/projects/acme-ai/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    assert.equal(sent.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(sent.headers['x-goog-api-key'], undefined);
    assert.deepEqual(upstream.json().contents, [{ role: 'user', parts: [{ text: 'Hello' }] }]);
  });

  it('streams with alt=sse too', async () => {
    upstream.reply(() => ({ sse: fixture('stream-text.sse') }));
    const { provider, target } = gemini(vertexFields);
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    if (result.kind !== 'stream') throw new Error('expected a stream');
    await collect(result.frames);
    assert.match(upstream.last().url, /models\/gemini-2\.5-flash:streamGenerateContent\?alt=sse$/);
  });

  it('uses the regional host, or the global one', () => {
    const regional = geminiEndpoint(
      providerConfig({ name: 'v', type: 'gemini', ...vertexFields, location: 'us-central1' }),
    );
    assert.equal(
      regional.chatUrl('gemini-2.5-pro', false),
      'https://us-central1-aiplatform.googleapis.com/v1/projects/acme-ai/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent',
    );
    const global = geminiEndpoint(
      providerConfig({ name: 'v', type: 'gemini', ...vertexFields, location: 'global' }),
    );
    assert.match(
      global.chatUrl('gemini-2.5-pro', false),
      /^https:\/\/aiplatform\.googleapis\.com\/v1\/projects\/acme-ai\/locations\/global\//,
    );
  });

  it('refuses half a Vertex configuration, or one without a token', () => {
    for (const fields of [{ project: 'p' }, { project: 'p', location: 'us-central1' }]) {
      assert.throws(
        () => geminiEndpoint(providerConfig({ name: 'v', type: 'gemini', ...fields })),
        (error: unknown) => error instanceof GatewayError && error.kind === 'invalid_request',
      );
    }
  });
});

describe('gemini provider: embeddings', () => {
  const vector = (seed: number) => [seed, seed + 0.5, -seed];

  it('sends batchEmbedContents with task type and dimensions, and estimates usage locally', async () => {
    upstream.reply(() => ({ json: { embeddings: [{ values: vector(1) }, { values: vector(2) }] } }));
    const { provider, target } = gemini({}, 'gemini-embedding-001');
    const texts = ['The quick brown fox', 'jumps over the lazy dog'];
    const result = await provider.embed?.(
      embeddingRequest({ input: texts, inputType: 'search_query', dimensions: 3 }),
      target,
      signal(),
    );
    const sent = upstream.last();
    assert.equal(sent.url, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.equal(sent.headers['x-goog-api-key'], KEY);
    assert.deepEqual(upstream.json(), {
      requests: texts.map((text) => ({
        model: 'models/gemini-embedding-001',
        content: { parts: [{ text }] },
        taskType: 'RETRIEVAL_QUERY',
        outputDimensionality: 3,
      })),
    });
    assert.deepEqual(result?.response.data, [vector(1), vector(2)]);
    assert.equal(result?.response.model, 'gemini-embedding-001');
    const expected = texts.reduce((sum, text) => sum + encode(text).length, 0);
    assert.equal(result?.response.usage.inputTokens, expected);
  });

  it('splits more than 100 inputs into batches and keeps their order', async () => {
    upstream.reply((request) => {
      const body = JSON.parse(request.body) as {
        requests: Array<{ content: { parts: Array<{ text: string }> } }>;
      };
      return {
        json: { embeddings: body.requests.map((r) => ({ values: [Number(r.content.parts[0]?.text)] })) },
      };
    });
    const { provider, target } = gemini({}, 'gemini-embedding-001');
    const before = upstream.requests.length;
    const inputs = Array.from({ length: 150 }, (_, i) => String(i));
    const result = await provider.embed?.(embeddingRequest({ input: inputs }), target, signal());
    assert.equal(upstream.requests.length - before, 2);
    assert.deepEqual(
      result?.response.data,
      inputs.map((i) => [Number(i)]),
    );
  });

  it('answers base64 when the client asked for it (the OpenAI SDK default)', async () => {
    upstream.reply(() => ({ json: { embeddings: [{ values: [0.25, -1.5] }] } }));
    const { provider, target } = gemini({}, 'gemini-embedding-001');
    const result = await provider.embed?.(embeddingRequest({ encodingFormat: 'base64' }), target, signal());
    const bytes = Buffer.from(result?.response.data[0] as string, 'base64');
    assert.deepEqual([bytes.readFloatLE(0), bytes.readFloatLE(4)], [0.25, -1.5]);
  });

  it('on Vertex AI calls :predict and takes the token counts Vertex reports', async () => {
    upstream.reply(() => ({
      json: {
        predictions: [
          { embeddings: { values: vector(3), statistics: { token_count: 7, truncated: false } } },
        ],
      },
    }));
    const { provider, target } = gemini(vertexFields, 'text-embedding-005');
    const result = await provider.embed?.(
      embeddingRequest({ inputType: 'search_document' }),
      target,
      signal(),
    );
    assert.equal(
      upstream.last().url,
      '/v1/projects/acme-ai/locations/europe-west4/publishers/google/models/text-embedding-005:predict',
    );
    assert.equal(upstream.last().headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(upstream.json(), { instances: [{ content: 'alpha', task_type: 'RETRIEVAL_DOCUMENT' }] });
    assert.deepEqual(result?.response.data, [vector(3)]);
    assert.equal(result?.response.usage.inputTokens, 7);
  });

  it('refuses token ids and unknown task types, naming the field', async () => {
    const { provider, target } = gemini({}, 'gemini-embedding-001');
    const ids = await rejection(
      provider.embed?.(embeddingRequest({ input: [[1, 2, 3]] }), target, signal()) as Promise<unknown>,
    );
    assert.equal(ids.kind, 'invalid_request');
    assert.equal(ids.param, 'input[0]');
    const type = await rejection(
      provider.embed?.(embeddingRequest({ inputType: 'poetry' }), target, signal()) as Promise<unknown>,
    );
    assert.equal(type.param, 'input_type');
  });
});

describe('gemini provider: errors, models and cancellation', () => {
  it('a 429 is a retryable rate limit with the delay Google asked for', async () => {
    upstream.reply(() => ({ status: 429, json: json('error-429.json'), headers: { 'retry-after': '12' } }));
    const { provider, target } = gemini();
    const error = await rejection(provider.chat(chatRequest(), target, signal()));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 12);
    assert.equal(error.upstreamStatus, 429);
  });

  it('a 403 gets a fixed message: nothing of the upstream text, which may echo the key', async () => {
    upstream.reply(() => ({ status: 403, json: json('error-403.json') }));
    const { provider, target } = gemini();
    const error = await rejection(provider.chat(chatRequest(), target, signal()));
    assert.equal(error.message, CREDENTIALS_REJECTED_MESSAGE);
    assert.doesNotMatch(error.message, /AIza|Permission denied/);
    assert.equal(error.retryable, false);
  });

  it('lists models across pages without the models/ prefix', async () => {
    upstream.reply((request) => {
      const page2 = request.url.includes('pageToken=next-1');
      return {
        json: page2
          ? { models: [{ name: 'models/gemini-embedding-001' }] }
          : {
              models: [{ name: 'models/gemini-2.5-flash' }, { name: 'models/gemini-2.5-pro' }],
              nextPageToken: 'next-1',
            },
      };
    });
    const { provider } = gemini();
    const before = upstream.requests.length;
    const models = await provider.listModels?.(signal());
    assert.deepEqual(models, ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-embedding-001']);
    const urls = upstream.requests.slice(before).map((r) => r.url);
    assert.deepEqual(urls, ['/v1beta/models?pageSize=1000', '/v1beta/models?pageSize=1000&pageToken=next-1']);
    assert.equal(upstream.last().method, 'GET');
    assert.equal(upstream.last().headers['x-goog-api-key'], KEY);
  });

  it('cancelling a stream mid-way ends it with a GatewayError and closes the upstream connection', async () => {
    const firstChunk = fixture('stream-text.sse').split('\n\n')[0];
    upstream.reply((): StubReply => ({ sse: `${firstChunk}\n\n`, hang: 'afterHeaders' }));
    const { provider, target } = gemini();
    const controller = new AbortController();
    const result = await provider.chat(chatRequest({ stream: true }), target, controller.signal);
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const iterator = result.frames[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    const abandonedBefore = upstream.abandoned;
    controller.abort();
    await assert.rejects(iterator.next(), (error: unknown) => error instanceof GatewayError);
    await upstream.whenAbandoned(abandonedBefore + 1);
  });

  it('cancelling before the upstream answers rejects the call', async () => {
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    upstream.reply((): StubReply => {
      arrived();
      return { hang: 'beforeHeaders' };
    });
    const { provider, target } = gemini();
    const controller = new AbortController();
    const pending = provider.chat(chatRequest(), target, controller.signal);
    await reached;
    controller.abort();
    const error = await rejection(pending);
    assert.equal(error.code, 'cancelled');
  });
});
