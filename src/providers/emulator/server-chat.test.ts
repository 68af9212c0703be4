import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from './server.ts';
import { eventually, postJson, readSse } from './test-support.ts';

const KEY = 'emulator-test-key';
const auth = { authorization: `Bearer ${KEY}` };

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ apiKey: KEY, models: ['extra-model'] });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const chat = (body: Record<string, unknown>, headers: Record<string, string> = auth) =>
  postJson(`${emulator.url}/v1/chat/completions`, { model: 'emulator-chat', ...body }, headers);
const user = (content: string) => [{ role: 'user', content }];

type Chunk = {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: Record<string, unknown>;
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage?: Record<string, unknown> | null;
};

async function streamChunks(
  body: Record<string, unknown>,
): Promise<{ chunks: Chunk[]; response: Response; last: string }> {
  const response = await chat({ ...body, stream: true });
  assert.equal(response.status, 200);
  const { data } = await readSse(response);
  const last = data.at(-1) ?? '';
  return { chunks: data.slice(0, -1).map((text) => JSON.parse(text) as Chunk), response, last };
}

describe('POST /v1/chat/completions (whole)', () => {
  test('answers with a chat.completion object and OpenAI-style headers', async () => {
    const response = await chat({ messages: user('Hello there') });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]+$/);
    assert.match(response.headers.get('openai-processing-ms') ?? '', /^\d+$/);
    const body = (await response.json()) as Record<string, unknown> & {
      choices: Array<{ message: Record<string, unknown> }>;
      usage: Record<string, number>;
    };
    assert.match(body.id as string, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'emulator-chat');
    assert.ok(Number.isInteger(body.created));
    assert.equal(body.choices.length, 1);
    const [choice] = body.choices;
    assert.deepEqual(Object.keys(choice ?? {}).sort(), ['finish_reason', 'index', 'logprobs', 'message']);
    assert.equal(choice?.message.role, 'assistant');
    assert.equal(typeof choice?.message.content, 'string');
    assert.equal(choice?.message.refusal, null);
    assert.equal(
      body.usage.total_tokens,
      (body.usage.prompt_tokens ?? 0) + (body.usage.completion_tokens ?? 0),
    );
  });

  test('serves any model name and echoes it back', async () => {
    const response = await chat({ model: 'made-up-model-7b', messages: user('hi') });
    assert.equal(((await response.json()) as { model: string }).model, 'made-up-model-7b');
  });

  test('max_completion_tokens cuts with finish_reason length; stop cuts with stop', async () => {
    const cut = (await (
      await chat({ messages: user('[[emulator:tokens=30]]'), max_completion_tokens: 5 })
    ).json()) as { choices: Array<{ finish_reason: string }>; usage: { completion_tokens: number } };
    assert.equal(cut.choices[0]?.finish_reason, 'length');
    assert.equal(cut.usage.completion_tokens, 5);
    const stopped = (await (
      await chat({ messages: user('[[emulator:echo]] red green blue'), stop: ' blue' })
    ).json()) as { choices: Array<{ finish_reason: string; message: { content: string } }> };
    assert.equal(stopped.choices[0]?.message.content, 'red green');
    assert.equal(stopped.choices[0]?.finish_reason, 'stop');
  });

  test('tool calls come back as message.tool_calls with finish_reason tool_calls', async () => {
    const response = await chat({
      messages: user('What is the weather in Paris?'),
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    const body = (await response.json()) as {
      choices: Array<{
        finish_reason: string;
        message: { content: null; tool_calls: Array<Record<string, unknown>> };
      }>;
    };
    const [choice] = body.choices;
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    const call = choice?.message.tool_calls[0] as {
      id: string;
      type: string;
      function: { name: string; arguments: string };
    };
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'example city' });
  });

  test('reasoning tokens are reported in completion_tokens_details', async () => {
    const body = (await (
      await chat({ messages: user('[[emulator:reasoning]] [[emulator:tokens=3]]') })
    ).json()) as {
      usage: { completion_tokens: number; completion_tokens_details: { reasoning_tokens: number } };
    };
    const reasoning = body.usage.completion_tokens_details.reasoning_tokens;
    assert.ok(reasoning > 0);
    assert.equal(body.usage.completion_tokens, reasoning + 3);
  });
});

