import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, ChatResponse } from '../../core/ir.ts';
import { anthropicMessages, JSON_RESPONSE_TOOL_NAME } from '../anthropic-messages.ts';
import { fixture } from '../fixtures/anthropic/load.ts';

const { decodeResponse, encodeResponse } = anthropicMessages;

const clientRequest = { model: 'chat-default' } as ChatRequest;

function message(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'ok' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
    ...overrides,
  };
}

function irResponse(overrides: Partial<ChatResponse> = {}): ChatResponse {
  return {
    id: 'chatcmpl-123',
    model: 'gpt-4o-2024-08-06',
    created: 1_700_000_000,
    content: [{ type: 'text', text: 'Hello' }],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    extra: {},
    ...overrides,
  };
}

describe('anthropic decodeResponse', () => {
  it('decodes a text answer', () => {
    const response = decodeResponse(fixture('response-text.json'));
    assert.equal(response.id, 'msg_01XFDUDYJgAACzvnptvVoYEL');
    assert.equal(response.model, 'claude-sonnet-4-5-20250929');
    assert.deepEqual(response.content, [
      { type: 'text', text: 'The first train to Harwick leaves at 05:52.' },
    ]);
    assert.equal(response.finishReason, 'stop');
    assert.deepEqual(response.usage, {
      inputTokens: 31,
      outputTokens: 14,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    assert.ok(Math.abs(response.created - Date.now() / 1000) < 5);
  });

  it('decodes tool use as tool calls with JSON arguments', () => {
    const response = decodeResponse(fixture('response-tool-use.json'));
    assert.equal(response.finishReason, 'tool_calls');
    assert.deepEqual(response.content, [
      { type: 'text', text: "I'll check the section status." },
      {
        type: 'tool_call',
        id: 'toolu_01A09q90qw90lq917835lq9',
        name: 'get_section_status',
        arguments: '{"section":"A13"}',
      },
    ]);
  });

  it('decodes thinking with its signature, redacted thinking and thinking tokens', () => {
    const response = decodeResponse(fixture('response-thinking.json'));
    assert.equal(response.content[0]?.type, 'reasoning');
    assert.match((response.content[0] as { signature: string }).signature, /^EqQBCgIYAhIM/);
    assert.deepEqual(response.content[1], {
      type: 'reasoning',
      text: '',
      redactedData: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
    });
    assert.equal(response.usage.reasoningTokens, 198);
  });

  it('counts cached input in inputTokens and keeps the cache split and stop sequence', () => {
    const response = decodeResponse(fixture('response-cache-usage.json'));
    assert.deepEqual(response.usage, {
      inputTokens: 21 + 188 + 1800,
      outputTokens: 393,
      cacheReadTokens: 1800,
      cacheWriteTokens: 188,
      reasoningTokens: 0,
    });
    assert.equal(response.finishReason, 'stop');
    assert.equal(response.stopSequence, '\n\nUser:');
    assert.deepEqual(response.extra, { container: null });
  });

  it('maps every documented stop reason', () => {
    const cases: Array<[string | null, string]> = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['pause_turn', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['refusal', 'content_filter'],
      [null, 'stop'],
    ];
    for (const [stopReason, finish] of cases) {
      assert.equal(
        decodeResponse(message({ stop_reason: stopReason })).finishReason,
        finish,
        String(stopReason),
      );
    }
  });

  it('turns the json_response tool back into JSON text that finishes normally', () => {
    const response = decodeResponse(
      message({
        content: [
          { type: 'tool_use', id: 'toolu_1', name: JSON_RESPONSE_TOOL_NAME, input: { eta: '08:02' } },
        ],
        stop_reason: 'tool_use',
      }),
    );
    assert.deepEqual(response.content, [{ type: 'text', text: '{"eta":"08:02"}' }]);
    assert.equal(response.finishReason, 'stop');
  });

  it('leaves out server-tool blocks the IR cannot express', () => {
    const response = decodeResponse(
      message({
        content: [
          { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'timetable' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
          { type: 'text', text: 'Found it.' },
        ],
      }),
    );
    assert.deepEqual(response.content, [{ type: 'text', text: 'Found it.' }]);
  });

  it('rejects a body that is not a message', () => {
    assert.throws(
      () => decodeResponse({ type: 'error' }),
      (error: unknown) => error instanceof GatewayError && error.kind === 'upstream_error',
    );
  });
});

describe('anthropic encodeResponse', () => {
  it('writes an Anthropic message for the client, echoing its model name', () => {
    const body = encodeResponse(irResponse(), clientRequest);
    assert.deepEqual(body, {
      id: 'msg_chatcmpl-123',
      type: 'message',
      role: 'assistant',
      model: 'chat-default',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 2,
      },
    });
  });

  it('keeps an id that is already a message id and adds the extension under switchyard', () => {
    const body = encodeResponse(irResponse({ id: 'msg_abc' }), clientRequest, { cost_usd: '0.000123' });
    assert.equal(body.id, 'msg_abc');
    assert.deepEqual(body.switchyard, { cost_usd: '0.000123' });
  });

  it('maps finish reasons back to stop reasons', () => {
    const cases: Array<[ChatResponse['finishReason'], string | undefined, string]> = [
      ['stop', undefined, 'end_turn'],
      ['stop', 'END', 'stop_sequence'],
      ['length', undefined, 'max_tokens'],
      ['tool_calls', undefined, 'tool_use'],
      ['content_filter', undefined, 'refusal'],
    ];
    for (const [finishReason, stopSequence, stopReason] of cases) {
      const response = irResponse(
        stopSequence === undefined ? { finishReason } : { finishReason, stopSequence },
      );
      const body = encodeResponse(response, clientRequest);
      assert.equal(body.stop_reason, stopReason);
      assert.equal(body.stop_sequence, stopSequence ?? null);
    }
  });

  it('splits cached input back out of input_tokens', () => {
    const body = encodeResponse(decodeResponse(fixture('response-cache-usage.json')), clientRequest);
    assert.deepEqual(body.usage, {
      input_tokens: 21,
      cache_creation_input_tokens: 188,
      cache_read_input_tokens: 1800,
      output_tokens: 393,
    });
    assert.equal(body.stop_reason, 'stop_sequence');
    assert.equal(body.stop_sequence, '\n\nUser:');
  });

  it('round-trips thinking blocks with their signatures and tool use', () => {
    for (const name of ['response-thinking.json', 'response-tool-use.json']) {
      const original = fixture(name);
      const body = encodeResponse(decodeResponse(original), clientRequest);
      assert.deepEqual(body.content, original.content, name);
      assert.equal(body.stop_reason, original.stop_reason);
      assert.equal(body.id, original.id);
    }
  });

  it('writes tool calls from another provider as tool_use, with an object input', () => {
    const body = encodeResponse(
      irResponse({
        content: [
          { type: 'reasoning', text: 'unsigned thoughts' },
          { type: 'tool_call', id: 'call_1', name: 'status', arguments: '{"section":"A1"}' },
          { type: 'tool_call', id: 'call_2', name: 'status', arguments: '{"section":' },
        ],
        finishReason: 'tool_calls',
      }),
      clientRequest,
    );
    assert.deepEqual(body.content, [
      { type: 'thinking', thinking: 'unsigned thoughts', signature: '' },
      { type: 'tool_use', id: 'call_1', name: 'status', input: { section: 'A1' } },
      { type: 'tool_use', id: 'call_2', name: 'status', input: {} },
    ]);
  });
});
