import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../core/ir.ts';
import { decodeChatRequest } from './decode-request.ts';
import { encodeChatRequest } from './encode-request.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/openai/${name}`, import.meta.url), 'utf8'));
}

/** An IR request as another dialect (Anthropic Messages) would produce it. */
function foreign(overrides: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'chat-default',
    system: [],
    messages: [],
    stream: false,
    includeUsage: false,
    extra: {},
    source: { dialect: 'anthropic-messages', body: {} },
    ...overrides,
  };
}

/** Re-encodes an OpenAI body through the IR as if it came from another dialect. */
function throughIr(body: Record<string, unknown>, model = 'upstream-model'): Record<string, unknown> {
  const request = decodeChatRequest(body);
  return encodeChatRequest({ ...request, source: { dialect: 'anthropic-messages', body: {} } }, model);
}

describe('openai-chat encodeRequest: same-dialect pass-through', () => {
  it('forwards the client body as written with the upstream model name', () => {
    const body = fixture('chat-images.request.json');
    const encoded = encodeChatRequest(decodeChatRequest(body), 'gpt-4o-2024-08-06');
    // The input_audio part the IR does not model still reaches the upstream.
    assert.deepEqual(encoded.messages, body.messages);
    assert.deepEqual(encoded, { ...body, model: 'gpt-4o-2024-08-06' });
    assert.equal(body.model, 'gpt-4o', 'the client body is not modified');
  });

  it('asks the upstream for stream usage even when the client did not', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_obfuscation: false },
    };
    const encoded = encodeChatRequest(decodeChatRequest(body), 'up');
    assert.deepEqual(encoded.stream_options, { include_obfuscation: false, include_usage: true });
    assert.deepEqual(body.stream_options, { include_obfuscation: false });
    const unstreamed = encodeChatRequest(decodeChatRequest({ model: 'm', messages: body.messages }), 'up');
    assert.equal(unstreamed.stream_options, undefined);
  });
});

describe('openai-chat encodeRequest: from the IR', () => {
  it('rebuilds a tool conversation with every option mapped', () => {
    const encoded = throughIr(fixture('chat-tools.request.json'));
    assert.deepEqual(encoded, {
      model: 'upstream-model',
      messages: [
        { role: 'system', content: 'You answer weather questions.' },
        { role: 'user', content: 'What is the weather like in Boston and in Paris today?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_boston',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
            },
            {
              id: 'call_paris',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Paris, France"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_boston', content: '{"temperature":22,"unit":"celsius"}' },
        { role: 'tool', tool_call_id: 'call_paris', content: '{"temperature":18,"unit":"celsius"}' },
        { role: 'assistant', content: 'Boston is 22 °C and Paris is 18 °C.' },
        { role: 'user', content: 'And in Tokyo?', name: 'alice' },
      ],
      tools: (fixture('chat-tools.request.json').tools as Array<Record<string, unknown>>).map((tool, i) =>
        i === 1
          ? {
              type: 'function',
              function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
            }
          : tool,
      ),
      tool_choice: 'auto',
      parallel_tool_calls: true,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps sampling, response format and reasoning effort', () => {
    const encoded = throughIr(fixture('chat-json-schema.request.json'));
    assert.equal(encoded.max_completion_tokens, 1000);
    assert.equal(encoded.max_tokens, undefined);
    assert.equal(encoded.reasoning_effort, 'low');
    assert.deepEqual(encoded.stop, ['\n\n', 'END']);
    assert.equal(encoded.seed, 42);
    assert.equal(encoded.top_p, 0.9);
    assert.deepEqual(encoded.response_format, fixture('chat-json-schema.request.json').response_format);
    assert.equal(encoded.metadata, undefined);
    assert.equal(encoded.logprobs, undefined, 'fields of another dialect are not guessed at');
  });

  it('writes images as URLs and base64 sources as data URLs', () => {
    const encoded = throughIr(fixture('chat-images.request.json'));
    const messages = encoded.messages as Array<{ content: unknown }>;
    assert.deepEqual(messages[0]?.content, [
      { type: 'text', text: 'What is in these images?' },
      {
        type: 'image_url',
        image_url: {
          url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
          detail: 'high',
        },
      },
      {
        type: 'image_url',
        image_url: {
          url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
        },
      },
    ]);
  });

  it('moves tool results out of user messages into tool messages placed first', () => {
    const encoded = encodeChatRequest(
      foreign({
        system: [
          { type: 'text', text: 'Be brief.' },
          { type: 'text', text: 'Use metric units.' },
        ],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'I should call the tool.', signature: 'sig' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: '' },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                toolCallId: 'toolu_1',
                content: [
                  { type: 'text', text: 'Station offline' },
                  { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: 'AAAA' } },
                ],
                isError: true,
              },
              { type: 'text', text: 'Try again later then.' },
            ],
          },
        ],
        maxOutputTokens: 1024,
        topK: 40,
        toolChoice: { type: 'tool', name: 'weather' },
        reasoning: { budgetTokens: 2048 },
        metadata: { app: 'x' },
      }),
      'gpt-4o-mini',
    );
    assert.deepEqual(encoded, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.\n\nUse metric units.' },
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Error: Station offline' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
            { type: 'text', text: 'Try again later then.' },
          ],
        },
      ],
      max_completion_tokens: 1024,
      tool_choice: { type: 'function', function: { name: 'weather' } },
    });
  });
});