describe('POST /v1/chat/completions (stream)', () => {
  test('chunks follow the chat.completion.chunk shape, one per token, then [DONE]', async () => {
    const prompt = user('Tell me something [[emulator:tokens=6]]');
    const { chunks, response, last } = await streamChunks({ messages: prompt });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.ok(response.headers.get('x-request-id'));
    assert.equal(last, '[DONE]');
    assert.equal(chunks.length, 1 + 6 + 1);
    const first = chunks[0] as Chunk;
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, first.id);
      assert.equal(chunk.created, first.created);
      assert.equal(chunk.model, 'emulator-chat');
      assert.equal(chunk.choices.length, 1);
      assert.equal(chunk.choices[0]?.index, 0);
      assert.equal(chunk.choices[0]?.logprobs, null);
      assert.ok(!('usage' in chunk), 'no usage field without include_usage');
    }
    assert.deepEqual(first.choices[0]?.delta, { role: 'assistant', content: '', refusal: null });
    const tokens = chunks.slice(1, -1);
    for (const chunk of tokens) {
      assert.deepEqual(Object.keys(chunk.choices[0]?.delta ?? {}), ['content']);
      assert.equal(chunk.choices[0]?.finish_reason, null);
    }
    assert.deepEqual(chunks.at(-1)?.choices[0]?.delta, {});
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
    const whole = (await (await chat({ messages: prompt })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    assert.equal(
      tokens.map((chunk) => chunk.choices[0]?.delta.content).join(''),
      whole.choices[0]?.message.content,
    );
  });

  test('include_usage: usage null on every chunk, then a last chunk with no choices and the usage', async () => {
    const { chunks, last } = await streamChunks({
      messages: user('count [[emulator:tokens=4]]'),
      stream_options: { include_usage: true },
    });
    assert.equal(last, '[DONE]');
    const usageChunk = chunks.at(-1) as Chunk;
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    assert.deepEqual(usageChunk.choices, []);
    const usage = usageChunk.usage as {
      prompt_tokens: number;
      completion_tokens: number;
      total_tokens: number;
    };
    assert.equal(usage.completion_tokens, 4);
    assert.ok(usage.prompt_tokens > 0);
    assert.equal(usage.total_tokens, usage.prompt_tokens + 4);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
  });

  test('tool calls stream as a start delta (id, type, name, empty arguments) then argument fragments', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'find_order',
          parameters: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        },
      },
      {
        type: 'function',
        function: {
          name: 'find_customer',
          parameters: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
        },
      },
    ];
    const { chunks } = await streamChunks({ messages: user('Look it up [[emulator:parallel]]'), tools });
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: null, refusal: null });
    const deltas = chunks.slice(1, -1).map((chunk) => {
      const toolCalls = chunk.choices[0]?.delta.tool_calls as Array<Record<string, unknown>> | undefined;
      assert.equal(toolCalls?.length, 1, 'one tool-call delta per chunk');
      return toolCalls?.[0] ?? {};
    });
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    for (const delta of deltas) {
      const fn = delta.function as { name?: string; arguments: string };
      if ('id' in delta) {
        assert.equal(delta.index, calls.length);
        assert.equal(delta.type, 'function');
        assert.equal(fn.arguments, '');
        calls.push({ id: delta.id as string, name: fn.name as string, arguments: '' });
      } else {
        assert.deepEqual(Object.keys(delta).sort(), ['function', 'index']);
        assert.deepEqual(Object.keys(fn), ['arguments']);
        const call = calls[delta.index as number];
        assert.ok(call, 'argument fragment for a started call');
        call.arguments += fn.arguments;
      }
    }
    assert.deepEqual(
      calls.map((call) => call.name),
      ['find_order', 'find_customer'],
    );
    assert.deepEqual(JSON.parse(calls[0]?.arguments ?? ''), { id: 1 });
    assert.deepEqual(JSON.parse(calls[1]?.arguments ?? ''), { email: 'user@example.com' });
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  });

  test('tokensPerSecond paces the chunks and ttftMs delays the first one', async () => {
    const paced = await startEmulator({ ttftMs: 60, tokensPerSecond: 100 });
    try {
      const started = performance.now();
      const response = await postJson(`${paced.url}/v1/chat/completions`, {
        model: 'm',
        stream: true,
        messages: user('[[emulator:tokens=11]]'),
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      const firstChunkMs = performance.now() - started;
      while (!(await reader.read()).done) {
        // drain
      }
      const totalMs = performance.now() - started;
      assert.ok(firstChunkMs >= 55, `first chunk after ${firstChunkMs} ms`);
      // 60 ms to the first token, then 10 intervals of 10 ms.
      assert.ok(totalMs >= 150, `stream took ${totalMs} ms`);
    } finally {
      await paced.close();
    }
  });

  test('a client that disconnects stops the stream: counted as aborted, never completed', async () => {
    const slow = await startEmulator({ tokensPerSecond: 20 });
    try {
      const controller = new AbortController();
      const response = await postJson(
        `${slow.url}/v1/chat/completions`,
        { model: 'm', stream: true, messages: user('[[emulator:tokens=200]]') },
        {},
        controller.signal,
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      controller.abort();
      await eventually(() => slow.stats().aborted === 1);
      assert.equal(slow.stats().completed, 0);
    } finally {
      await slow.close();
    }
  });
});
