// The official OpenAI SDK against the gateway: in front of the in-process emulator (the quickstart
// setup) and in front of an OpenAI-compatible HTTP server (the emulator's HTTP server).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type EmulatorHandle, startEmulator } from '../src/providers/emulator/server.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const setups: Array<{
  name: string;
  start: () => Promise<{ gateway: TestGateway; emulator?: EmulatorHandle }>;
}> = [
  { name: 'in-process emulator (defaults)', start: async () => ({ gateway: await startTestGateway() }) },
  {
    name: 'openai-compatible upstream',
    start: async () => {
      const emulator = await startEmulator({ port: 0, apiKey: 'upstream-secret' });
      const gateway = await startTestGateway({
        providers: [
          {
            name: 'vllm',
            type: 'openai-compatible',
            base_url: `${emulator.url}/v1`,
            api_key: 'upstream-secret',
          },
        ],
        routes: [
          { name: 'chat-default', targets: [{ provider: 'vllm', model: 'llama-3.1-8b-instruct' }] },
          { name: 'embed-default', targets: [{ provider: 'vllm', model: 'bge-small' }] },
        ],
      });
      return { gateway, emulator };
    },
  },
];

for (const setup of setups) {
  describe(`OpenAI SDK via ${setup.name}`, () => {
    let gateway: TestGateway;
    let emulator: EmulatorHandle | undefined;
    let client: OpenAI;

    before(async () => {
      ({ gateway, emulator } = await setup.start());
      client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.clientKey, maxRetries: 0 });
    });
    after(async () => {
      await gateway.close();
      await emulator?.close();
    });

    test('chat completion with usage and routing headers', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'chat-default', messages: [{ role: 'user', content: 'Hello there' }] })
        .withResponse();
      assert.equal(data.object, 'chat.completion');
      assert.equal(data.choices[0]?.message.role, 'assistant');
      assert.ok((data.choices[0]?.message.content ?? '').length > 0);
      assert.equal(data.choices[0]?.finish_reason, 'stop');
      assert.ok((data.usage?.prompt_tokens ?? 0) > 0);
      assert.ok((data.usage?.completion_tokens ?? 0) > 0);
      assert.match(response.headers.get('x-request-id') ?? '', /^req_/);
      assert.equal(response.headers.get('x-switchyard-route'), 'chat-default');
      assert.equal(response.headers.get('x-switchyard-attempts'), '1');
    });

    test('the same prompt gets the same answer (deterministic upstream)', async () => {
      const ask = () =>
        client.chat.completions.create({
          model: 'chat-default',
          messages: [{ role: 'user', content: 'Same question' }],
        });
      const [a, b] = await Promise.all([ask(), ask()]);
      assert.equal(a.choices[0]?.message.content, b.choices[0]?.message.content);
    });

    test('streaming with include_usage ends with a usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'Stream please [[emulator:tokens=20]]' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usageChunks = 0;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish ??= chunk.choices[0]?.finish_reason;
        if (chunk.usage) {
          usageChunks++;
          assert.equal(chunk.choices.length, 0);
          assert.equal(chunk.usage.completion_tokens, 20);
        }
      }
      assert.ok(text.length > 0);
      assert.equal(finish, 'stop');
      assert.equal(usageChunks, 1);
    });

    test('streaming without include_usage carries no usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'No usage please' }],
        stream: true,
      });
      for await (const chunk of stream) assert.ok(!chunk.usage, 'no usage chunk was asked for');
    });

    test('tools: a tool call, then an answer from the tool result', async () => {
      const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
              required: ['city'],
            },
          },
        },
      ];
      const first = await client.chat.completions.create({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools,
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      const args = JSON.parse(call.function.arguments) as { city: unknown };
      assert.equal(typeof args.city, 'string');
      const second = await client.chat.completions.create({
        model: 'chat-default',
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' },
        ],
        tools,
      });
      assert.equal(second.choices[0]?.finish_reason, 'stop');
      assert.match(second.choices[0]?.message.content ?? '', /sunny, 21 C/);
    });

    test('streamed tool calls arrive as deltas the SDK assembles', async () => {
      const stream = client.chat.completions.stream({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'Look up the order [[emulator:parallel]]' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'find_order',
              parameters: { type: 'object', properties: { id: { type: 'integer' } } },
            },
          },
          {
            type: 'function',
            function: {
              name: 'find_customer',
              parameters: { type: 'object', properties: { email: { type: 'string' } } },
            },
          },
        ],
      });
      const final = await stream.finalChatCompletion();
      const calls = final.choices[0]?.message.tool_calls ?? [];
      assert.deepEqual(
        calls.map((call) => (call.type === 'function' ? call.function.name : '')),
        ['find_order', 'find_customer'],
      );
      for (const call of calls) if (call.type === 'function') JSON.parse(call.function.arguments);
    });

    test('response_format json_schema returns JSON matching the schema', async () => {
      const completion = await client.chat.completions.create({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'Give me a person' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            schema: {
              type: 'object',
              properties: { name: { type: 'string' }, age: { type: 'integer' } },
              required: ['name', 'age'],
            },
          },
        },
      });
      const person = JSON.parse(completion.choices[0]?.message.content ?? '') as {
        name: unknown;
        age: unknown;
      };
      assert.equal(typeof person.name, 'string');
      assert.ok(Number.isInteger(person.age));
    });

    test('response_format json_object returns a JSON object', async () => {
      const completion = await client.chat.completions.create({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'Answer in JSON' }],
        response_format: { type: 'json_object' },
      });
      const value = JSON.parse(completion.choices[0]?.message.content ?? '') as unknown;
      assert.equal(typeof value, 'object');
    });

    test('embeddings: one vector per input, float and base64', async () => {
      const result = await client.embeddings.create({ model: 'embed-default', input: ['alpha', 'beta'] });
      assert.equal(result.data.length, 2);
      assert.ok((result.data[0]?.embedding.length ?? 0) > 0);
      assert.notDeepEqual(result.data[0]?.embedding, result.data[1]?.embedding);
      assert.ok(result.usage.prompt_tokens > 0);
      // The SDK asks for base64 by default when no format is given and decodes it; compare with float.
      const floats = await client.embeddings.create({
        model: 'embed-default',
        input: 'alpha',
        encoding_format: 'float',
      });
      assert.deepEqual(
        floats.data[0]?.embedding.map((v) => v.toFixed(5)),
        result.data[0]?.embedding.map((v) => v.toFixed(5)),
      );
    });

    test('models list shows the routes', async () => {
      const models = await client.models.list();
      const ids = models.data.map((model) => model.id);
      assert.ok(ids.includes('chat-default'));
      assert.ok(ids.includes('embed-default'));
    });

    if (setup.name === 'openai-compatible upstream') {
      test('the provider key is injected and the client key never goes upstream', async () => {
        await client.chat.completions.create({
          model: 'chat-default',
          messages: [{ role: 'user', content: 'hi' }],
        });
        const last = emulator?.stats().lastRequest;
        assert.equal(last?.headers.authorization, 'Bearer upstream-secret');
        assert.ok(!JSON.stringify(last?.headers).includes(gateway.clientKey));
        assert.ok(last?.headers['x-switchyard-hop'], 'hop header sent upstream');
      });
    }
  });
}
