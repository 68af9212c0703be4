import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import { decodeChatRequest } from './decode-request.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/openai/${name}`, import.meta.url), 'utf8'));
}

const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };

describe('openai-chat decodeRequest: documented payloads', () => {
  it('decodes a simple chat: developer text becomes system, sampling and unknown fields are kept', () => {
    const body = fixture('chat-simple.request.json');
    const request = decodeChatRequest(body);
    assert.equal(request.model, 'gpt-4o');
    assert.deepEqual(request.system, [{ type: 'text', text: 'You are a helpful assistant.' }]);
    assert.deepEqual(request.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello!' }] }]);
    assert.equal(request.temperature, 0.7);
    assert.equal(request.maxOutputTokens, 300);
    assert.equal(request.user, 'user-1234');
    assert.equal(request.stream, false);
    assert.equal(request.includeUsage, false);
    assert.deepEqual(request.extra, { store: true, service_tier: 'default' });
    assert.equal(request.source.dialect, 'openai-chat');
    assert.equal(request.source.body, body);
  });

  it('decodes a multi-turn conversation with parallel tool calls and tool results', () => {
    const request = decodeChatRequest(fixture('chat-tools.request.json'));
    assert.deepEqual(request.system, [{ type: 'text', text: 'You answer weather questions.' }]);
    assert.equal(request.messages.length, 6);
    assert.deepEqual(request.messages[1], {
      role: 'assistant',
      content: [
        {
          type: 'tool_call',
          id: 'call_boston',
          name: 'get_current_weather',
          arguments: '{"location":"Boston, MA"}',
        },
        {
          type: 'tool_call',
          id: 'call_paris',
          name: 'get_current_weather',
          arguments: '{"location":"Paris, France"}',
        },
      ],
    });
    assert.deepEqual(request.messages[2], {
      role: 'tool',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'call_boston',
          content: [{ type: 'text', text: '{"temperature":22,"unit":"celsius"}' }],
        },
      ],
    });
    assert.deepEqual(request.messages[3]?.content[0], {
      type: 'tool_result',
      toolCallId: 'call_paris',
      content: [{ type: 'text', text: '{"temperature":18,"unit":"celsius"}' }],
    });
    assert.deepEqual(request.messages[5], {
      role: 'user',
      name: 'alice',
      content: [{ type: 'text', text: 'And in Tokyo?' }],
    });
    assert.equal(request.tools?.length, 2);
    assert.equal(request.tools?.[0]?.name, 'get_current_weather');
    assert.equal(request.tools?.[0]?.description, 'Get the current weather in a given location');
    assert.deepEqual(request.tools?.[0]?.parameters.required, ['location']);
    assert.equal(request.tools?.[0]?.strict, false);
    // A function without parameters takes no arguments.
    assert.deepEqual(request.tools?.[1], {
      name: 'get_time',
      parameters: { type: 'object', properties: {} },
    });
    assert.deepEqual(request.toolChoice, { type: 'auto' });
    assert.equal(request.parallelToolCalls, true);
    assert.equal(request.stream, true);
    assert.equal(request.includeUsage, true);
    assert.deepEqual(request.extra, {});
  });

  it('decodes image URLs and base64 data URLs, and accepts (without modelling) audio parts', () => {
    const request = decodeChatRequest(fixture('chat-images.request.json'));
    const content = request.messages[0]?.content ?? [];
    assert.equal(content.length, 3);
    assert.deepEqual(content[0], { type: 'text', text: 'What is in these images?' });
    assert.equal(content[1]?.type, 'image');
    assert.deepEqual(content[1], {
      type: 'image',
      detail: 'high',
      source: {
        kind: 'url',
        url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
      },
    });
    assert.deepEqual(content[2], {
      type: 'image',
      source: {
        kind: 'base64',
        mediaType: 'image/png',
        data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      },
    });
    // The audio part is still in the body the same-dialect pass-through forwards.
    const sent = request.source.body.messages as Array<{ content: unknown[] }>;
    assert.equal(sent[0]?.content.length, 4);
  });

  it('decodes a json_schema response format and picks max_completion_tokens over max_tokens', () => {
    const request = decodeChatRequest(fixture('chat-json-schema.request.json'));
    assert.deepEqual(request.system, [{ type: 'text', text: 'Extract the event information.' }]);
    assert.equal(request.responseFormat?.type, 'json_schema');
    assert.ok(request.responseFormat?.type === 'json_schema');
    assert.equal(request.responseFormat.name, 'calendar_event');
    assert.equal(request.responseFormat.description, 'A calendar event');
    assert.equal(request.responseFormat.strict, true);
    assert.deepEqual(request.responseFormat.schema.required, ['name', 'date', 'participants']);
    assert.equal(request.maxOutputTokens, 1000);
    assert.deepEqual(request.reasoning, { effort: 'low' });
    assert.deepEqual(request.stop, ['\n\n', 'END']);
    assert.equal(request.seed, 42);
    assert.equal(request.topP, 0.9);
    assert.deepEqual(request.metadata, { team: 'events' });
    assert.deepEqual(request.extra, { logprobs: false });
  });

  it('reads assistant reasoning_content and refusals from echoed history', () => {
    const request = decodeChatRequest({
      model: 'deepseek-reasoner',
      messages: [
        { role: 'user', content: 'Q' },
        {
          role: 'assistant',
          content: 'A',
          reasoning_content: 'thinking...',
          tool_calls: null,
          function_call: null,
        },
        { role: 'assistant', content: null, refusal: "I can't help with that." },
        { role: 'user', content: 'ok' },
      ],
    });
    assert.deepEqual(request.messages[1]?.content, [
      { type: 'reasoning', text: 'thinking...' },
      { type: 'text', text: 'A' },
    ]);
    assert.deepEqual(request.messages[2]?.content, [{ type: 'text', text: "I can't help with that." }]);
  });

  it('treats null optional fields as absent, as SDKs send them', () => {
    const request = decodeChatRequest({
      ...base,
      temperature: null,
      stop: null,
      tools: null,
      stream_options: null,
    });
    assert.equal(request.temperature, undefined);
    assert.equal(request.stop, undefined);
    assert.equal(request.tools, undefined);
  });

  it('maps reasoning efforts beyond the IR to the nearest one', () => {
    assert.deepEqual(decodeChatRequest({ ...base, reasoning_effort: 'xhigh' }).reasoning, { effort: 'high' });
    assert.equal(decodeChatRequest({ ...base, reasoning_effort: 'none' }).reasoning, undefined);
    assert.deepEqual(decodeChatRequest({ ...base, stop: 'END' }).stop, ['END']);
  });
});

