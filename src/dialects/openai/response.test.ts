import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { ChatResponse } from '../../core/ir.ts';
import { decodeChatResponse, encodeChatResponse } from './response.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/openai/${name}`, import.meta.url), 'utf8'));
}

describe('openai-chat decodeResponse', () => {
  it('decodes a text completion with usage and keeps unmodelled fields in extra', () => {
    const response = decodeChatResponse(fixture('chat-simple.response.json'));
    assert.equal(response.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    assert.equal(response.model, 'gpt-4o-2024-08-06');
    assert.equal(response.created, 1741569952);
    assert.deepEqual(response.content, [{ type: 'text', text: 'Hello! How can I assist you today?' }]);
    assert.equal(response.finishReason, 'stop');
    assert.deepEqual(response.usage, {
      inputTokens: 19,
      outputTokens: 10,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    assert.equal(response.extra.system_fingerprint, 'fp_fc9f1d7035');
    assert.equal(response.extra.service_tier, 'default');
    assert.deepEqual(response.extra.message, { annotations: [] });
  });

  it('decodes tool calls, cached and reasoning tokens', () => {
    const response = decodeChatResponse(fixture('chat-tools.response.json'));
    assert.deepEqual(response.content, [
      {
        type: 'tool_call',
        id: 'call_abc123',
        name: 'get_current_weather',
        arguments: '{\n"location": "Tokyo, Japan"\n}',
      },
    ]);
    assert.equal(response.finishReason, 'tool_calls');
    assert.equal(response.usage.inputTokens, 82);
    assert.equal(response.usage.cacheReadTokens, 64);
    assert.equal(response.usage.reasoningTokens, 5);
  });

  it('maps every finish reason, and tool calls reported with "stop"', () => {
    const body = (reason: unknown, extra: Record<string, unknown> = {}) => ({
      id: 'x',
      model: 'm',
      created: 1,
      choices: [{ index: 0, message: { role: 'assistant', content: 'a', ...extra }, finish_reason: reason }],
    });
    assert.equal(decodeChatResponse(body('length')).finishReason, 'length');
    assert.equal(decodeChatResponse(body('content_filter')).finishReason, 'content_filter');
    assert.equal(decodeChatResponse(body('function_call')).finishReason, 'tool_calls');
    assert.equal(decodeChatResponse(body(null)).finishReason, 'stop');
    const call = { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } };
    assert.equal(decodeChatResponse(body('stop', { tool_calls: [call] })).finishReason, 'tool_calls');
  });

  it('reads reasoning_content, refusals and missing usage', () => {
    const response = decodeChatResponse({
      id: 'x',
      model: 'deepseek-reasoner',
      created: 1,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris.', reasoning_content: 'The capital...' },
          finish_reason: 'stop',
        },
      ],
    });
    assert.deepEqual(response.content, [
      { type: 'reasoning', text: 'The capital...' },
      { type: 'text', text: 'Paris.' },
    ]);
    assert.deepEqual(response.usage, {
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    const refused = decodeChatResponse({
      id: 'y',
      model: 'gpt-4o',
      created: 1,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: "I'm sorry, I can't help." },
          finish_reason: 'stop',
        },
      ],
    });
    assert.deepEqual(refused.content, [{ type: 'text', text: "I'm sorry, I can't help." }]);
    assert.deepEqual(refused.extra.message, { refusal: "I'm sorry, I can't help." });
  });

  it('rejects malformed bodies as upstream errors', () => {
    for (const body of [
      'nope',
      {},
      { choices: [] },
      { choices: [{ index: 0 }] },
      { choices: [{ message: { tool_calls: [{}] } }] },
    ]) {
      assert.throws(
        () => decodeChatResponse(body),
        (error: unknown) =>
          error instanceof GatewayError && error.kind === 'upstream_error' && error.status === 502,
      );
    }
    assert.throws(
      () => decodeChatResponse({ error: { message: 'The server had an error', type: 'server_error' } }),
      (error: unknown) => error instanceof GatewayError && /The server had an error/.test(error.message),
    );
  });
});

describe('openai-chat encodeResponse', () => {
  it('round-trips an OpenAI completion, its extra fields included', () => {
    for (const name of ['chat-simple.response.json', 'chat-tools.response.json']) {
      const body = fixture(name);
      const encoded = encodeChatResponse(decodeChatResponse(body));
      const expected = structuredClone(body) as { choices: Array<{ message: Record<string, unknown> }> };
      // Fields OpenAI always sends are filled in when an upstream left them out.
      expected.choices[0]!.message.refusal ??= null;
      assert.deepEqual(withoutUsage(encoded), withoutUsage(expected));
    }
    const usage = encodeChatResponse(decodeChatResponse(fixture('chat-tools.response.json'))).usage;
    assert.deepEqual(usage, {
      prompt_tokens: 82,
      completion_tokens: 17,
      total_tokens: 99,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 5 },
    });
  });

  it('puts a refusal back in its own field', () => {
    const body = {
      id: 'y',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: 'No.' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    };
    const message = (encodeChatResponse(decodeChatResponse(body)).choices as Array<{ message: unknown }>)[0]
      ?.message;
    assert.deepEqual(message, { role: 'assistant', content: null, refusal: 'No.' });
  });

  it('encodes a response of another dialect without its extra, with reasoning and the extension', () => {
    const response: ChatResponse = {
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      created: 1700000000,
      content: [
        { type: 'reasoning', text: 'Let me think.', signature: 'sig' },
        { type: 'text', text: 'Calling ' },
        { type: 'text', text: 'the tool.' },
        { type: 'tool_call', id: 'toolu_1', name: 'lookup', arguments: '{"q":"x"}' },
      ],
      finishReason: 'tool_calls',
      usage: {
        inputTokens: 120,
        outputTokens: 30,
        cacheReadTokens: 100,
        cacheWriteTokens: 10,
        reasoningTokens: 0,
      },
      extra: { container: { id: 'c' } },
      sourceDialect: 'anthropic-messages',
    };
    assert.deepEqual(encodeChatResponse(response, { cost_usd: '0.000123' }), {
      id: 'msg_01',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling the tool.',
            refusal: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
            ],
            reasoning_content: 'Let me think.',
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 30,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 10 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
      switchyard: { cost_usd: '0.000123' },
    });
  });

  it('writes null content when the answer is only tool calls', () => {
    const response: ChatResponse = {
      id: 'r',
      model: 'm',
      created: 1,
      content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      extra: {},
    };
    const choice = (encodeChatResponse(response).choices as Array<{ message: { content: unknown } }>)[0];
    assert.equal(choice?.message.content, null);
  });
});

function withoutUsage(body: Record<string, unknown>): Record<string, unknown> {
  const { usage: _usage, ...rest } = body;
  return rest;
}
