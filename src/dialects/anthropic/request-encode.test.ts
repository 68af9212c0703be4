import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, Message } from '../../core/ir.ts';
import {
  anthropicMessages,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  JSON_OBJECT_INSTRUCTION,
  JSON_RESPONSE_TOOL_NAME,
  LEADING_USER_TURN_TEXT,
} from '../anthropic-messages.ts';
import { fixture } from '../fixtures/anthropic/load.ts';

const { decodeRequest, encodeRequest } = anthropicMessages;
const UPSTREAM = 'claude-sonnet-4-5-20250929';

/** An IR request as the OpenAI dialect would produce it. */
function fromOpenAi(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'chat-default',
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    stream: false,
    includeUsage: false,
    extra: {},
    source: { dialect: 'openai-chat', body: {} },
    ...overrides,
  };
}

type Turn = { role: string; content: Array<Record<string, unknown>> };
const turns = (body: Record<string, unknown>): Turn[] => body.messages as Turn[];

function assertAlternates(body: Record<string, unknown>): void {
  const roles = turns(body).map((turn) => turn.role);
  assert.equal(roles[0], 'user');
  roles.forEach((role, index) => {
    if (index > 0) assert.notEqual(role, roles[index - 1], `turns ${index - 1} and ${index} share a role`);
  });
}

describe('anthropic encodeRequest: same dialect', () => {
  it('sends the client body untouched except for the model', () => {
    const body = fixture('request-tools.json');
    const encoded = encodeRequest(decodeRequest(body), UPSTREAM);
    assert.deepEqual(encoded, { ...body, model: UPSTREAM });
    assert.notEqual(encoded, body);
    assert.equal(body.model, 'claude-sonnet-4-5');
  });
});

