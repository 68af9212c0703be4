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
  type StubHandler,
  sseBody,
  testContext,
} from '../testing/recording-upstream.ts';
import { MistralProvider } from './provider.ts';

const KEY = 'mst-0123456789ABCDEFGHIJ';

function completion(finishReason = 'stop') {
  return {
    id: 'cmpl-e5cc70bb28c444948073e77776eb30ef',
    object: 'chat.completion',
    created: 1_702_256_327,
    model: 'mistral-large-latest',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'A13 is clear.', tool_calls: null },
        finish_reason: finishReason,
      },
    ],
    usage: { prompt_tokens: 16, completion_tokens: 5, total_tokens: 21 },
  };
}

/** Mistral's stream: usage rides on the last chunk, beside the finish reason. */
function stream(finishReason = 'stop'): string {
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: 'cmpl-9a8b',
    object: 'chat.completion.chunk',
    created: 1_702_256_330,
    model: 'mistral-small-latest',
    choices: [{ index: 0, delta, finish_reason: null, ...extra }],
  });
  return sseBody([
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'A13 ' }),
    chunk({ content: 'is clear.' }),
    {
      ...chunk({ content: '' }, { finish_reason: finishReason }),
      usage: { prompt_tokens: 10, total_tokens: 14, completion_tokens: 4 },
    },
    '[DONE]',
  ]);
}

const defaultReply: StubHandler = () => ({ json: completion() });
let upstream: RecordingUpstream;
const providers: MistralProvider[] = [];

before(async () => {
  upstream = await RecordingUpstream.start(defaultReply);
});
beforeEach(() => upstream.reply(defaultReply));
after(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await upstream.close();
});

function mistral() {
  const config = providerConfig({
    name: 'mistral',
    type: 'mistral',
    api_key: KEY,
    base_url: `${upstream.url}/v1`,
  });
  const provider = new MistralProvider(config, testContext());
  providers.push(provider);
  return { provider, target: deployment(config, 'mistral-large-latest') };
}

function chat(request: ChatRequest = chatRequest(), signal = new AbortController().signal) {
  const { provider, target } = mistral();
  return provider.chat(request, target, signal);
}

/** A request from an Anthropic client, so the body is built from the IR. */
function fromAnthropicClient(overrides: Partial<ChatRequest>): ChatRequest {
  return chatRequest({ source: { dialect: 'anthropic-messages', body: {} }, ...overrides });
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

describe('mistral: requests', () => {
  it('posts chat completions with a bearer key and nothing else', async () => {
    await chat();
    const sent = upstream.last();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.equal(sent.headers['api-key'], undefined);
    assert.equal(sent.headers['x-api-key'], undefined);
  });

  it('applies the body quirks to a translated request', async () => {
    const request = fromAnthropicClient({
      maxOutputTokens: 200,
      seed: 7,
      stream: true,
      includeUsage: true,
      user: 'u-9',
      tools: [{ name: 'status', parameters: { type: 'object' } }],
      toolChoice: { type: 'required' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Status of A13?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'status', arguments: '{}' },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
              content: [{ type: 'text', text: 'clear' }],
            },
          ],
        },
      ],
    });
    upstream.reply(() => ({ sse: stream() }));
    const result = await chat(request);
    if (result.kind === 'stream') await collect(result.frames);
    const body = upstream.json();
    assert.equal(body.max_tokens, 200);
    assert.equal(body.random_seed, 7);
    assert.equal(body.tool_choice, 'any');
    assert.equal(body.stream, true);
    for (const dropped of ['max_completion_tokens', 'seed', 'stream_options', 'user'])
      assert.equal(dropped in body, false, dropped);
    const messages = body.messages as Array<Record<string, unknown>>;
    const calls = messages[1]?.tool_calls;
    const id = Array.isArray(calls) ? (calls[0] as { id: string }).id : undefined;
    assert.match(String(id), /^[A-Za-z0-9]{9}$/);
    assert.equal(messages[2]?.tool_call_id, id);
  });
});

