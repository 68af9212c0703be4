// Every provider end to end: the official OpenAI SDK talks to a real gateway whose route points at
// one provider type, and the emulator answers in that vendor's wire format. The emulator is an
// independent implementation of each format, so a codec or provider bug shows up here.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const KEY = 'upstream-key-123';
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

interface ProviderCase {
  name: string;
  provider: (emulatorUrl: string) => Record<string, unknown>;
  chatModel: string;
  /** The model the upstream names in its answers (Azure: the deployment), when it names one. */
  embedModel?: string;
  /** Dimensions the upstream's default embedding has, when the request names none. */
  embedDimensions?: number;
  /** A retryable error status in this vendor's terms, for the retry check. */
  overloaded: number;
  /** The vendor path a chat request reaches. */
  chatPath: RegExp;
}

const CASES: ProviderCase[] = [
  {
    name: 'anthropic',
    chatPath: /^\/v1\/messages$/,
    provider: (url) => ({ type: 'anthropic', base_url: url, api_key: KEY }),
    chatModel: 'claude-sonnet-4-5',
    overloaded: 529,
  },
  {
    name: 'azure-openai (deployment URLs)',
    chatPath: /^\/openai\/deployments\/gpt-4o-deployment\/chat\/completions$/,
    provider: (url) => ({ type: 'azure-openai', base_url: url, api_key: KEY, api_version: '2024-10-21' }),
    chatModel: 'gpt-4o-deployment',
    embedModel: 'embedding-deployment',
    overloaded: 503,
  },
  {
    name: 'azure-openai (v1 API)',
    chatPath: /^\/openai\/v1\/chat\/completions$/,
    provider: (url) => ({
      type: 'azure-openai',
      base_url: `${url}/openai/v1`,
      api_key: KEY,
      api_version: 'v1',
    }),
    chatModel: 'gpt-4o-deployment',
    embedModel: 'embedding-deployment',
    overloaded: 503,
  },
  {
    name: 'gemini (AI Studio)',
    chatPath: /^\/v1beta\/models\/gemini-2\.5-flash:generateContent$/,
    provider: (url) => ({ type: 'gemini', base_url: url, api_key: KEY }),
    chatModel: 'gemini-2.5-flash',
    embedModel: 'gemini-embedding-001',
    overloaded: 503,
  },
  {
    name: 'gemini (Vertex AI)',
    chatPath:
      /^\/v1\/projects\/proj\/locations\/us-central1\/publishers\/google\/models\/gemini-2\.5-pro:generateContent$/,
    provider: (url) => ({
      type: 'gemini',
      base_url: url,
      project: 'proj',
      location: 'us-central1',
      access_token: KEY,
    }),
    chatModel: 'gemini-2.5-pro',
    embedModel: 'text-embedding-005',
    overloaded: 503,
  },
  {
    name: 'cohere',
    chatPath: /^\/v2\/chat$/,
    provider: (url) => ({ type: 'cohere', base_url: url, api_key: KEY }),
    chatModel: 'command-a-03-2025',
    embedModel: 'embed-v4.0',
    overloaded: 503,
  },
  {
    name: 'mistral',
    chatPath: /^\/mistral\/v1\/chat\/completions$/,
    provider: (url) => ({ type: 'mistral', base_url: `${url}/mistral/v1`, api_key: KEY }),
    chatModel: 'mistral-large-latest',
    embedModel: 'mistral-embed',
    overloaded: 503,
  },
  {
    name: 'bedrock (SigV4)',
    chatPath: /^\/model\/anthropic\.claude-3-5-sonnet-20240620-v1(:|%3A)0\/converse$/,
    provider: (url) => ({
      type: 'bedrock',
      base_url: url,
      aws_region: 'us-east-1',
      aws_access_key_id: KEY,
      aws_secret_access_key: 'emulator-secret',
    }),
    chatModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    embedModel: 'amazon.titan-embed-text-v2:0',
    embedDimensions: 1024,
    overloaded: 503,
  },
  {
    name: 'bedrock (API key)',
    chatPath: /^\/model\/us\.amazon\.nova-pro-v1(:|%3A)0\/converse$/,
    provider: (url) => ({ type: 'bedrock', base_url: url, aws_region: 'eu-west-1', api_key: KEY }),
    chatModel: 'us.amazon.nova-pro-v1:0',
    embedModel: 'cohere.embed-v4:0',
    embedDimensions: 1536,
    overloaded: 429,
  },
  {
    name: 'openai-compatible',
    chatPath: /^\/v1\/chat\/completions$/,
    provider: (url) => ({ type: 'openai-compatible', base_url: `${url}/v1`, api_key: KEY }),
    chatModel: 'llama-3.1-8b-instruct',
    embedModel: 'bge-small',
    overloaded: 503,
  },
];

