import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { EmbeddingRequest } from '../../core/ir.ts';
import { chatRequest } from '../../dialects/testing.ts';
import { CREDENTIALS_REJECTED_MESSAGE } from '../../dialects/upstream-common.ts';
import { HOP_HEADER } from '../http.ts';
import { createProvider } from '../registry.ts';
import { deployment, providerConfig, RecordingUpstream, testContext } from '../testing/recording-upstream.ts';
import type { Provider } from '../types.ts';
import { ACCESS_KEY, assertValidSignature, SECRET, SIGV4_FIELDS as sigv4 } from './testing.ts';

const API_KEY = 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl';
const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../dialects/fixtures/bedrock/${name}`, import.meta.url), 'utf8'),
  ) as unknown;

let upstream: RecordingUpstream;
const opened: Provider[] = [];

function bedrock(fields: Record<string, unknown> = sigv4, model = CLAUDE, baseUrl = upstream.url) {
  const config = providerConfig({
    name: 'br',
    type: 'bedrock',
    aws_region: 'us-east-1',
    base_url: baseUrl,
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

const port = () => Number(new URL(upstream.url).port);

before(async () => {
  upstream = await RecordingUpstream.start(() => ({ json: fixture('response-text.json') }));
});
beforeEach(() => upstream.reply(() => ({ json: fixture('response-text.json') })));
after(async () => {
  await Promise.all(opened.map((p) => p.close?.()));
  await upstream.close();
});

describe('bedrock provider: Converse', () => {
  it('posts /model/{url-encoded id}/converse signed with SigV4 for bedrock', async () => {
    const { provider, target } = bedrock();
    await provider.chat(chatRequest({ maxOutputTokens: 100 }), target, signal());
    const sent = upstream.last();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    assert.equal(sent.headers[HOP_HEADER], 'gw-test');
    await assertValidSignature(sent, port());
    const body = upstream.json();
    assert.equal(body.modelId, undefined, 'the model is in the URL, not the body');
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ text: 'Hello' }] }]);
    assert.deepEqual(body.inferenceConfig, { maxTokens: 100 });
  });

  it('without a session token, signs without x-amz-security-token', async () => {
    const { provider, target } = bedrock({ aws_access_key_id: ACCESS_KEY, aws_secret_access_key: SECRET });
    await provider.chat(chatRequest(), target, signal());
    const sent = upstream.last();
    assert.equal(sent.headers['x-amz-security-token'], undefined);
    assert.doesNotMatch(String(sent.headers.authorization), /x-amz-security-token/);
  });

  it('with a Bedrock API key, sends it as Bearer and signs nothing', async () => {
    const { provider, target } = bedrock({ api_key: API_KEY });
    await provider.chat(chatRequest(), target, signal());
    const sent = upstream.last();
    assert.equal(sent.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(sent.headers['x-amz-date'], undefined);
    assert.doesNotMatch(sent.url, new RegExp(API_KEY));
  });

  it('names the deployment model, which Converse answers leave out', async () => {
    const { provider, target } = bedrock();
    const result = await provider.chat(chatRequest(), target, signal());
    if (result.kind !== 'response') throw new Error('expected a response');
    assert.equal(result.response.model, CLAUDE);
    assert.deepEqual(result.response.content, [{ type: 'text', text: 'Lisbon is the capital of Portugal.' }]);
    assert.equal(result.response.usage.inputTokens, 18 + 1536 + 512);
    assert.equal(result.raw?.dialect, 'bedrock-converse');
  });

  it('an inference profile ARN is one path segment', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5';
    const { provider, target } = bedrock(sigv4, arn);
    await provider.chat(chatRequest(), target, signal());
    const sent = upstream.last();
    assert.equal(sent.url, `/model/${encodeURIComponent(arn)}/converse`);
    await assertValidSignature(sent, port());
  });

  it('defaults to the regional bedrock-runtime endpoint and needs a region and credentials', () => {
    assert.throws(
      () => createProvider(providerConfig({ name: 'b', type: 'bedrock', ...sigv4 }), testContext()),
      (error: unknown) => error instanceof GatewayError && /aws_region/.test(error.message),
    );
    assert.throws(
      () =>
        createProvider(
          providerConfig({ name: 'b', type: 'bedrock', aws_region: 'eu-west-1' }),
          testContext(),
        ),
      (error: unknown) => error instanceof GatewayError && /aws_access_key_id/.test(error.message),
    );
  });
});

describe('bedrock provider: errors', () => {
  it('a 429 ThrottlingException is a retryable rate limit with the retry-after delay', async () => {
    upstream.reply(() => ({
      status: 429,
      json: fixture('error-429.json'),
      headers: {
        'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
        'retry-after': '2',
      },
    }));
    const { provider, target } = bedrock();
    const error = await rejection(provider.chat(chatRequest(), target, signal()));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 2);
    assert.equal(error.code, 'ThrottlingException');
  });

  it('a 403 gets a fixed message, never the upstream text that names the key', async () => {
    upstream.reply(() => ({
      status: 403,
      json: fixture('error-403.json'),
      headers: { 'x-amzn-errortype': 'UnrecognizedClientException' },
    }));
    const { provider, target } = bedrock();
    const error = await rejection(provider.chat(chatRequest(), target, signal()));
    assert.equal(error.message, CREDENTIALS_REJECTED_MESSAGE);
    assert.doesNotMatch(error.message, /AKIA/);
    assert.equal(error.retryable, false);
  });

  it("a ValidationException is the caller's mistake, with Bedrock's explanation", async () => {
    upstream.reply(() => ({
      status: 400,
      json: fixture('error-400.json'),
      headers: { 'x-amzn-errortype': 'ValidationException' },
    }));
    const { provider, target } = bedrock();
    const error = await rejection(provider.chat(chatRequest(), target, signal()));
    assert.equal(error.kind, 'invalid_request');
    assert.match(error.message, /alternate between user and assistant/);
  });
});

describe('bedrock provider: embeddings through InvokeModel', () => {
  it('Titan: one signed request per input, normalized, with dimensions; usage from the body', async () => {
    upstream.reply((request) => {
      const text = (JSON.parse(request.body) as { inputText: string }).inputText;
      return { json: { embedding: [text.length, 0.5], inputTextTokenCount: text.length } };
    });
    const { provider, target } = bedrock(sigv4, 'amazon.titan-embed-text-v2:0');
    const before = upstream.requests.length;
    const result = await provider.embed?.(
      embeddingRequest({ input: ['a', 'bb', 'ccc'], dimensions: 256 }),
      target,
      signal(),
    );
    const sent = upstream.requests.slice(before);
    assert.equal(sent.length, 3);
    assert.deepEqual(
      sent.map((r) => r.url),
      Array(3).fill('/model/amazon.titan-embed-text-v2%3A0/invoke'),
    );
    assert.deepEqual(
      sent.map((r) => JSON.parse(r.body)),
      ['a', 'bb', 'ccc'].map((inputText) => ({ inputText, normalize: true, dimensions: 256 })),
    );
    for (const request of sent) await assertValidSignature(request, port());
    assert.deepEqual(result?.response.data, [
      [1, 0.5],
      [2, 0.5],
      [3, 0.5],
    ]);
    assert.equal(result?.response.usage.inputTokens, 6);
    assert.equal(result?.response.model, 'amazon.titan-embed-text-v2:0');
  });

  it('Cohere on Bedrock: texts with input_type, usage from the token-count header', async () => {
    upstream.reply(() => ({
      json: {
        id: 'emb-1',
        embeddings: [[0.1], [0.2]],
        texts: ['a', 'b'],
        response_type: 'embeddings_floats',
      },
      headers: { 'x-amzn-bedrock-input-token-count': '4' },
    }));
    const { provider, target } = bedrock(sigv4, 'us.cohere.embed-v4:0');
    const result = await provider.embed?.(
      embeddingRequest({ input: ['a', 'b'], inputType: 'search_query' }),
      target,
      signal(),
    );
    assert.equal(upstream.last().url, '/model/us.cohere.embed-v4%3A0/invoke');
    assert.deepEqual(upstream.json(), { texts: ['a', 'b'], input_type: 'search_query' });
    assert.deepEqual(result?.response.data, [[0.1], [0.2]]);
    assert.equal(result?.response.usage.inputTokens, 4);
  });

  it('refuses a model family it cannot address', async () => {
    const { provider, target } = bedrock(sigv4, 'meta.llama3-8b-instruct-v1:0');
    const error = await rejection(provider.embed?.(embeddingRequest(), target, signal()));
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.param, 'model');
  });
});