describe('openai-chat decodeRequest: validation', () => {
  const cases: Array<[string, unknown, string | undefined, RegExp?]> = [
    ['body not an object', [1, 2], undefined, /JSON object/],
    ['model missing', { messages: base.messages }, 'model', /model is required/],
    ['model empty', { ...base, model: '' }, 'model'],
    ['model not a string', { ...base, model: 4 }, 'model', /model must be a string \(got 4\)/],
    ['messages missing', { model: 'm' }, 'messages', /messages is required/],
    ['messages empty', { model: 'm', messages: [] }, 'messages'],
    ['messages not an array', { model: 'm', messages: 'hi' }, 'messages'],
    ['message not an object', { model: 'm', messages: ['hi'] }, 'messages[0]'],
    [
      'unknown role',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'robot', content: 'x' },
        ],
      },
      'messages[1].role',
      /messages\[1\]\.role must be one of system, developer, user, assistant, tool \(got "robot"\)/,
    ],
    [
      'legacy function role',
      { model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] },
      'messages[0].role',
      /tool/,
    ],
    ['user content missing', { model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content'],
    [
      'user content a number',
      { model: 'm', messages: [{ role: 'user', content: 5 }] },
      'messages[0].content',
    ],
    [
      'content part without type',
      { model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      'messages[0].content[0].type',
    ],
    [
      'text part without text',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'messages[0].content[0].text',
    ],
    [
      'image without url',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages[0].content[0].image_url.url',
    ],
    [
      'image detail unknown',
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'ultra' } }],
          },
        ],
      },
      'messages[0].content[0].image_url.detail',
    ],
    [
      'data URL that is not base64',
      {
        model: 'm',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
    ],
    [
      'system part that is an image',
      {
        model: 'm',
        messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }],
      },
      'messages[0].content[0].type',
    ],
    [
      'tool message without tool_call_id',
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
    ],
    [
      'tool call without function name',
      {
        model: 'm',
        messages: [
          { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }] },
        ],
      },
      'messages[0].tool_calls[0].function.name',
    ],
    [
      'tool call arguments as an object',
      {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }],
          },
        ],
      },
      'messages[0].tool_calls[0].function.arguments',
    ],
    [
      'assistant legacy function_call',
      { model: 'm', messages: [{ role: 'assistant', function_call: { name: 'f', arguments: '{}' } }] },
      'messages[0].function_call',
    ],
    [
      'temperature a string',
      { ...base, temperature: 'hot' },
      'temperature',
      /temperature must be a number between 0 and 2 \(got "hot"\)/,
    ],
    ['temperature above 2', { ...base, temperature: 2.5 }, 'temperature'],
    ['top_p above 1', { ...base, top_p: 1.5 }, 'top_p'],
    ['max_tokens zero', { ...base, max_tokens: 0 }, 'max_tokens', /positive integer/],
    ['max_completion_tokens fractional', { ...base, max_completion_tokens: 10.5 }, 'max_completion_tokens'],
    ['n a string', { ...base, n: '2' }, 'n'],
    ['stop with five sequences', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', /at most 4/],
    ['stop entry a number', { ...base, stop: ['a', 1] }, 'stop[1]'],
    ['stream a string', { ...base, stream: 'yes' }, 'stream', /boolean/],
    ['seed fractional', { ...base, seed: 1.5 }, 'seed'],
    ['tools not an array', { ...base, tools: {} }, 'tools'],
    [
      'tool of another type',
      { ...base, tools: [{ type: 'custom', custom: { name: 'x' } }] },
      'tools[0].type',
    ],
    [
      'tool without name',
      { ...base, tools: [{ type: 'function', function: { description: 'd' } }] },
      'tools[0].function.name',
    ],
    [
      'tool parameters a string',
      { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] },
      'tools[0].function.parameters',
    ],
    ['tool_choice unknown mode', { ...base, tool_choice: 'always' }, 'tool_choice', /auto, none, required/],
    [
      'tool_choice without name',
      { ...base, tool_choice: { type: 'function', function: {} } },
      'tool_choice.function.name',
    ],
    ['response_format unknown type', { ...base, response_format: { type: 'yaml' } }, 'response_format.type'],
    [
      'json_schema without name',
      { ...base, response_format: { type: 'json_schema', json_schema: { schema: {} } } },
      'response_format.json_schema.name',
    ],
    ['reasoning_effort unknown', { ...base, reasoning_effort: 'extreme' }, 'reasoning_effort'],
    ['parallel_tool_calls a string', { ...base, parallel_tool_calls: 'true' }, 'parallel_tool_calls'],
    ['user a number', { ...base, user: 42 }, 'user'],
    ['metadata with a number value', { ...base, metadata: { team: 1 } }, 'metadata.team'],
    ['stream_options a string', { ...base, stream_options: 'usage' }, 'stream_options'],
    [
      'include_usage a string',
      { ...base, stream_options: { include_usage: 'yes' } },
      'stream_options.include_usage',
    ],
    ['legacy functions', { ...base, functions: [{ name: 'f' }] }, 'functions', /tools/],
    ['logit_bias out of range', { ...base, logit_bias: { '50256': 200 } }, 'logit_bias.50256'],
  ];

  for (const [label, body, param, message] of cases) {
    it(`rejects ${label} with a 400 naming ${param ?? 'the body'}`, () => {
      assert.throws(
        () => decodeChatRequest(body),
        (error: unknown) => {
          assert.ok(error instanceof GatewayError);
          assert.equal(error.status, 400);
          assert.equal(error.kind, 'invalid_request');
          assert.equal(error.param, param);
          if (message) assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
