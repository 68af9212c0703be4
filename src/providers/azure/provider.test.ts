import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { assembleStream, chatRequest } from '../../dialects/testing.ts';
import {
  collect,
  deployment,
  eventsOfFrames,
  providerConfig,
  RecordingUpstream,
  type StubReply,
  testContext,
} from '../testing/recording-upstream.ts';
import { AzureOpenAIProvider } from './provider.ts';
import { AZURE_STREAM, completion } from './test-fixtures.ts';

const KEY = '0123456789abcdef0123456789abcdef';
const SECRET = 'cs~client-secret-value';
const TENANT = 'contoso-tenant';

let upstream: RecordingUpstream;
let tokensIssued = 0;
let azureReply: (url: string) => StubReply;
const providers: AzureOpenAIProvider[] = [];

before(async () => {
  upstream = await RecordingUpstream.start((request) => {
    if (request.url.startsWith('/refuse/')) {
      return { status: 400, json: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } };
    }
    if (request.url.endsWith('/oauth2/v2.0/token')) {
      tokensIssued++;
      return {
        json: { token_type: 'Bearer', expires_in: 3599, access_token: `entra-token-${tokensIssued}` },
      };
    }
    return azureReply(request.url);
  });
});
beforeEach(() => {
  azureReply = () => ({ json: completion() });
});
after(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await upstream.close();
});

function azure(fields: Record<string, unknown> = {}) {
  const config = providerConfig({
    name: 'azure-eu',
    type: 'azure-openai',
    base_url: upstream.url,
    ...fields,
  });
  const context = testContext();
  const provider = new AzureOpenAIProvider(config, context);
  providers.push(provider);
  return { provider, clock: context.clock, target: (model = 'gpt4o-prod') => deployment(config, model) };
}

function chat(fields: Record<string, unknown>, request: ChatRequest = chatRequest(), model?: string) {
  const { provider, target } = azure(fields);
  return provider.chat(request, target(model), new AbortController().signal);
}

/** A request from another dialect, so the OpenAI encoder builds the body from the IR. */
function fromAnthropicClient(overrides: Partial<ChatRequest>): ChatRequest {
  return chatRequest({ source: { dialect: 'anthropic-messages', body: {} }, ...overrides });
}

