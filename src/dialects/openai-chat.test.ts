import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import { openaiChat } from './openai-chat.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/openai/${name}`, import.meta.url), 'utf8'));
}

describe('openaiChat dialect', () => {
  it('serves an OpenAI client from an OpenAI upstream end to end', () => {
    const request = openaiChat.decodeRequest(fixture('chat-simple.request.json'));
    const upstreamBody = openaiChat.encodeRequest(request, 'gpt-4o-2024-08-06');
    assert.equal(upstreamBody.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(upstreamBody.messages, fixture('chat-simple.request.json').messages);
    const response = openaiChat.decodeResponse(fixture('chat-simple.response.json'));
    const body = openaiChat.encodeResponse(response, request, { request_id: 'req_1' });
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.system_fingerprint, 'fp_fc9f1d7035');
    assert.deepEqual(body.switchyard, { request_id: 'req_1' });
    const choice = (body.choices as Array<{ message: { content: string } }>)[0];
    assert.equal(choice?.message.content, 'Hello! How can I assist you today?');
  });

  it('streams through decoder and encoder unchanged for an OpenAI client', () => {
    const chunks = (
      JSON.parse(
        readFileSync(new URL('./fixtures/openai/stream-tools.json', import.meta.url), 'utf8'),
      ) as unknown[]
    ).map((chunk) => JSON.stringify(chunk));
    const request = openaiChat.decodeRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
    });
    const decoder = openaiChat.createStreamDecoder();
    const encoder = openaiChat.createStreamEncoder({ request });
    let sse = '';
    for (const data of [...chunks, '[DONE]']) {
      const frame = decoder.push({ data });
      if (frame) sse += encoder.encode(frame);
    }
    sse += encoder.end();
    assert.equal(sse, `${chunks.map((data) => `data: ${data}\n\n`).join('')}data: [DONE]\n\n`);
  });

  it('names itself and maps errors both ways', () => {
    assert.equal(openaiChat.name, 'openai-chat');
    const upstream = openaiChat.decodeError(
      429,
      { error: { message: 'Slow down', type: 'requests' } },
      { 'retry-after': '2' },
    );
    assert.ok(upstream instanceof GatewayError);
    assert.deepEqual(openaiChat.encodeError(upstream), {
      status: 429,
      body: {
        error: {
          message: 'Upstream error: Slow down',
          type: 'rate_limit_error',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    });
  });
});