describe('mistral: answers', () => {
  it('decodes a stream whose usage comes with the last chunk', async () => {
    upstream.reply(() => ({ sse: stream() }));
    const result = await chat(chatRequest({ stream: true }));
    assert.equal(result.kind, 'stream');
    if (result.kind !== 'stream') return;
    const events = eventsOfFrames(await collect(result.frames));
    assert.equal(assembleStream(events).text, 'A13 is clear.');
    assert.deepEqual(
      events.find((event) => event.type === 'usage'),
      {
        type: 'usage',
        usage: {
          inputTokens: 10,
          outputTokens: 4,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
    );
    assert.deepEqual(
      events.find((event) => event.type === 'finish'),
      { type: 'finish', reason: 'stop' },
    );
  });

  it('reads model_length as a truncated answer, streamed or not', async () => {
    upstream.reply(() => ({ sse: stream('model_length') }));
    const streamed = await chat(chatRequest({ stream: true }));
    if (streamed.kind !== 'stream') throw new Error('expected a stream');
    const events = eventsOfFrames(await collect(streamed.frames));
    assert.deepEqual(
      events.find((event) => event.type === 'finish'),
      { type: 'finish', reason: 'length' },
    );

    upstream.reply(() => ({ json: completion('model_length') }));
    const whole = await chat();
    assert.equal(whole.kind === 'response' && whole.response.finishReason, 'length');
  });

  it('reads finish_reason error as a failed generation', async () => {
    upstream.reply(() => ({ json: completion('error') }));
    const result = await chat();
    assert.equal(result.kind === 'response' && result.response.finishReason, 'error');
  });
});

describe('mistral: embeddings and models', () => {
  const embedding = (input: string[] | number[][]): EmbeddingRequest => {
    const body = { model: 'embed-default', input, dimensions: 512, user: 'u-1' };
    return {
      model: 'embed-default',
      input,
      dimensions: 512,
      user: 'u-1',
      extra: {},
      source: { dialect: 'openai-embeddings', body },
    };
  };

  it('sends embeddings with output_dimension and without user', async () => {
    upstream.reply(() => ({
      json: {
        id: 'e1',
        object: 'list',
        data: [{ object: 'embedding', embedding: [0.5, -0.5], index: 0 }],
        model: 'codestral-embed',
        usage: { prompt_tokens: 3, total_tokens: 3, completion_tokens: 0 },
      },
    }));
    const { provider, target } = mistral();
    const result = await provider.embed(
      embedding(['rail freight']),
      { ...target, model: 'codestral-embed' },
      new AbortController().signal,
    );
    assert.equal(upstream.last().url, '/v1/embeddings');
    assert.deepEqual(upstream.json(), {
      model: 'codestral-embed',
      input: ['rail freight'],
      output_dimension: 512,
    });
    assert.deepEqual(result.response.data, [[0.5, -0.5]]);
  });

  it('refuses token-id input, which Mistral cannot embed, before calling it', async () => {
    const { provider, target } = mistral();
    const count = upstream.requests.length;
    const error = await rejection(
      provider.embed(embedding([[1, 2, 3]]), target, new AbortController().signal),
    );
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.param, 'input');
    assert.equal(upstream.requests.length, count);
  });

  it('lists models from GET /v1/models', async () => {
    upstream.reply(() => ({
      json: { object: 'list', data: [{ id: 'mistral-large-latest' }, { id: 'mistral-embed' }] },
    }));
    const { provider } = mistral();
    assert.deepEqual(await provider.listModels(new AbortController().signal), [
      'mistral-large-latest',
      'mistral-embed',
    ]);
    assert.equal(upstream.last().method, 'GET');
    assert.equal(upstream.last().url, '/v1/models');
    assert.equal(upstream.last().headers.authorization, `Bearer ${KEY}`);
  });
});

describe('mistral: errors', () => {
  it('maps 429 to a retryable rate limit with retry-after', async () => {
    upstream.reply(() => ({
      status: 429,
      headers: { 'retry-after': '3' },
      json: {
        object: 'error',
        message: 'Requests rate limit exceeded',
        type: 'rate_limited',
        param: null,
        code: '1300',
      },
    }));
    const error = await rejection(chat());
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 3);
  });

  it('maps 401 to a fixed message', async () => {
    upstream.reply(() => ({ status: 401, json: { message: `Unauthorized: ${KEY}`, request_id: 'r1' } }));
    const error = await rejection(chat());
    assert.equal(error.message, "The provider rejected the gateway's credentials");
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(KEY));
  });

  it('passes a 422 on as a bad request with its status', async () => {
    upstream.reply(() => ({
      status: 422,
      json: {
        object: 'error',
        message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'foo'] }] },
        type: 'invalid_request_error',
      },
    }));
    const error = await rejection(chat());
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 422);
    assert.equal(error.retryable, false);
  });
});

describe('mistral: cancellation', { timeout: 5_000 }, () => {
  it('closes a running stream when the signal aborts', async () => {
    upstream.reply(() => ({
      hang: 'afterHeaders',
      sse: stream().split('\n\n').slice(0, 2).join('\n\n') + '\n\n',
    }));
    const controller = new AbortController();
    const abandoned = upstream.abandoned;
    const result = await chat(chatRequest({ stream: true }), controller.signal);
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const iterator = result.frames[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    controller.abort();
    await assert.rejects(async () => {
      for (;;) if ((await iterator.next()).done) break;
    });
    await upstream.whenAbandoned(abandoned + 1);
  });
});
