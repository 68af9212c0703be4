// The OpenAI-shaped vendors: Azure OpenAI (both URL styles) and Mistral, with the official OpenAI
// SDK where it fits (its AzureOpenAI client builds Azure's deployment URLs itself).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI, { AzureOpenAI } from 'openai';
import { type EmulatorHandle, startEmulator } from '../server.ts';
import { postJson, sseData } from '../test-support.ts';

const KEY = 'flavour-key';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ apiKey: KEY });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

describe('Azure OpenAI', () => {
  test('the AzureOpenAI client: deployment URL, api-key header, the deployment as model', async () => {
    const client = new AzureOpenAI({
      endpoint: emulator.url,
      apiKey: KEY,
      apiVersion: '2024-10-21',
      deployment: 'prod-gpt',
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({
      model: 'ignored',
      messages: [{ role: 'user', content: 'Echo [[emulator:echo]]' }],
    });
    assert.equal(completion.model, 'prod-gpt');
    assert.equal(completion.choices[0]?.message.content, 'Echo');
    const request = emulator.stats().lastRequest;
    assert.equal(request?.path, '/openai/deployments/prod-gpt/chat/completions');
    assert.equal(request?.headers['api-key'], KEY);
    const body = completion as unknown as {
      prompt_filter_results: unknown[];
      choices: Array<{ content_filter_results: unknown }>;
    };
    assert.equal(body.prompt_filter_results.length, 1);
    assert.ok(body.choices[0]?.content_filter_results);
    const streamed = await client.chat.completions
      .stream({ model: 'ignored', messages: [{ role: 'user', content: 'Echo [[emulator:echo]]' }] })
      .finalChatCompletion();
    assert.equal(streamed.choices[0]?.message.content, 'Echo');
    const embeddings = await client.embeddings.create({ model: 'ignored', input: ['a', 'b'], dimensions: 8 });
    assert.equal(embeddings.data.length, 2);
  });

  test('a stream opens with a filter-only chunk that names no completion', async () => {
    const response = await postJson(
      `${emulator.url}/openai/deployments/prod-gpt/chat/completions?api-version=2024-10-21`,
      { messages: [{ role: 'user', content: 'hi' }], stream: true },
      { 'api-key': KEY },
    );
    const [first, second] = sseData(await response.text()).map((data) =>
      data === '[DONE]' ? {} : JSON.parse(data),
    );
    assert.deepEqual(
      { id: first.id, model: first.model, choices: first.choices },
      { id: '', model: '', choices: [] },
    );
    assert.ok(first.prompt_filter_results);
    assert.equal(second.model, 'prod-gpt');
  });

  test('deployment URLs need api-version; old versions refuse newer fields', async () => {
    const url = `${emulator.url}/openai/deployments/prod-gpt/chat/completions`;
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    const missing = await postJson(url, body, { 'api-key': KEY });
    assert.equal(missing.status, 404);
    assert.equal(
      ((await missing.json()) as { error: { message: string } }).error.message,
      'Resource not found',
    );
    const old = await postJson(
      `${url}?api-version=2024-02-01`,
      { ...body, max_completion_tokens: 5 },
      { 'api-key': KEY },
    );
    assert.equal(old.status, 400);
    assert.match(
      ((await old.json()) as { error: { message: string } }).error.message,
      /max_completion_tokens/,
    );
    const wrongKey = await postJson(`${url}?api-version=2024-10-21`, body, { 'api-key': 'nope' });
    assert.equal(wrongKey.status, 401);
  });

  test('the v1 API: /openai/v1 with the deployment as the body model, Entra ID bearer accepted', async () => {
    const client = new OpenAI({ baseURL: `${emulator.url}/openai/v1`, apiKey: KEY, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'prod-gpt',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(completion.model, 'prod-gpt');
    assert.equal(emulator.stats().lastRequest?.path, '/openai/v1/chat/completions');
  });
});

describe('Mistral (under /mistral/v1)', () => {
  const client = () => new OpenAI({ baseURL: `${emulator.url}/mistral/v1`, apiKey: KEY, maxRetries: 0 });

  test('usage arrives in the last chunk of every stream, without stream_options', async () => {
    const response = await postJson(
      `${emulator.url}/mistral/v1/chat/completions`,
      {
        model: 'mistral-small',
        messages: [{ role: 'user', content: 'hi [[emulator:tokens=3]]' }],
        stream: true,
        random_seed: 7,
        max_tokens: 10,
      },
      { authorization: `Bearer ${KEY}` },
    );
    const chunks = sseData(await response.text())
      .filter((data) => data !== '[DONE]')
      .map(
        (data) =>
          JSON.parse(data) as {
            usage?: { completion_tokens: number };
            choices: Array<{ finish_reason: string | null }>;
          },
      );
    const last = chunks.at(-1);
    assert.equal(last?.choices[0]?.finish_reason, 'stop');
    assert.equal(last?.usage?.completion_tokens, 3);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined));
  });

  test('fields Mistral does not know are a 422 listing each; tool_choice any is accepted', async () => {
    const refused = await postJson(
      `${emulator.url}/mistral/v1/chat/completions`,
      {
        model: 'mistral-small',
        messages: [{ role: 'user', content: 'hi' }],
        seed: 1,
        stream_options: { include_usage: true },
      },
      { authorization: `Bearer ${KEY}` },
    );
    assert.equal(refused.status, 422);
    const detail = ((await refused.json()) as { message: { detail: Array<{ type: string; loc: string[] }> } })
      .message.detail;
    assert.deepEqual(
      detail.map((item) => [item.type, item.loc[1]]),
      [
        ['extra_forbidden', 'seed'],
        ['extra_forbidden', 'stream_options'],
      ],
    );
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } },
    ];
    const completion = await client().chat.completions.create({
      model: 'mistral-small',
      messages: [{ role: 'user', content: 'call it' }],
      tools,
      tool_choice: 'any' as unknown as 'required',
    });
    assert.match(completion.choices[0]?.message.tool_calls?.[0]?.id ?? '', /^[a-zA-Z0-9]{9}$/);
  });

  test('tool-call ids of another shape are refused', async () => {
    const response = await postJson(
      `${emulator.url}/mistral/v1/chat/completions`,
      {
        model: 'mistral-small',
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'call_abc', content: 'done' },
        ],
      },
      { authorization: `Bearer ${KEY}` },
    );
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /length of 9/);
  });

  test('embeddings take output_dimension, not dimensions', async () => {
    const ok = await postJson(
      `${emulator.url}/mistral/v1/embeddings`,
      { model: 'mistral-embed', input: ['a'], output_dimension: 16 },
      { authorization: `Bearer ${KEY}` },
    );
    assert.equal(
      ((await ok.json()) as { data: Array<{ embedding: number[] }> }).data[0]?.embedding.length,
      16,
    );
    const refused = await postJson(
      `${emulator.url}/mistral/v1/embeddings`,
      { model: 'mistral-embed', input: ['a'], dimensions: 16 },
      { authorization: `Bearer ${KEY}` },
    );
    assert.equal(refused.status, 422);
  });
});

describe('OpenAI at /v1 accepts the fields OpenAI-compatible servers share with Mistral', () => {
  test('random_seed, tool_choice any and max_tokens', async () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'call it' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'any',
      random_seed: 3,
      max_tokens: 20,
    };
    const response = await postJson(`${emulator.url}/v1/chat/completions`, body, {
      authorization: `Bearer ${KEY}`,
    });
    assert.equal(response.status, 200);
    const completion = (await response.json()) as { choices: Array<{ finish_reason: string }> };
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  });
});
