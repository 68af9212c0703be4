import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../server.ts';
import { postJson } from '../test-support.ts';

const KEY = 'cohere-emulator-key';
const auth = { authorization: `Bearer ${KEY}` };

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ apiKey: KEY });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const chat = (body: Record<string, unknown>, headers: Record<string, string> = auth) =>
  postJson(`${emulator.url}/v2/chat`, { model: 'command-a-03-2025', ...body }, headers);
const user = (content: string) => [{ role: 'user', content }];
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

type ChatResponse = {
  id: string;
  finish_reason: string;
  message: {
    role: string;
    content?: Array<{ type: string; text?: string }>;
    tool_plan?: string;
    tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  };
  usage: { billed_units: { input_tokens: number; output_tokens: number }; tokens: Record<string, number> };
};

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

describe('Cohere v2 chat', () => {
  test('a whole answer: content blocks, finish reason, billed units', async () => {
    const body = (await (await chat({ messages: user('Say it [[emulator:echo]]') })).json()) as ChatResponse;
    assert.deepEqual(body.message, { role: 'assistant', content: [{ type: 'text', text: 'Say it' }] });
    assert.equal(body.finish_reason, 'COMPLETE');
    assert.equal(body.usage.billed_units.output_tokens, 2);
    assert.ok(body.usage.billed_units.input_tokens > 0);
  });

  test('tool calls come with a tool plan; tool results are answered', async () => {
    const first = (await (await chat({ messages: user('Weather?'), tools: TOOLS })).json()) as ChatResponse;
    assert.equal(first.finish_reason, 'TOOL_CALL');
    assert.match(first.message.tool_plan ?? '', /get_weather/);
    const call = first.message.tool_calls?.[0];
    assert.ok(call);
    assert.match(call.id, /^get_weather_/);
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'example city' });
    const planWords = (first.message.tool_plan ?? '').split(' ').length;
    const argumentTokens = first.usage.billed_units.output_tokens - planWords;
    assert.ok(argumentTokens > 0, 'the plan counts as output besides the arguments');
    const second = (await (
      await chat({
        tools: TOOLS,
        messages: [
          ...user('Weather?'),
          { role: 'assistant', tool_plan: first.message.tool_plan, tool_calls: first.message.tool_calls },
          {
            role: 'tool',
            tool_call_id: call.id,
            content: [{ type: 'document', document: { data: 'sunny' } }],
          },
        ],
      })
    ).json()) as ChatResponse;
    assert.deepEqual(second.message.content, [{ type: 'text', text: 'The tool returned: sunny' }]);
    const stray = await chat({
      messages: [...user('hi'), { role: 'tool', tool_call_id: 'nope', content: 'x' }],
    });
    assert.equal(stray.status, 400);
    assert.match(
      ((await stray.json()) as { message: string }).message,
      /^invalid request: tool call id nope/,
    );
  });

  test('the stream: named events from message-start to message-end, the same usage', async () => {
    const messages = user('Look up the weather [[emulator:reasoning]]');
    const whole = (await (await chat({ messages, tools: TOOLS })).json()) as ChatResponse;
    const all = events(await (await chat({ messages, tools: TOOLS, stream: true })).text());
    assert.ok(
      all.every((entry) => entry.event === entry.data.type),
      'the event line names the type',
    );
    assert.deepEqual(
      [...new Set(all.map((entry) => entry.event))],
      [
        'message-start',
        'content-start',
        'content-delta',
        'content-end',
        'tool-plan-delta',
        'tool-call-start',
        'tool-call-delta',
        'tool-call-end',
        'message-end',
      ],
    );
    const thinking = all.find((entry) => entry.event === 'content-start')?.data as {
      delta: { message: { content: { type: string } } };
    };
    assert.equal(thinking.delta.message.content.type, 'thinking');
    const end = all.at(-1)?.data as { delta: { finish_reason: string; usage: unknown } };
    assert.equal(end.delta.finish_reason, 'TOOL_CALL');
    assert.deepEqual(end.delta.usage, whole.usage);
  });

  test('errors are {"message"}; a missing key and a wrong key are told apart', async () => {
    const missing = await chat({ messages: user('hi') }, {});
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { message: string }).message, 'no api key supplied');
    const wrong = await chat({ messages: user('hi') }, { authorization: 'Bearer nope' });
    assert.equal(((await wrong.json()) as { message: string }).message, 'invalid api token');
    emulator.setFaults([{ errorAfterChunks: 2 }]);
    const cut = events(
      await (await chat({ messages: user('hi [[emulator:tokens=5]]'), stream: true })).text(),
    );
    assert.deepEqual(cut.at(-1)?.data.delta, {
      error: 'internal server error, this has been reported to our developers',
      finish_reason: 'ERROR',
    });
  });
});

describe('Cohere v2 embed', () => {
  const embed = (body: Record<string, unknown>) =>
    postJson(`${emulator.url}/v2/embed`, { model: 'embed-v4.0', ...body }, auth);

  test('float embeddings by type, with billed input tokens', async () => {
    const body = (await (
      await embed({
        texts: ['alpha', 'beta'],
        input_type: 'search_query',
        embedding_types: ['float'],
        output_dimension: 256,
      })
    ).json()) as {
      embeddings: { float: number[][] };
      meta: { billed_units: { input_tokens: number } };
      response_type: string;
    };
    assert.equal(body.response_type, 'embeddings_by_type');
    assert.equal(body.embeddings.float.length, 2);
    assert.equal(body.embeddings.float[0]?.length, 256);
    assert.ok(body.meta.billed_units.input_tokens > 0);
  });

  test('input_type is required for v3 models and later', async () => {
    const response = await embed({ texts: ['alpha'] });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /input_type/);
  });
});
