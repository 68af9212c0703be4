// The official OpenAI SDK pointed straight at the emulator: if the SDK accepts every shape the
// emulator sends, the emulator speaks the OpenAI wire format the way real clients expect.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type EmulatorHandle, startEmulator } from './server.ts';

describe('official OpenAI SDK against the emulator', () => {
  let emulator: EmulatorHandle;
  let client: OpenAI;
  before(async () => {
    emulator = await startEmulator({ apiKey: 'sdk-key' });
    client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: 'sdk-key', maxRetries: 0 });
  });
  after(() => emulator.close());

  test('chat completion', async () => {
    const completion = await client.chat.completions.create({
      model: 'emulator-chat',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say it back [[emulator:echo]]' },
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'Say it back');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.usage?.completion_tokens, 3);
  });

  test('streaming, assembled by the SDK, equals the whole answer', async () => {
    const messages = [{ role: 'user' as const, content: 'Stream me [[emulator:tokens=15]]' }];
    const stream = client.chat.completions.stream({
      model: 'emulator-chat',
      messages,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const whole = await client.chat.completions.create({ model: 'emulator-chat', messages });
    assert.equal(final.choices[0]?.message.content, whole.choices[0]?.message.content);
    assert.equal(final.usage?.completion_tokens, 15);
  });

  test('tool calls, streamed and whole, then the tool result turn', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: {
              city: { type: 'string' },
              unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
            },
            required: ['city', 'unit'],
            additionalProperties: false,
          },
        },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ];
    const streamed = await client.chat.completions
      .stream({
        model: 'emulator-chat',
        messages: [{ role: 'user', content: 'Weather? [[emulator:parallel]]' }],
        tools,
      })
      .finalChatCompletion();
    const calls = streamed.choices[0]?.message.tool_calls ?? [];
    assert.equal(streamed.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(
      calls.map((call) =>
        call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : [],
      ),
      [
        ['get_weather', { city: 'example city', unit: 'celsius' }],
        ['get_time', {}],
      ],
    );

    const first = await client.chat.completions.create({
      model: 'emulator-chat',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    const second = await client.chat.completions.create({
      model: 'emulator-chat',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' },
      ],
      tools,
    });
    assert.equal(second.choices[0]?.message.content, 'The tool returned: sunny, 21 C');
  });

  test('embeddings: the SDK default (base64, decoded by the SDK) equals float', async () => {
    const decoded = await client.embeddings.create({ model: 'emulator-embed', input: ['alpha', 'beta'] });
    const floats = await client.embeddings.create({
      model: 'emulator-embed',
      input: ['alpha', 'beta'],
      encoding_format: 'float',
    });
    assert.equal(decoded.data.length, 2);
    assert.equal(decoded.data[0]?.embedding.length, 1536);
    assert.deepEqual(
      decoded.data.map((item) => item.embedding),
      floats.data.map((item) => item.embedding.map((value) => Math.fround(value))),
    );
  });

  test('errors surface as the SDK error classes', async () => {
    const wrongKey = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(
      wrongKey.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.AuthenticationError && error.code === 'invalid_api_key',
    );
    emulator.setFaults([{ status: 429, retryAfterSeconds: 3, times: 1 }]);
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.RateLimitError && error.headers.get('retry-after') === '3',
    );
    emulator.setFaults([{ errorAfterChunks: 2 }]);
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi [[emulator:tokens=10]]' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _chunk of stream) {
        // the SDK throws when it reads the error event
      }
    }, OpenAI.APIError);
    emulator.setFaults([]);
  });

  test('models list', async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['emulator-chat', 'emulator-embed'],
    );
  });
});
