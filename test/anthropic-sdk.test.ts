// The official Anthropic SDK against the gateway's /v1/messages, served by an OpenAI-dialect
// upstream (the in-process emulator): every request and stream is translated both ways.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('Anthropic SDK via an OpenAI-dialect upstream', () => {
  let gateway: TestGateway;
  let client: Anthropic;

  before(async () => {
    gateway = await startTestGateway();
    client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.clientKey, maxRetries: 0 });
  });
  after(() => gateway.close());

  test('messages.create returns an Anthropic message with usage', async () => {
    const message = await client.messages.create({
      model: 'chat-default',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Hello [[emulator:tokens=12]]' }],
    });
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.content[0]?.type, 'text');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 12);
    assert.ok(message.usage.input_tokens > 0);
  });

  test('max_tokens reached is reported as stop_reason max_tokens', async () => {
    const message = await client.messages.create({
      model: 'chat-default',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Talk a lot [[emulator:tokens=50]]' }],
    });
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 5);
  });

  test('messages.stream().finalMessage() assembles the translated stream', async () => {
    const stream = client.messages.stream({
      model: 'chat-default',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Stream to me [[emulator:tokens=15]]' }],
    });
    let deltas = 0;
    stream.on('text', () => deltas++);
    const message = await stream.finalMessage();
    assert.ok(deltas > 1, 'text arrived in several deltas');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 15);
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    assert.ok(text.length > 0);
  });

  test('tools round trip: tool_use, then tool_result, then an answer', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_stock_price',
        description: 'Latest price for a ticker',
        input_schema: { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] },
      },
    ];
    const first = await client.messages.create({
      model: 'chat-default',
      max_tokens: 256,
      tools,
      messages: [{ role: 'user', content: 'What is ACME trading at?' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    assert.ok(toolUse && toolUse.type === 'tool_use');
    assert.equal(toolUse.name, 'get_stock_price');
    assert.equal(typeof (toolUse.input as { ticker: unknown }).ticker, 'string');

    const second = await client.messages.create({
      model: 'chat-default',
      max_tokens: 256,
      tools,
      messages: [
        { role: 'user', content: 'What is ACME trading at?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '123.45 USD' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    const text = second.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    assert.match(text, /123\.45 USD/);
  });

  test('streamed tool use arrives as input_json deltas the SDK assembles', async () => {
    const message = await client.messages
      .stream({
        model: 'chat-default',
        max_tokens: 256,
        tools: [
          {
            name: 'lookup',
            input_schema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
          },
        ],
        messages: [{ role: 'user', content: 'Find record' }],
      })
      .finalMessage();
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    assert.ok(toolUse && toolUse.type === 'tool_use');
    assert.ok(Number.isInteger((toolUse.input as { id: unknown }).id));
  });

  test('image input (base64) is accepted and translated', async () => {
    const message = await client.messages.create({
      model: 'chat-default',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
            { type: 'text', text: 'Describe this image' },
          ],
        },
      ],
    });
    assert.equal(message.content[0]?.type, 'text');
    assert.ok(message.usage.input_tokens > 0);
  });

  test('errors come back in the Anthropic error shape', async () => {
    await assert.rejects(
      client.messages.create({
        model: 'no-such-model',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: InstanceType<typeof Anthropic.APIError>) => {
        assert.equal(error.status, 404);
        assert.equal(
          (error.error as { type: string; error: { type: string } }).error.type,
          'not_found_error',
        );
        return true;
      },
    );
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': gateway.clientKey,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /max_tokens/);
  });

  test('a wrong key is a 401 authentication_error', async () => {
    const bad = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-sy-wrong', maxRetries: 0 });
    await assert.rejects(
      bad.messages.create({
        model: 'chat-default',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: InstanceType<typeof Anthropic.APIError>) => error.status === 401,
    );
  });

  test('count_tokens counts the prompt', async () => {
    const short = await client.messages.countTokens({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const long = await client.messages.countTokens({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'hi '.repeat(200) }],
    });
    assert.ok(short.input_tokens > 0);
    assert.ok(long.input_tokens > short.input_tokens + 150);
  });
});
