import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import { anthropicMessages } from '../anthropic-messages.ts';
import { fixture } from '../fixtures/anthropic/load.ts';

const { decodeRequest } = anthropicMessages;

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'chat-default',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Hi' }],
    ...overrides,
  };
}

describe('anthropic decodeRequest: documented payloads', () => {
  it('decodes a plain request with sampling, stop sequences, metadata and unknown fields', () => {
    const body = fixture('request-basic.json');
    const request = decodeRequest(body);
    assert.equal(request.model, 'claude-sonnet-4-5');
    assert.equal(request.maxOutputTokens, 1024);
    assert.deepEqual(request.system, [
      { type: 'text', text: 'You are a terse assistant for a railway timetable desk.' },
    ]);
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: 'When does the first train to Harwick leave?' }] },
    ]);
    assert.equal(request.temperature, 0.3);
    assert.equal(request.topP, 0.9);
    assert.equal(request.topK, 40);
    assert.deepEqual(request.stop, ['\n\nUser:']);
    assert.equal(request.user, 'desk-operator-17');
    assert.deepEqual(request.extra, { service_tier: 'auto' });
    assert.equal(request.stream, false);
    assert.equal(request.includeUsage, true);
    assert.deepEqual(request.source, { dialect: 'anthropic-messages', body });
  });

  it('decodes tools, cached system blocks, tool turns and keeps server tools aside', () => {
    const request = decodeRequest(fixture('request-tools.json'));
    assert.equal(request.stream, true);
    assert.deepEqual(request.system[1], {
      type: 'text',
      text: 'Track register (long, reused across calls): section A1 to A40 ...',
      cacheControl: { type: 'ephemeral' },
    });
    assert.deepEqual(request.tools, [
      {
        name: 'get_section_status',
        description: 'Current status of one track section.',
        parameters: {
          type: 'object',
          properties: { section: { type: 'string', description: 'Section id, e.g. A12' } },
          required: ['section'],
        },
      },
    ]);
    assert.deepEqual(request.extra.server_tools, [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ]);
    assert.deepEqual(request.toolChoice, { type: 'required' });
    assert.equal(request.parallelToolCalls, false);
    assert.deepEqual(
      request.messages.map((message) => message.role),
      ['user', 'assistant', 'tool', 'user', 'user'],
    );
    assert.deepEqual(request.messages[1]?.content[1], {
      type: 'tool_call',
      id: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
      name: 'get_section_status',
      arguments: '{"section":"A12"}',
    });
    assert.deepEqual(request.messages[2]?.content, [
      {
        type: 'tool_result',
        toolCallId: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
        content: [{ type: 'text', text: 'A12: clear since 06:40' }],
      },
    ]);
    assert.deepEqual(request.messages[3]?.content, [{ type: 'text', text: 'And A13?' }]);
  });

  it('decodes base64 and url images and leaves documents to pass-through', () => {
    const request = decodeRequest(fixture('request-vision.json'));
    const content = request.messages[0]?.content ?? [];
    assert.deepEqual(
      content.map((part) => part.type),
      ['image', 'image', 'text'],
    );
    assert.deepEqual(content[0], {
      type: 'image',
      source: {
        kind: 'base64',
        mediaType: 'image/png',
        data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      },
    });
    assert.deepEqual(content[1], {
      type: 'image',
      source: { kind: 'url', url: 'https://example.com/signal-box.jpg' },
    });
  });

  it('decodes extended thinking: budget, signed and redacted thinking, string tool results', () => {
    const request = decodeRequest(fixture('request-thinking.json'));
    assert.deepEqual(request.reasoning, { budgetTokens: 10000 });
    const assistant = request.messages[1]?.content ?? [];
    assert.equal(assistant[0]?.type, 'reasoning');
    assert.match((assistant[0] as { signature: string }).signature, /^EuYBCkQYAiJA/);
    assert.deepEqual(assistant[1], {
      type: 'reasoning',
      text: '',
      redactedData: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
    });
    assert.deepEqual(request.messages[2], {
      role: 'tool',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'toolu_01CswdEQBMshySk6Y9DFKrfq',
          content: [{ type: 'text', text: '12 minutes' }],
        },
      ],
    });
  });
});