const WEATHER_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

for (const providerCase of CASES) {
  describe(`OpenAI SDK via a ${providerCase.name} upstream`, () => {
    let emulator: EmulatorHandle;
    let gateway: TestGateway;
    let client: OpenAI;

    before(async () => {
      emulator = await startEmulator({ apiKey: KEY });
      gateway = await startTestGateway({
        providers: [{ name: 'upstream', ...providerCase.provider(emulator.url) }],
        routing: { retry: { max_attempts: 2, initial_backoff_ms: 1, max_backoff_ms: 5 } },
        routes: [
          { name: 'chat', targets: [{ provider: 'upstream', model: providerCase.chatModel }] },
          ...(providerCase.embedModel
            ? [{ name: 'embed', targets: [{ provider: 'upstream', model: providerCase.embedModel }] }]
            : []),
        ],
      });
      client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.clientKey, maxRetries: 0 });
    });
    after(async () => {
      await gateway.close();
      await emulator.close();
    });
    beforeEach(() => emulator.reset());

    test('chat: the answer, its usage, and the upstream that served it', async () => {
      const { data, response } = await client.chat.completions
        .create({
          model: 'chat',
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: 'Say it back [[emulator:echo]]' },
          ],
        })
        .withResponse();
      assert.equal(data.choices[0]?.message.content, 'Say it back');
      assert.equal(data.choices[0]?.finish_reason, 'stop');
      assert.equal(data.usage?.completion_tokens, 3);
      assert.ok((data.usage?.prompt_tokens ?? 0) > 0);
      assert.equal(response.headers.get('x-switchyard-route'), 'chat');
      const stats = emulator.stats();
      assert.equal(stats.requests, 1);
      assert.equal(stats.completed, 1);
      assert.match(stats.lastRequest?.path ?? '', providerCase.chatPath);
    });

    test('streaming gives the same text and the same usage as the whole answer', async () => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'Tell me something [[emulator:tokens=14]]' },
      ];
      const whole = await client.chat.completions.create({ model: 'chat', messages });
      const stream = await client.chat.completions.create({
        model: 'chat',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
        finish ??= chunk.choices[0]?.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(chunks > 3, 'the answer arrived in several chunks');
      assert.equal(text, whole.choices[0]?.message.content);
      assert.equal(finish, 'stop');
      assert.equal(usage?.completion_tokens, 14);
      assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens);
      assert.equal(usage?.prompt_tokens, whole.usage?.prompt_tokens);
      assert.ok((usage?.prompt_tokens ?? 0) > 0);
    });

    test('streamed tool calls are assembled by the SDK', async () => {
      const completion = await client.chat.completions
        .stream({
          model: 'chat',
          messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
          tools: [WEATHER_TOOL],
        })
        .finalChatCompletion();
      const choice = completion.choices[0];
      assert.equal(choice?.finish_reason, 'tool_calls');
      const call = choice?.message.tool_calls?.[0];
      assert.ok(call?.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'example city', unit: 'celsius' });
      assert.ok(call.id.length > 0);
    });

    test('a tools round trip: the call, the result, then an answer quoting it', async () => {
      const question: OpenAI.Chat.ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };
      const first = await client.chat.completions.create({
        model: 'chat',
        messages: [question],
        tools: [WEATHER_TOOL],
      });
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      assert.ok(message && call?.type === 'function');
      const second = await client.chat.completions.create({
        model: 'chat',
        tools: [WEATHER_TOOL],
        messages: [question, message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' }],
      });
      assert.equal(second.choices[0]?.finish_reason, 'stop');
      assert.match(second.choices[0]?.message.content ?? '', /^The tool returned: .*sunny, 21 C/);
    });

    test('parallel tool calls, and several results answered in one turn', async () => {
      const clock: OpenAI.Chat.ChatCompletionTool = {
        type: 'function',
        function: {
          name: 'get_time',
          parameters: { type: 'object', properties: { zone: { type: 'string' } } },
        },
      };
      const question: OpenAI.Chat.ChatCompletionMessageParam = {
        role: 'user',
        content: 'Weather and time? [[emulator:parallel]]',
      };
      const first = await client.chat.completions.create({
        model: 'chat',
        messages: [question],
        tools: [WEATHER_TOOL, clock],
      });
      const message = first.choices[0]?.message;
      const calls = message?.tool_calls ?? [];
      assert.deepEqual(
        calls.map((call) => (call.type === 'function' ? call.function.name : '')),
        ['get_weather', 'get_time'],
      );
      assert.equal(new Set(calls.map((call) => call.id)).size, 2, 'distinct call ids');
      assert.ok(message);
      const second = await client.chat.completions.create({
        model: 'chat',
        tools: [WEATHER_TOOL, clock],
        messages: [
          question,
          message,
          { role: 'tool', tool_call_id: calls[0]?.id ?? '', content: 'rainy' },
          { role: 'tool', tool_call_id: calls[1]?.id ?? '', content: 'noon' },
        ],
      });
      assert.match(second.choices[0]?.message.content ?? '', /^The tools returned: .*rainy.*; .*noon/);
    });

    test('structured output: a json_schema answer that parses and fits the schema', async () => {
      const result = await client.chat.completions.create({
        model: 'chat',
        messages: [{ role: 'user', content: 'Describe a city as JSON' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'city',
            strict: true,
            schema: {
              type: 'object',
              properties: { name: { type: 'string' }, population: { type: 'integer', minimum: 1 } },
              required: ['name', 'population'],
              additionalProperties: false,
            },
          },
        },
      });
      assert.equal(result.choices[0]?.finish_reason, 'stop');
      assert.deepEqual(JSON.parse(result.choices[0]?.message.content ?? ''), {
        name: 'example name',
        population: 1,
      });
    });

    test('a stop sequence ends the answer before it', async () => {
      const result = await client.chat.completions.create({
        model: 'chat',
        stop: ['STOP'],
        messages: [{ role: 'user', content: 'one two STOP three [[emulator:echo]]' }],
      });
      assert.equal(result.choices[0]?.finish_reason, 'stop');
      assert.equal(result.choices[0]?.message.content, 'one two ');
    });

    test('max_tokens cuts the answer: finish_reason length', async () => {
      const result = await client.chat.completions.create({
        model: 'chat',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'Talk a lot [[emulator:tokens=40]]' }],
      });
      assert.equal(result.choices[0]?.finish_reason, 'length');
      assert.equal(result.usage?.completion_tokens, 5);
    });

    test('an image in the prompt reaches the upstream and is counted', async () => {
      const ask = (withImage: boolean) =>
        client.chat.completions.create({
          model: 'chat',
          messages: [
            {
              role: 'user',
              content: [
                ...(withImage
                  ? [{ type: 'image_url' as const, image_url: { url: `data:image/png;base64,${PNG_1X1}` } }]
                  : []),
                { type: 'text' as const, text: 'What is in the picture?' },
              ],
            },
          ],
        });
      const [plain, pictured] = [await ask(false), await ask(true)];
      assert.ok((pictured.usage?.prompt_tokens ?? 0) >= (plain.usage?.prompt_tokens ?? 0) + 85);
    });

    test('prompt-cache reads are reported as cached tokens', async () => {
      const result = await client.chat.completions.create({
        model: 'chat',
        messages: [{ role: 'user', content: 'A long shared prefix [[emulator:cached=4]]' }],
      });
      assert.equal(result.usage?.prompt_tokens_details?.cached_tokens, 4);
      assert.ok((result.usage?.prompt_tokens ?? 0) > 4, 'prompt_tokens includes the cached ones');
    });

    test("a retryable upstream error in the vendor's own shape is retried", async () => {
      emulator.setFaults([{ status: providerCase.overloaded, times: 1 }]);
      const { data, response } = await client.chat.completions
        .create({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] })
        .withResponse();
      assert.ok((data.choices[0]?.message.content ?? '').length > 0);
      assert.equal(response.headers.get('x-switchyard-attempts'), '2');
      assert.equal(emulator.stats().requests, 2);
    });

    if (providerCase.embedModel) {
      test('embeddings: one vector per input, in order, with usage', async () => {
        const result = await client.embeddings.create({ model: 'embed', input: ['alpha', 'beta gamma'] });
        assert.equal(result.data.length, 2);
        assert.deepEqual(
          result.data.map((item) => item.index),
          [0, 1],
        );
        const [first, second] = result.data;
        assert.equal(first?.embedding.length, providerCase.embedDimensions ?? 1536);
        assert.ok(Math.abs(Math.hypot(...(first?.embedding ?? [])) - 1) < 1e-4, 'a unit vector');
        assert.notDeepEqual(first?.embedding, second?.embedding);
        assert.ok(result.usage.prompt_tokens > 0);
      });
    }
  });
}
