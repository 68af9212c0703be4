import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { GatewayError } from '../../core/errors.ts';
import type { ChatResponse, StreamFrame } from '../../core/ir.ts';
import { openaiChat } from '../openai-chat.ts';

/**
 * What the official OpenAI SDK makes of the gateway's output: the encoders' bodies are served to a
 * real client through a fake fetch, so a shape the SDK cannot read fails here.
 */

function clientAnswering(status: number, body: string, contentType: string): OpenAI {
  return new OpenAI({
    apiKey: 'sy-test',
    baseURL: 'http://gateway.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { status, headers: { 'content-type': contentType } }),
  });
}

const messages = [{ role: 'user' as const, content: 'Look it up' }];

describe('official OpenAI SDK reading the gateway', () => {
  it('assembles a stream encoded from another dialect, tool call and usage included', async () => {
    const request = openaiChat.decodeRequest({
      model: 'chat-default',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const encoder = openaiChat.createStreamEncoder({
      request,
      usageExtension: () => ({ cost_usd: '0.0001' }),
    });
    const frames: StreamFrame[] = [
      { events: [{ type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1700000000 }] },
      {
        events: [
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'look.' },
        ],
      },
      { events: [{ type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'lookup' }] },
      { events: [{ type: 'tool_call_delta', index: 0, argumentsDelta: '{"q":' }] },
      {
        events: [
          { type: 'tool_call_delta', index: 0, argumentsDelta: '"x"}' },
          { type: 'tool_call_end', index: 0 },
        ],
      },
      { events: [{ type: 'finish', reason: 'tool_calls' }] },
      {
        events: [
          {
            type: 'usage',
            usage: {
              inputTokens: 10,
              outputTokens: 5,
              cacheReadTokens: 2,
              cacheWriteTokens: 0,
              reasoningTokens: 0,
            },
          },
        ],
      },
    ];
    const sse = frames.map((frame) => encoder.encode(frame)).join('') + encoder.end();
    const client = clientAnswering(200, sse, 'text/event-stream');
    const stream = client.chat.completions.stream({
      model: 'chat-default',
      messages,
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]?.message;
    assert.equal(message?.content, 'Let me look.');
    assert.deepEqual(message?.tool_calls, [
      { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
    ]);
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(completion.usage?.total_tokens, 15);
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 2);
  });

  it('reads a non-streamed response', async () => {
    const response: ChatResponse = {
      id: 'msg_2',
      model: 'claude-sonnet-4-5',
      created: 1700000000,
      content: [{ type: 'text', text: 'Done.' }],
      finishReason: 'length',
      usage: { inputTokens: 3, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      extra: {},
    };
    const request = openaiChat.decodeRequest({ model: 'chat-default', messages });
    const body = JSON.stringify(openaiChat.encodeResponse(response, request));
    const completion = await clientAnswering(200, body, 'application/json').chat.completions.create({
      model: 'chat-default',
      messages,
    });
    assert.equal(completion.choices[0]?.message.content, 'Done.');
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 2);
  });

  it('raises the right error class with param and code', async () => {
    const cases: Array<[GatewayError, new (...args: never[]) => Error]> = [
      [
        new GatewayError('invalid_request', 'messages[1].role must be ...', { param: 'messages[1].role' }),
        OpenAI.BadRequestError,
      ],
      [new GatewayError('authentication', 'Invalid API key'), OpenAI.AuthenticationError],
      [new GatewayError('model_not_found', 'The model "x" does not exist'), OpenAI.NotFoundError],
      [new GatewayError('rate_limited', 'Too many requests'), OpenAI.RateLimitError],
      [new GatewayError('unavailable', 'No healthy target'), OpenAI.InternalServerError],
    ];
    for (const [error, errorClass] of cases) {
      const { status, body } = openaiChat.encodeError(error);
      const client = clientAnswering(status, JSON.stringify(body), 'application/json');
      await assert.rejects(client.chat.completions.create({ model: 'm', messages }), (thrown: unknown) => {
        assert.ok(thrown instanceof errorClass, `${error.kind} -> ${errorClass.name}`);
        assert.ok(thrown instanceof OpenAI.APIError);
        assert.equal(thrown.status, error.status);
        assert.equal(thrown.param ?? undefined, error.param);
        assert.equal(thrown.message.includes(error.message), true);
        return true;
      });
    }
  });
});
