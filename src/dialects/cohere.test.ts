import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import type { ChatRequest, ContentPart, Message } from '../core/ir.ts';
import { cohere } from './cohere.ts';
import {
  assembleStream,
  assistant,
  chatRequest,
  decodeStream,
  eventsOf,
  imageBase64,
  imageUrl,
  loadJsonFixture,
  loadSseFixture,
  toolCall,
  toolMessage,
  user,
} from './testing.ts';

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const timeTool = { name: 'get_time', parameters: { type: 'object', properties: {} } };

function fixture(name: string): unknown {
  return loadJsonFixture('cohere', name);
}

describe('cohere encodeRequest', () => {
  it('sends the model, a leading system message and the turns as Cohere messages', () => {
    const body = cohere.encodeRequest(
      chatRequest({
        system: [
          { type: 'text', text: 'You are terse.' },
          { type: 'text', text: 'Answer in French.' },
        ],
        messages: [user('Hi'), assistant('Bonjour !'), user('Capital of Portugal?')],
        stream: true,
      }),
      'command-a-03-2025',
    );
    assert.deepEqual(body, {
      model: 'command-a-03-2025',
      stream: true,
      messages: [
        { role: 'system', content: 'You are terse.\n\nAnswer in French.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Bonjour !' },
        { role: 'user', content: 'Capital of Portugal?' },
      ],
    });
  });

  it('sends tool calls with their plan, tool results as tool messages, and the tools', () => {
    const body = cohere.encodeRequest(
      chatRequest({
        tools: [weatherTool],
        messages: [
          user('Weather in Toronto and Vancouver?'),
          assistant(
            'I will check both.',
            toolCall('call_1', 'get_weather', { location: 'Toronto' }),
            toolCall('call_2', 'get_weather', { location: 'Vancouver' }),
          ),
          toolMessage('call_1', '{"temperature": 12}'),
          toolMessage('call_2', 'station offline', true),
        ],
      }),
      'command-a-03-2025',
    );
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather in Toronto and Vancouver?' },
      {
        role: 'assistant',
        tool_plan: 'I will check both.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Toronto"}' },
          },
          {
            id: 'call_2',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Vancouver"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 12}' },
      { role: 'tool', tool_call_id: 'call_2', content: 'station offline' },
    ]);
    assert.deepEqual(body.tools, [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: weatherTool.parameters,
        },
      },
    ]);
    assert.equal(body.tool_choice, undefined);
  });

  it('puts tool results found inside a user message (Anthropic style) before the user text', () => {
    const message: Message = {
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'toolu_1', content: [{ type: 'text', text: '42' }] },
        { type: 'text', text: 'Now double it.' },
      ],
    };
    const body = cohere.encodeRequest(
      chatRequest({ messages: [user('q'), assistant(toolCall('toolu_1', 'get_time', {})), message] }),
      'm',
    );
    assert.deepEqual((body.messages as unknown[]).slice(2), [
      { role: 'tool', tool_call_id: 'toolu_1', content: '42' },
      { role: 'user', content: 'Now double it.' },
    ]);
  });

  it('maps tool choices; a named choice offers only that tool with REQUIRED', () => {
    const encode = (toolChoice: ChatRequest['toolChoice']) =>
      cohere.encodeRequest(chatRequest({ tools: [weatherTool, timeTool], toolChoice }), 'm');
    assert.equal(encode({ type: 'auto' }).tool_choice, undefined);
    assert.equal(encode({ type: 'none' }).tool_choice, 'NONE');
    assert.equal(encode({ type: 'required' }).tool_choice, 'REQUIRED');
    const named = encode({ type: 'tool', name: 'get_time' });
    assert.equal(named.tool_choice, 'REQUIRED');
    assert.deepEqual(
      (named.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name),
      ['get_time'],
    );
  });

  it('sends images as image_url parts, base64 as a data URL', () => {
    const body = cohere.encodeRequest(
      chatRequest({
        messages: [
          user('Describe', imageUrl('https://example.com/cat.jpg'), {
            ...imageBase64('image/png', 'iVBORw0KGgo='),
            detail: 'low',
          } as ContentPart),
        ],
      }),
      'command-a-vision-07-2025',
    );
    assert.deepEqual((body.messages as Array<{ content: unknown }>)[0]?.content, [
      { type: 'text', text: 'Describe' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
    ]);
  });

  it('maps sampling with Cohere names and ranges, stop sequences, json schema and thinking', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const body = cohere.encodeRequest(
      chatRequest({
        maxOutputTokens: 300,
        temperature: 0.4,
        topP: 1,
        topK: 900,
        stop: ['\n\n'],
        seed: 11,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        responseFormat: { type: 'json_schema', name: 'city', schema },
        reasoning: { effort: 'medium' },
      }),
      'command-a-reasoning-08-2025',
    );
    assert.equal(body.max_tokens, 300);
    assert.equal(body.temperature, 0.4);
    assert.equal(body.p, 0.99);
    assert.equal(body.k, 500);
    assert.deepEqual(body.stop_sequences, ['\n\n']);
    assert.equal(body.seed, 11);
    assert.equal(body.frequency_penalty, 0.1);
    assert.equal(body.presence_penalty, 0.2);
    assert.deepEqual(body.response_format, { type: 'json_object', json_schema: schema });
    assert.deepEqual(body.thinking, { type: 'enabled', token_budget: 4096 });
    assert.equal(body.top_p, undefined);
  });

  it('asks for a JSON object without a schema', () => {
    const body = cohere.encodeRequest(chatRequest({ responseFormat: { type: 'json_object' } }), 'm');
    assert.deepEqual(body.response_format, { type: 'json_object' });
  });
});