function embeddingRequest(): EmbeddingRequest {
  const body = { model: 'embed-default', input: ['rail freight'], dimensions: 256 };
  return {
    model: 'embed-default',
    input: ['rail freight'],
    dimensions: 256,
    extra: {},
    source: { dialect: 'openai-embeddings', body },
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

describe('azure-openai: URLs', () => {
  it('sends chat to the deployment URL with the default GA api-version', async () => {
    await chat({ api_key: KEY });
    const sent = upstream.last();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
  });

  it('uses the configured api-version and tolerates an endpoint ending in /openai/', async () => {
    await chat({ api_key: KEY, base_url: `${upstream.url}/openai/`, api_version: '2025-04-01-preview' });
    assert.equal(
      upstream.last().url,
      '/openai/deployments/gpt4o-prod/chat/completions?api-version=2025-04-01-preview',
    );
  });

  it('puts the deployment in the body, not the path, for the v1 API', async () => {
    await chat({ api_key: KEY, api_version: 'v1' }, chatRequest(), 'gpt-4o-mini-eu');
    assert.equal(upstream.last().url, '/openai/v1/chat/completions');
    assert.equal(upstream.json().model, 'gpt-4o-mini-eu');
  });

  it('sends embeddings to the deployment and v1 URLs alike', async () => {
    azureReply = () => ({
      json: {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: 'te3',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      },
    });
    const classic = azure({ api_key: KEY });
    const result = await classic.provider.embed(
      embeddingRequest(),
      classic.target('te3-small'),
      new AbortController().signal,
    );
    assert.equal(upstream.last().url, '/openai/deployments/te3-small/embeddings?api-version=2024-10-21');
    assert.deepEqual(result.response.data, [[0.1, 0.2]]);
    const v1 = azure({ api_key: KEY, api_version: 'v1' });
    await v1.provider.embed(embeddingRequest(), v1.target('te3-small'), new AbortController().signal);
    assert.equal(upstream.last().url, '/openai/v1/embeddings');
    assert.equal(upstream.json().model, 'te3-small');
  });
});

describe('azure-openai: authentication', () => {
  it('sends the resource key as api-key and nothing else', async () => {
    await chat({ api_key: KEY });
    const headers = upstream.last().headers;
    assert.equal(headers['api-key'], KEY);
    assert.equal(headers.authorization, undefined);
  });

  it('sends a static Entra ID token as a bearer token instead of the key', async () => {
    await chat({ api_key: KEY, azure_ad_token: 'static-entra-token' });
    const headers = upstream.last().headers;
    assert.equal(headers.authorization, 'Bearer static-entra-token');
    assert.equal(headers['api-key'], undefined);
  });

  it('gets one client-credentials token for many calls and a new one when it is due', async () => {
    const { provider, clock, target } = azure({
      api_key: KEY,
      azure_tenant_id: TENANT,
      azure_client_id: 'app-1',
      azure_client_secret: SECRET,
      azure_authority_host: upstream.url,
    });
    const signal = new AbortController().signal;
    const issuedBefore = tokensIssued;
    await Promise.all([1, 2, 3].map(() => provider.chat(chatRequest(), target(), signal)));
    await provider.chat(chatRequest(), target(), signal);
    assert.equal(tokensIssued - issuedBefore, 1);
    const chatCalls = upstream.requests
      .filter((request) => request.url.includes('/chat/completions'))
      .slice(-4);
    for (const call of chatCalls) {
      assert.equal(call.headers.authorization, `Bearer entra-token-${issuedBefore + 1}`);
      assert.equal(call.headers['api-key'], undefined);
      assert.ok(!call.body.includes(SECRET));
    }
    clock.advance(60 * 60_000);
    await provider.chat(chatRequest(), target(), signal);
    assert.equal(tokensIssued - issuedBefore, 2);
    assert.equal(upstream.last().headers.authorization, `Bearer entra-token-${issuedBefore + 2}`);
  });

  it('drops a token Azure refuses, so the next call fetches another', async () => {
    const { provider, target } = azure({
      azure_tenant_id: TENANT,
      azure_client_id: 'app-1',
      azure_client_secret: SECRET,
      azure_authority_host: upstream.url,
    });
    const signal = new AbortController().signal;
    const issuedBefore = tokensIssued;
    azureReply = () => ({
      status: 401,
      json: {
        error: {
          code: '401',
          message: 'Access denied due to invalid subscription key or wrong API endpoint.',
        },
      },
    });
    await rejection(provider.chat(chatRequest(), target(), signal));
    azureReply = () => ({ json: completion() });
    await provider.chat(chatRequest(), target(), signal);
    assert.equal(tokensIssued - issuedBefore, 2);
  });

  it('refuses a configuration without credentials or with only part of the client credentials', () => {
    const noCredentials = providerConfig({ name: 'az', type: 'azure-openai', base_url: upstream.url });
    assert.throws(
      () => new AzureOpenAIProvider(noCredentials, testContext()),
      /needs credentials: api_key, azure_ad_token/,
    );
    const partial = providerConfig({
      name: 'az',
      type: 'azure-openai',
      base_url: upstream.url,
      azure_tenant_id: TENANT,
      azure_client_id: 'app',
    });
    assert.throws(() => new AzureOpenAIProvider(partial, testContext()), /lacks azure_client_secret/);
    const noEndpoint = providerConfig({ name: 'az', type: 'azure-openai', api_key: KEY });
    assert.throws(() => new AzureOpenAIProvider(noEndpoint, testContext()), /needs base_url/);
  });
});

describe('azure-openai: bodies and answers', () => {
  it('asks a current API version for stream usage and max_completion_tokens', async () => {
    azureReply = () => ({ sse: AZURE_STREAM });
    const result = await chat({ api_key: KEY }, fromAnthropicClient({ stream: true, maxOutputTokens: 50 }));
    if (result.kind === 'stream') await collect(result.frames);
    const body = upstream.json();
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.max_completion_tokens, 50);
  });

  it('speaks the older field names to an api-version from before 2024-09-01', async () => {
    azureReply = () => ({ sse: AZURE_STREAM });
    const result = await chat(
      { api_key: KEY, api_version: '2024-06-01' },
      fromAnthropicClient({ stream: true, maxOutputTokens: 50 }),
    );
    if (result.kind === 'stream') await collect(result.frames);
    const body = upstream.json();
    assert.equal(body.stream_options, undefined);
    assert.equal(body.max_tokens, 50);
    assert.equal(body.max_completion_tokens, undefined);
  });

  it('passes content-filter results through and reports a filtered answer', async () => {
    azureReply = () => ({ json: completion('content_filter', null) });
    const result = await chat({ api_key: KEY });
    assert.equal(result.kind, 'response');
    if (result.kind !== 'response') return;
    assert.equal(result.response.finishReason, 'content_filter');
    assert.deepEqual(result.response.extra.prompt_filter_results, completion().prompt_filter_results);
    assert.deepEqual((result.response.extra.choice as Record<string, unknown>).content_filter_results, {
      hate: { filtered: true, severity: 'medium' },
    });
    assert.equal(result.raw?.dialect, 'openai-chat');
  });

  it("starts a stream with the completion's id and model, not the prompt-filter chunk's blanks", async () => {
    azureReply = () => ({ sse: AZURE_STREAM });
    const result = await chat({ api_key: KEY }, chatRequest({ stream: true }));
    assert.equal(result.kind, 'stream');
    if (result.kind !== 'stream') return;
    const frames = await collect(result.frames);
    const events = eventsOfFrames(frames);
    const starts = events.filter((event) => event.type === 'start');
    assert.deepEqual(starts, [
      { type: 'start', id: 'chatcmpl-AzS9', model: 'gpt-4o-2024-11-20', created: 1_738_686_170 },
    ]);
    assert.equal(events[0]?.type, 'start');
    assert.equal(assembleStream(events).text, 'Bon');
    assert.deepEqual(
      events.find((event) => event.type === 'finish'),
      { type: 'finish', reason: 'content_filter' },
    );
    assert.deepEqual(
      events.find((event) => event.type === 'usage'),
      {
        type: 'usage',
        usage: {
          inputTokens: 9,
          outputTokens: 2,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
    );
    assert.match(frames[0]?.raw?.data ?? '', /prompt_filter_results/);
  });
});

describe('azure-openai: errors', () => {
  it('makes a prompt refused by the content filter a non-retryable bad request', async () => {
    azureReply = () => ({
      status: 400,
      json: {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { violence: { filtered: true, severity: 'high' } },
          },
        },
      },
    });
    const error = await rejection(chat({ api_key: KEY }));
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'content_filter');
    assert.equal(error.retryable, false);
  });

  it('maps 429 to a retryable rate limit with retry-after', async () => {
    azureReply = () => ({
      status: 429,
      headers: { 'retry-after': '12' },
      json: {
        error: {
          code: '429',
          message: 'Requests to the ChatCompletions_Create Operation have exceeded token rate limit.',
        },
      },
    });
    const error = await rejection(chat({ api_key: KEY }));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 12);
  });

  it('maps 401 to a fixed message', async () => {
    azureReply = () => ({
      status: 401,
      json: { error: { code: '401', message: `Access denied for key ${KEY}` } },
    });
    const error = await rejection(chat({ api_key: KEY }));
    assert.equal(error.message, "The provider rejected the gateway's credentials");
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(KEY));
  });

  it('never puts the client secret in the error when Entra ID refuses the token', async () => {
    const { provider, target } = azure({
      azure_tenant_id: 'tenant-that-fails',
      azure_client_id: 'app-1',
      azure_client_secret: SECRET,
      azure_authority_host: `${upstream.url}/refuse`,
    });
    const error = await rejection(provider.chat(chatRequest(), target(), new AbortController().signal));
    assert.match(error.message, /refused the token request \(HTTP 400\)/);
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(SECRET));
  });
});

describe('azure-openai: cancellation', { timeout: 5_000 }, () => {
  it('abandons the upstream request when the signal aborts', async () => {
    azureReply = () => ({ hang: 'beforeHeaders' });
    const { provider, target } = azure({ api_key: KEY });
    const controller = new AbortController();
    const seen = upstream.requests.length;
    const abandoned = upstream.abandoned;
    const pending = provider.chat(chatRequest(), target(), controller.signal);
    await upstream.whenRequested(seen + 1);
    controller.abort();
    const error = await rejection(pending);
    assert.equal(error.code, 'cancelled');
    await upstream.whenAbandoned(abandoned + 1);
  });
});