describe('anthropic decodeRequest: accepted variations', () => {
  it('accepts consecutive turns of one role as they are', () => {
    const request = decodeRequest(
      minimal({
        messages: [
          { role: 'user', content: 'one' },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: 'three' },
          { role: 'assistant', content: 'four' },
        ],
      }),
    );
    assert.deepEqual(
      request.messages.map((message) => message.role),
      ['user', 'user', 'assistant', 'assistant'],
    );
  });

  it('maps tool_choice auto, none and a named tool', () => {
    assert.deepEqual(decodeRequest(minimal({ tool_choice: { type: 'auto' } })).toolChoice, { type: 'auto' });
    assert.deepEqual(decodeRequest(minimal({ tool_choice: { type: 'none' } })).toolChoice, { type: 'none' });
    const named = decodeRequest(minimal({ tool_choice: { type: 'tool', name: 'lookup' } }));
    assert.deepEqual(named.toolChoice, { type: 'tool', name: 'lookup' });
    assert.equal(named.parallelToolCalls, undefined);
  });

  it('treats disabled and adaptive thinking as no thinking budget', () => {
    assert.equal(decodeRequest(minimal({ thinking: { type: 'disabled' } })).reasoning, undefined);
    assert.equal(decodeRequest(minimal({ thinking: { type: 'adaptive' } })).reasoning, undefined);
  });

  it('accepts content block types newer than the codec without putting them in the IR', () => {
    const request = decodeRequest(
      minimal({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'search_result', source: 'https://example.com', title: 'x', content: [] },
              { type: 'text', text: 'Summarise.' },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(request.messages[0]?.content, [{ type: 'text', text: 'Summarise.' }]);
  });

  it('keeps the cache TTL of a text block', () => {
    const request = decodeRequest(
      minimal({
        messages: [
          {
            role: 'user',
            content: [{ type: 'text', text: 'ctx', cache_control: { type: 'ephemeral', ttl: '1h' } }],
          },
        ],
      }),
    );
    assert.deepEqual(request.messages[0]?.content[0], {
      type: 'text',
      text: 'ctx',
      cacheControl: { type: 'ephemeral', ttl: '1h' },
    });
  });

  it('marks failed tool results', () => {
    const request = decodeRequest(
      minimal({
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 't1', content: 'boom', is_error: true }],
          },
        ],
      }),
    );
    assert.deepEqual(request.messages[0]?.content[0], {
      type: 'tool_result',
      toolCallId: 't1',
      content: [{ type: 'text', text: 'boom' }],
      isError: true,
    });
  });
});