describe('cohere decodeResponse', () => {
  it('decodes text, finish and billed usage', () => {
    const response = cohere.decodeResponse(fixture('response-text.json'));
    assert.equal(response.id, 'c14c80c3-18eb-4519-9460-6c92edd8cfb4');
    assert.deepEqual(response.content, [
      {
        type: 'text',
        text: 'LLMs are neural networks trained on large amounts of text to predict the next token.',
      },
    ]);
    assert.equal(response.finishReason, 'stop');
    assert.deepEqual(response.usage, {
      inputTokens: 5,
      outputTokens: 17,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('decodes the tool plan as text followed by the tool calls', () => {
    const response = cohere.decodeResponse(fixture('response-tools.json'));
    assert.deepEqual(response.content, [
      { type: 'text', text: 'I will look up the weather in Toronto and in Vancouver.' },
      {
        type: 'tool_call',
        id: 'get_weather_1byjy32y4hvq',
        name: 'get_weather',
        arguments: '{"location":"Toronto"}',
      },
      {
        type: 'tool_call',
        id: 'get_weather_3m9xq7f2k8ra',
        name: 'get_weather',
        arguments: '{"location":"Vancouver"}',
      },
    ]);
    assert.equal(response.finishReason, 'tool_calls');
  });

  it('decodes thinking as reasoning, MAX_TOKENS as length and cached tokens', () => {
    const response = cohere.decodeResponse(fixture('response-thinking.json'));
    assert.equal(response.content[0]?.type, 'reasoning');
    assert.deepEqual(response.content[1], { type: 'text', text: '17 multiplied by 23 is 391' });
    assert.equal(response.finishReason, 'length');
    assert.equal(response.usage.cacheReadTokens, 384);
    assert.equal(response.usage.outputTokens, 60);
  });

  it('maps the remaining finish reasons', () => {
    const finish = (finish_reason: string) =>
      cohere.decodeResponse({ id: 'x', finish_reason, message: { role: 'assistant', content: [] } })
        .finishReason;
    assert.equal(finish('STOP_SEQUENCE'), 'stop');
    assert.equal(finish('ERROR'), 'error');
    assert.equal(finish('TIMEOUT'), 'error');
  });

  it('treats a body without a message as malformed', () => {
    assert.throws(
      () => cohere.decodeResponse({ id: 'x' }),
      (error: unknown) => error instanceof GatewayError && error.code === 'upstream_invalid_response',
    );
  });
});

describe('cohere stream decoder', () => {
  it('turns a streamed answer into start, text, finish and usage', () => {
    const frames = decodeStream(cohere.createStreamDecoder(), loadSseFixture('cohere', 'stream-text.sse'));
    const events = eventsOf(frames);
    assert.equal(events[0]?.type, 'start');
    assert.equal(events[0]?.type === 'start' ? events[0].id : '', '29f14a5a-11de-4cae-9800-25e4747408ea');
    assert.equal(assembleStream(events).text, 'A large language model predicts text.');
    assert.deepEqual(events.slice(-2), [
      { type: 'finish', reason: 'stop' },
      {
        type: 'usage',
        usage: {
          inputTokens: 6,
          outputTokens: 9,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
    ]);
    for (const frame of frames) {
      assert.equal(frame.raw?.dialect, 'cohere');
      assert.ok(frame.raw?.event);
      assert.equal(JSON.parse(frame.raw?.data ?? '').type, frame.raw?.event);
    }
  });

  it('streams thinking, the tool plan and two tool calls assembled from their deltas', () => {
    const events = eventsOf(
      decodeStream(cohere.createStreamDecoder(), loadSseFixture('cohere', 'stream-tools.sse')),
    );
    const assembled = assembleStream(events);
    assert.equal(assembled.reasoning, 'Two cities, so two calls.');
    assert.equal(assembled.text, 'I will check both cities.');
    assert.deepEqual(
      assembled.toolCalls.map((call) => ({ ...call, arguments: JSON.parse(call.arguments) })),
      [
        { id: 'get_weather_nsz5zm3w56q3', name: 'get_weather', arguments: { location: 'Toronto' } },
        { id: 'get_weather_j4cy3k8ebx0n', name: 'get_weather', arguments: { location: 'Vancouver' } },
      ],
    );
    const ends = events.filter((event) => event.type === 'tool_call_end');
    assert.deepEqual(ends, [
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_end', index: 1 },
    ]);
    assert.deepEqual(events.at(-2), { type: 'finish', reason: 'tool_calls' });
    assert.deepEqual(events.at(-1), {
      type: 'usage',
      usage: {
        inputTokens: 37,
        outputTokens: 41,
        cacheReadTokens: 512,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
  });

  it('closes tool calls left open when the message ends', () => {
    const decoder = cohere.createStreamDecoder();
    decoder.push({
      event: 'tool-call-start',
      data: '{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}}}}',
    });
    const frame = decoder.push({
      event: 'message-end',
      data: '{"type":"message-end","delta":{"finish_reason":"TOOL_CALL"}}',
    });
    assert.deepEqual(frame?.events, [
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });
});

describe('cohere decodeError', () => {
  it('passes a bad request on as a 400 with the upstream text', () => {
    const error = cohere.decodeError(400, fixture('error-400.json'));
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.match(error.message, /at least 1 token long/);
  });

  it('never repeats the upstream text of a credential failure', () => {
    for (const status of [401, 403, 498]) {
      const error = cohere.decodeError(status, fixture('error-401.json'));
      assert.doesNotMatch(error.message, /co-FAKE|leaked|token/);
      assert.equal(error.retryable, false);
      assert.equal(error.upstreamStatus, status);
    }
  });

  it('is retryable after the header’s delay when rate limited', () => {
    const error = cohere.decodeError(429, fixture('error-429.json'), { 'Retry-After': '12' });
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 12);
  });

  it('marks an unavailable upstream as retryable', () => {
    const error = cohere.decodeError(503, fixture('error-503.json'));
    assert.equal(error.retryable, true);
    assert.equal(error.kind, 'overloaded');
    assert.match(error.message, /overloaded/);
  });
});
