// The emulator's Anthropic wire, checked with the official Anthropic SDK (if the SDK accepts every
// shape, the emulator speaks the format the way real clients expect) and with raw HTTP for the
// exact events, errors and headers.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { type EmulatorHandle, startEmulator } from '../server.ts';
import { postJson } from '../test-support.ts';

const KEY = 'anthropic-emulator-key';
const VERSION = { 'anthropic-version': '2023-06-01', 'x-api-key': KEY };
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let emulator: EmulatorHandle;
let client: Anthropic;
before(async () => {
  emulator = await startEmulator({ apiKey: KEY, models: ['claude-emu'] });
  client = new Anthropic({ baseURL: emulator.url, apiKey: KEY, maxRetries: 0 });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const messages = (body: Record<string, unknown>, headers: Record<string, string> = VERSION) =>
  postJson(`${emulator.url}/v1/messages`, { model: 'claude-emu', max_tokens: 100, ...body }, headers);

/** The `event:` names and parsed `data:` of an SSE body. */
function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return {
        event: (eventLine ?? '').slice('event: '.length),
        data: JSON.parse((dataLine ?? '').slice('data: '.length)) as Record<string, unknown>,
      };
    });
}

describe('Anthropic Messages through the official SDK', () => {
  test('messages.create: text, stop reason and usage', async () => {
    const message = await client.messages.create({
      model: 'claude-emu',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: 'Repeat after me [[emulator:echo]]' }],
    });
    assert.match(message.id, /^msg_/);
    assert.equal(message.model, 'claude-emu');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Repeat after me' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 3);
    assert.ok(message.usage.input_tokens > 0);
  });

  test('the stream, assembled by the SDK, equals the whole message', async () => {
    const body = {
      model: 'claude-emu',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'Stream [[emulator:tokens=12]]' }],
    };
    const streamed = await client.messages.stream(body).finalMessage();
    const whole = await client.messages.create(body);
    assert.deepEqual(streamed.content, whole.content);
    assert.equal(streamed.usage.output_tokens, 12);
    assert.equal(streamed.usage.input_tokens, whole.usage.input_tokens);
    assert.equal(streamed.stop_reason, 'end_turn');
  });

  test('thinking arrives with a signature, and a signed block is accepted back', async () => {
    const first = await client.messages
      .stream({
        model: 'claude-emu',
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'Think first' }],
      })
      .finalMessage();
    const thinking = first.content[0];
    assert.ok(thinking?.type === 'thinking');
    assert.ok(thinking.thinking.length > 0);
    assert.ok(thinking.signature.length > 0);
    const next = await client.messages.create({
      model: 'claude-emu',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'Think first' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'And again' },
      ],
    });
    assert.equal(next.stop_reason, 'end_turn');
    const altered = messages({
      max_tokens: 2048,
      messages: [
        { role: 'user', content: 'Think first' },
        { role: 'assistant', content: [{ ...thinking, thinking: `${thinking.thinking} (edited)` }] },
        { role: 'user', content: 'And again' },
      ],
    });
    const refused = await altered;
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /signature/);
  });

  test('tools round trip, with an image in the first turn', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const question: Anthropic.MessageParam = {
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
        { type: 'text', text: 'Weather where this was taken?' },
      ],
    };
    const first = await client.messages
      .stream({ model: 'claude-emu', max_tokens: 100, tools, messages: [question] })
      .finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call?.type === 'tool_use');
    assert.match(call.id, /^toolu_/);
    assert.deepEqual(call.input, { city: 'example city' });
    const second = await client.messages.create({
      model: 'claude-emu',
      max_tokens: 100,
      tools,
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21 C' }] },
      ],
    });
    assert.deepEqual(second.content, [{ type: 'text', text: 'The tool returned: sunny, 21 C' }]);
  });

  test('count_tokens and the models list', async () => {
    const short = await client.messages.countTokens({
      model: 'claude-emu',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const long = await client.messages.countTokens({
      model: 'claude-emu',
      messages: [{ role: 'user', content: 'hi '.repeat(100) }],
    });
    assert.ok(long.input_tokens > short.input_tokens + 90);
    const page = await client.models.list();
    assert.ok(page.data.some((model) => model.id === 'claude-emu' && model.type === 'model'));
  });

  test('a fault status reaches the SDK as Anthropic error types (529 overloaded)', async () => {
    emulator.setFaults([{ status: 529, times: 1 }]);
    await assert.rejects(
      client.messages.create({
        model: 'claude-emu',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: InstanceType<typeof Anthropic.APIError>) => {
        assert.equal(error.status, 529);
        assert.deepEqual(error.error, {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
        });
        return true;
      },
    );
  });
});

describe('Anthropic Messages on the wire', () => {
  test('stream event order: message_start, ping, blocks, message_delta, message_stop', async () => {
    const response = await messages({
      stream: true,
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { id: { type: 'integer' } } } }],
      messages: [{ role: 'user', content: 'Look it up [[emulator:reasoning]]' }],
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
    const all = events(await response.text());
    const names = all.map((entry) =>
      entry.event === 'content_block_delta'
        ? `delta:${(entry.data.delta as { type: string }).type}`
        : entry.event,
    );
    assert.deepEqual(
      [...new Set(names)],
      [
        'message_start',
        'content_block_start',
        'ping',
        'delta:thinking_delta',
        'delta:signature_delta',
        'content_block_stop',
        'delta:input_json_delta',
        'message_delta',
        'message_stop',
      ],
    );
    const start = all[0]?.data.message as { usage: { output_tokens: number; input_tokens: number } };
    assert.equal(start.usage.output_tokens, 1);
    const delta = all.find((entry) => entry.event === 'message_delta')?.data as {
      delta: { stop_reason: string };
      usage: { output_tokens: number };
    };
    assert.equal(delta.delta.stop_reason, 'tool_use');
    const thinkingTokens = names.filter((name) => name === 'delta:thinking_delta').length;
    const argumentTokens = names.filter((name) => name === 'delta:input_json_delta').length;
    assert.equal(delta.usage.output_tokens, thinkingTokens + argumentTokens);
  });

  test('the anthropic-version header is required; either x-api-key or Bearer authenticates', async () => {
    const missing = await messages({ messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': KEY });
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    const bearer = await messages(
      { messages: [{ role: 'user', content: 'hi' }] },
      { 'anthropic-version': '2023-06-01', authorization: `Bearer ${KEY}` },
    );
    assert.equal(bearer.status, 200);
    const wrong = await messages(
      { messages: [{ role: 'user', content: 'hi' }] },
      { ...VERSION, 'x-api-key': 'nope' },
    );
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { type: string } }).error.type, 'authentication_error');
  });

  test('requests the API refuses are refused with the field named', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ max_tokens: undefined, messages: [{ role: 'user', content: 'hi' }] }, /^max_tokens: Field required/],
      [{ messages: [{ role: 'system', content: 'hi' }] }, /^messages\.0\.role/],
      [{ messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, /non-empty/],
      [
        { messages: [{ role: 'user', content: [] }] },
        /^messages\.0: all messages must have non-empty content except for the optional final assistant message/,
      ],
      [
        {
          messages: [
            {
              role: 'user',
              content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }],
            },
          ],
        },
        /^messages\.0\.content\.0\.source\.base64\.media_type/,
      ],
      [
        {
          messages: [
            { role: 'user', content: 'go' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 't', input: {} }] },
            { role: 'user', content: 'never mind' },
          ],
        },
        /tool_use.*ids were found without .*tool_result.*toolu_1/,
      ],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] },
          ],
        },
        /unexpected .tool_use_id./,
      ],
      [
        {
          system: Array.from({ length: 5 }, () => ({
            type: 'text',
            text: 'x',
            cache_control: { type: 'ephemeral' },
          })),
          messages: [{ role: 'user', content: 'hi' }],
        },
        /maximum of 4 blocks with cache_control/,
      ],
      [
        { thinking: { type: 'enabled', budget_tokens: 500 }, messages: [{ role: 'user', content: 'hi' }] },
        /budget_tokens/,
      ],
    ];
    for (const [body, message] of cases) {
      const response = await messages(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const error = (await response.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(error.error.type, 'invalid_request_error');
      assert.match(error.error.message, message);
    }
  });

  test('[[emulator:cached=N]] and [[emulator:cache_write=N]] report prompt-cache usage', async () => {
    const plain = (await (
      await messages({ messages: [{ role: 'user', content: 'A long prompt' }] })
    ).json()) as {
      usage: Record<string, number>;
    };
    const cached = (await (
      await messages({
        messages: [
          { role: 'user', content: 'A long prompt [[emulator:cached=5]] [[emulator:cache_write=2]]' },
        ],
      })
    ).json()) as { usage: Record<string, number> };
    assert.equal(cached.usage.cache_read_input_tokens, 5);
    assert.equal(cached.usage.cache_creation_input_tokens, 2);
    const total = (usage: Record<string, number>) =>
      (usage.input_tokens ?? 0) +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0);
    assert.equal(plain.usage.cache_read_input_tokens, 0);
    assert.ok(total(cached.usage) > total(plain.usage), 'the directives themselves are prompt text');
    assert.equal(cached.usage.input_tokens, total(cached.usage) - 7);
  });

  test('a stream cut by errorAfterChunks ends with an Anthropic error event', async () => {
    emulator.setFaults([{ errorAfterChunks: 3, status: 529 }]);
    const response = await messages({
      stream: true,
      messages: [{ role: 'user', content: 'hi [[emulator:tokens=10]]' }],
    });
    const all = events(await response.text());
    assert.equal(all.length, 4);
    assert.deepEqual(all[3], {
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });

  test('GET /v1/models answers in Anthropic shape only with anthropic-version', async () => {
    const anthropic = (await (
      await fetch(`${emulator.url}/v1/models`, { headers: VERSION })
    ).json()) as Record<string, unknown>;
    assert.equal(anthropic.has_more, false);
    const openai = (await (
      await fetch(`${emulator.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as Record<string, unknown>;
    assert.equal(openai.object, 'list');
  });
});