describe('anthropic decodeRequest: validation', () => {
  const userBlock = (block: Record<string, unknown>) => ({ messages: [{ role: 'user', content: [block] }] });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing model', { model: undefined }, 'model'],
    ['non-string model', { model: 7 }, 'model'],
    ['empty model', { model: ' ' }, 'model'],
    ['missing max_tokens', { max_tokens: undefined }, 'max_tokens'],
    ['zero max_tokens', { max_tokens: 0 }, 'max_tokens'],
    ['fractional max_tokens', { max_tokens: 1.5 }, 'max_tokens'],
    ['string max_tokens', { max_tokens: '100' }, 'max_tokens'],
    ['missing messages', { messages: undefined }, 'messages'],
    ['empty messages', { messages: [] }, 'messages'],
    ['messages not a list', { messages: { role: 'user' } }, 'messages'],
    ['system role in messages', { messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    ['unknown role', { messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
    ['missing content', { messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['numeric content', { messages: [{ role: 'user', content: 3 }] }, 'messages[0].content'],
    ['block without type', userBlock({ text: 'x' }), 'messages[0].content[0].type'],
    ['text block without text', userBlock({ type: 'text' }), 'messages[0].content[0].text'],
    [
      'image with unsupported media type',
      userBlock({ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }),
      'messages[0].content[0].source.media_type',
    ],
    [
      'image with unknown source type',
      userBlock({ type: 'image', source: { type: 'ftp', url: 'x' } }),
      'messages[0].content[0].source.type',
    ],
    [
      'image url source without url',
      userBlock({ type: 'image', source: { type: 'url' } }),
      'messages[0].content[0].source.url',
    ],
    ['image without source', userBlock({ type: 'image' }), 'messages[0].content[0].source'],
    [
      'tool_use input that is not an object',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: '{"a":1}' }] },
        ],
      },
      'messages[1].content[0].input',
    ],
    [
      'tool_result without tool_use_id',
      userBlock({ type: 'tool_result', content: 'x' }),
      'messages[0].content[0].tool_use_id',
    ],
    [
      'tool_result with numeric content',
      userBlock({ type: 'tool_result', tool_use_id: 't', content: 5 }),
      'messages[0].content[0].content',
    ],
    [
      'tool_result with non-boolean is_error',
      userBlock({ type: 'tool_result', tool_use_id: 't', is_error: 'yes' }),
      'messages[0].content[0].is_error',
    ],
    [
      'thinking without signature',
      userBlock({ type: 'thinking', thinking: 'hm' }),
      'messages[0].content[0].signature',
    ],
    [
      'redacted_thinking without data',
      userBlock({ type: 'redacted_thinking' }),
      'messages[0].content[0].data',
    ],
    [
      'cache_control of another type',
      userBlock({ type: 'text', text: 'x', cache_control: { type: 'persistent' } }),
      'messages[0].content[0].cache_control.type',
    ],
    [
      'cache_control with an unknown ttl',
      userBlock({ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '2h' } }),
      'messages[0].content[0].cache_control.ttl',
    ],
    ['numeric system', { system: 5 }, 'system'],
    ['system block that is not text', { system: [{ type: 'image', source: {} }] }, 'system[0].type'],
    ['tools not a list', { tools: { name: 'x' } }, 'tools'],
    ['tool without input_schema', { tools: [{ name: 'lookup' }] }, 'tools[0].input_schema'],
    ['tool without name', { tools: [{ input_schema: { type: 'object' } }] }, 'tools[0].name'],
    [
      'duplicate tool names',
      {
        tools: [
          { name: 'lookup', input_schema: { type: 'object' } },
          { name: 'lookup', input_schema: { type: 'object' } },
        ],
      },
      'tools',
    ],
    ['OpenAI-style tool_choice', { tool_choice: 'required' }, 'tool_choice'],
    ['unknown tool_choice type', { tool_choice: { type: 'required' } }, 'tool_choice.type'],
    ['named tool_choice without name', { tool_choice: { type: 'tool' } }, 'tool_choice.name'],
    ['temperature above 1', { temperature: 1.5 }, 'temperature'],
    ['negative temperature', { temperature: -0.1 }, 'temperature'],
    ['non-numeric top_p', { top_p: 'high' }, 'top_p'],
    ['negative top_k', { top_k: -1 }, 'top_k'],
    ['non-string stop sequence', { stop_sequences: ['ok', 4] }, 'stop_sequences[1]'],
    ['non-boolean stream', { stream: 'yes' }, 'stream'],
    ['non-string metadata.user_id', { metadata: { user_id: 42 } }, 'metadata.user_id'],
    ['unknown thinking type', { thinking: { type: 'on' } }, 'thinking.type'],
    [
      'thinking budget below 1024',
      { thinking: { type: 'enabled', budget_tokens: 500 } },
      'thinking.budget_tokens',
    ],
    [
      'thinking budget not below max_tokens',
      { max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 2048 } },
      'thinking.budget_tokens',
    ],
    ['enabled thinking without budget', { thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
  ];

  for (const [name, overrides, param] of cases) {
    it(`rejects ${name} with a 400 naming ${param}`, () => {
      assert.throws(
        () => decodeRequest(minimal(overrides)),
        (error: unknown) => {
          assert.ok(error instanceof GatewayError);
          assert.equal(error.kind, 'invalid_request');
          assert.equal(error.status, 400);
          assert.equal(error.param, param);
          assert.ok(error.message.startsWith(`${param}: `), error.message);
          return true;
        },
      );
    });
  }

  it('rejects a body that is not an object', () => {
    for (const body of [null, 'text', [minimal()]]) {
      assert.throws(() => decodeRequest(body), { kind: 'invalid_request', status: 400 });
    }
  });

  it("speaks Anthropic's words for a missing field and a bad enum", () => {
    assert.throws(() => decodeRequest(minimal({ max_tokens: undefined })), {
      message: 'max_tokens: Field required',
    });
    assert.throws(() => decodeRequest(minimal({ tool_choice: { type: 'x' } })), {
      message: "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'",
    });
  });
});