describe('anthropic encodeRequest: from another dialect', () => {
  it('turns an OpenAI conversation into alternating Anthropic turns', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Status of A12 and A13?' }] },
      { role: 'user', content: [{ type: 'text', text: 'Quickly.' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: '' },
          { type: 'tool_call', id: 'call_1', name: 'status', arguments: '{"section":"A12"}' },
          { type: 'tool_call', id: 'call_2', name: 'status', arguments: '{"section":"A13"}' },
        ],
      },
      {
        role: 'tool',
        content: [{ type: 'tool_result', toolCallId: 'call_1', content: [{ type: 'text', text: 'clear' }] }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'call_2',
            content: [{ type: 'text', text: 'blocked' }],
            isError: true,
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks, summarise.' }] },
    ];
    const body = encodeRequest(
      fromOpenAi({ system: [{ type: 'text', text: 'Be brief.' }], messages }),
      UPSTREAM,
    );
    assert.equal(body.model, UPSTREAM);
    assert.equal(body.system, 'Be brief.');
    assertAlternates(body);
    assert.deepEqual(turns(body), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Status of A12 and A13?' },
          { type: 'text', text: 'Quickly.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'status', input: { section: 'A12' } },
          { type: 'tool_use', id: 'call_2', name: 'status', input: { section: 'A13' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'clear' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'blocked', is_error: true },
          { type: 'text', text: 'Thanks, summarise.' },
        ],
      },
    ]);
  });

  it('puts tool results before other blocks of the same user turn', () => {
    const body = encodeRequest(
      fromOpenAi({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'go' }] },
          { role: 'assistant', content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] },
          { role: 'user', content: [{ type: 'text', text: 'note first' }] },
          { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'c', content: [] }] },
        ],
      }),
      UPSTREAM,
    );
    assert.deepEqual(turns(body)[2]?.content, [
      { type: 'tool_result', tool_use_id: 'c' },
      { type: 'text', text: 'note first' },
    ]);
  });

  it('opens with a minimal user turn when the conversation does not', () => {
    const body = encodeRequest(
      fromOpenAi({ messages: [{ role: 'assistant', content: [{ type: 'text', text: 'How can I help?' }] }] }),
      UPSTREAM,
    );
    assert.deepEqual(turns(body)[0], {
      role: 'user',
      content: [{ type: 'text', text: LEADING_USER_TURN_TEXT }],
    });
    assert.equal(turns(body)[1]?.role, 'assistant');
    const systemOnly = encodeRequest(
      fromOpenAi({ system: [{ type: 'text', text: 'Say hi.' }], messages: [] }),
      UPSTREAM,
    );
    assert.deepEqual(turns(systemOnly), [
      { role: 'user', content: [{ type: 'text', text: LEADING_USER_TURN_TEXT }] },
    ]);
  });

  it('sends url, base64 and data-URL images in the shapes Anthropic takes', () => {
    const body = encodeRequest(
      fromOpenAi({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' }, detail: 'high' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
              { type: 'image', source: { kind: 'url', url: 'data:image/webp;base64,UklGRg==' } },
            ],
          },
        ],
      }),
      UPSTREAM,
    );
    assert.deepEqual(turns(body)[0]?.content, [
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklGRg==' } },
    ]);
  });

  it('rejects tool-call arguments that are not a JSON object, naming the message', () => {
    for (const bad of ['{"section": ', '[1,2]']) {
      const request = fromOpenAi({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'go' }] },
          {
            role: 'assistant',
            content: [{ type: 'tool_call', id: 'call_9', name: 'status', arguments: bad }],
          },
        ],
      });
      assert.throws(
        () => encodeRequest(request, UPSTREAM),
        (error: unknown) =>
          error instanceof GatewayError &&
          error.kind === 'invalid_request' &&
          error.param === 'messages[1]' &&
          error.message.includes('call_9'),
      );
    }
  });

  it('sends a tool call without arguments as an empty input', () => {
    const body = encodeRequest(
      fromOpenAi({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'time?' }] },
          { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'now', arguments: '' }] },
        ],
      }),
      UPSTREAM,
    );
    assert.deepEqual(turns(body)[1]?.content[0]?.input, {});
  });

  it('maps tool choices and parallel tool calls', () => {
    const tools = [
      { name: 'status', description: 'Track status', parameters: { type: 'object', properties: {} } },
    ];
    const choice = (overrides: Partial<ChatRequest>) =>
      encodeRequest(fromOpenAi({ tools, ...overrides }), UPSTREAM).tool_choice;
    assert.deepEqual(choice({ toolChoice: { type: 'required' } }), { type: 'any' });
    assert.deepEqual(choice({ toolChoice: { type: 'tool', name: 'status' } }), {
      type: 'tool',
      name: 'status',
    });
    assert.deepEqual(choice({ toolChoice: { type: 'none' } }), { type: 'none' });
    assert.deepEqual(choice({ toolChoice: { type: 'auto' } }), { type: 'auto' });
    assert.equal(choice({}), undefined);
    assert.deepEqual(choice({ parallelToolCalls: false }), { type: 'auto', disable_parallel_tool_use: true });
    assert.deepEqual(choice({ toolChoice: { type: 'required' }, parallelToolCalls: false }), {
      type: 'any',
      disable_parallel_tool_use: true,
    });
    const body = encodeRequest(fromOpenAi({ tools }), UPSTREAM);
    assert.deepEqual(body.tools, [
      { name: 'status', description: 'Track status', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it('gives a tool without a schema type an object schema', () => {
    const body = encodeRequest(fromOpenAi({ tools: [{ name: 'ping', parameters: {} }] }), UPSTREAM);
    assert.deepEqual(body.tools, [{ name: 'ping', input_schema: { type: 'object', properties: {} } }]);
  });

  it('maps sampling and limits, clamps temperature and leaves out what Anthropic lacks', () => {
    const body = encodeRequest(
      fromOpenAi({
        maxOutputTokens: 300,
        temperature: 1.7,
        topP: 0.8,
        stop: ['END'],
        seed: 42,
        frequencyPenalty: 0.5,
        presencePenalty: 0.2,
        user: 'u-1',
        stream: true,
      }),
      UPSTREAM,
    );
    assert.equal(body.max_tokens, 300);
    assert.equal(body.temperature, 1);
    assert.equal(body.top_p, 0.8);
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.deepEqual(body.metadata, { user_id: 'u-1' });
    assert.equal(body.stream, true);
    for (const absent of ['seed', 'frequency_penalty', 'presence_penalty'])
      assert.equal(body[absent], undefined);
    assert.equal(encodeRequest(fromOpenAi(), UPSTREAM).max_tokens, DEFAULT_ANTHROPIC_MAX_TOKENS);
  });

  it('turns reasoning effort into a thinking budget below max_tokens', () => {
    const high = encodeRequest(
      fromOpenAi({ reasoning: { effort: 'high' }, temperature: 0.2, topK: 5 }),
      UPSTREAM,
    );
    assert.deepEqual(high.thinking, { type: 'enabled', budget_tokens: 16384 });
    assert.equal(high.max_tokens, 16384 + DEFAULT_ANTHROPIC_MAX_TOKENS);
    assert.equal(high.temperature, undefined);
    assert.equal(high.top_k, undefined);
    const medium = encodeRequest(
      fromOpenAi({ reasoning: { effort: 'medium' }, maxOutputTokens: 8000 }),
      UPSTREAM,
    );
    assert.deepEqual(medium.thinking, { type: 'enabled', budget_tokens: 4096 });
    assert.equal(medium.max_tokens, 8000);
    const low = encodeRequest(fromOpenAi({ reasoning: { effort: 'minimal' } }), UPSTREAM);
    assert.deepEqual(low.thinking, { type: 'enabled', budget_tokens: 1024 });
    const budget = encodeRequest(
      fromOpenAi({ reasoning: { budgetTokens: 300 }, maxOutputTokens: 5000 }),
      UPSTREAM,
    );
    assert.deepEqual(budget.thinking, { type: 'enabled', budget_tokens: 1024 });
  });

  it('answers a JSON schema through the forced json_response tool', () => {
    const schema = { type: 'object', properties: { eta: { type: 'string' } }, required: ['eta'] };
    const body = encodeRequest(
      fromOpenAi({ responseFormat: { type: 'json_schema', name: 'eta', schema } }),
      UPSTREAM,
    );
    const tools = body.tools as Array<Record<string, unknown>>;
    assert.equal(tools.length, 1);
    assert.equal(tools[0]?.name, JSON_RESPONSE_TOOL_NAME);
    assert.deepEqual(tools[0]?.input_schema, schema);
    assert.deepEqual(body.tool_choice, { type: 'tool', name: JSON_RESPONSE_TOOL_NAME });

    const withTools = encodeRequest(
      fromOpenAi({
        tools: [{ name: 'status', parameters: { type: 'object' } }],
        responseFormat: { type: 'json_schema', name: 'eta', schema },
      }),
      UPSTREAM,
    );
    assert.deepEqual(
      (withTools.tools as Array<Record<string, unknown>>).map((tool) => tool.name),
      ['status', JSON_RESPONSE_TOOL_NAME],
    );
    assert.deepEqual(withTools.tool_choice, { type: 'any' });

    const thinking = encodeRequest(
      fromOpenAi({
        reasoning: { effort: 'low' },
        responseFormat: { type: 'json_schema', name: 'eta', schema },
      }),
      UPSTREAM,
    );
    assert.equal(thinking.tool_choice, undefined);
    assert.match(String(thinking.system), new RegExp(JSON_RESPONSE_TOOL_NAME));
  });

  it('asks for a JSON object in the system prompt', () => {
    const body = encodeRequest(
      fromOpenAi({ system: [{ type: 'text', text: 'Be brief.' }], responseFormat: { type: 'json_object' } }),
      UPSTREAM,
    );
    assert.deepEqual(body.system, [
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: JSON_OBJECT_INSTRUCTION },
    ]);
  });

  it('keeps cache markers on system blocks', () => {
    const body = encodeRequest(
      fromOpenAi({ system: [{ type: 'text', text: 'Long register', cacheControl: { type: 'ephemeral' } }] }),
      UPSTREAM,
    );
    assert.deepEqual(body.system, [
      { type: 'text', text: 'Long register', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('sends back signed and redacted thinking, and drops unsigned reasoning', () => {
    const decoded = decodeRequest(fixture('request-thinking.json'));
    const crossDialect = { ...decoded, source: { dialect: 'openai-chat' as const, body: {} } };
    const body = encodeRequest(crossDialect, UPSTREAM);
    const original = (fixture('request-thinking.json').messages as Turn[])[1];
    assert.deepEqual(turns(body)[1], original);
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 10000 });

    const unsigned = encodeRequest(
      fromOpenAi({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'reasoning from another provider' },
              { type: 'text', text: 'a' },
            ],
          },
        ],
      }),
      UPSTREAM,
    );
    assert.deepEqual(turns(unsigned)[1]?.content, [{ type: 'text', text: 'a' }]);
  });

  it('sends tool results with images as blocks', () => {
    const body = encodeRequest(
      fromOpenAi({
        messages: [
          {
            role: 'tool',
            content: [
              {
                type: 'tool_result',
                toolCallId: 't',
                content: [
                  { type: 'text', text: 'chart:' },
                  { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBO' } },
                ],
              },
            ],
          },
        ],
      }),
      UPSTREAM,
    );
    assert.deepEqual(turns(body)[0]?.content[0], {
      type: 'tool_result',
      tool_use_id: 't',
      content: [
        { type: 'text', text: 'chart:' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } },
      ],
    });
  });
});
