import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../core/ir.ts';
import { gemini, SKIP_THOUGHT_SIGNATURE } from '../gemini.ts';
import {
  assistant,
  chatRequest,
  imageBase64,
  imageUrl,
  loadJsonFixture,
  thrownGatewayError,
  toolCall,
  toolMessage,
  user,
} from '../testing.ts';

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['location'],
    additionalProperties: false,
  },
};

function fixture(name: string): unknown {
  return loadJsonFixture('gemini', name);
}

describe('gemini encodeRequest', () => {
  it('puts the system prompt in systemInstruction and maps turns to user/model without a model field', () => {
    const body = gemini.encodeRequest(
      chatRequest({
        system: [{ type: 'text', text: 'You are terse.' }],
        messages: [user('Hi'), assistant('Hello!'), user('Capital of Portugal?')],
      }),
      'gemini-2.5-flash',
    );
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You are terse.' }] });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello!' }] },
      { role: 'user', parts: [{ text: 'Capital of Portugal?' }] },
    ]);
    assert.equal(body.model, undefined);
    assert.equal(body.generationConfig, undefined);
  });

  it('sends tool calls as functionCall and tool results as functionResponse named after the call', () => {
    const body = gemini.encodeRequest(
      chatRequest({
        tools: [weatherTool],
        messages: [
          user('Weather in Paris and Tokyo?'),
          assistant(
            toolCall('call_a', 'get_weather', { location: 'Paris' }),
            toolCall('call_b', 'get_weather', { location: 'Tokyo' }),
          ),
          toolMessage('call_a', '{"temperature":21}'),
          toolMessage('call_b', 'sunny, 27 degrees'),
          toolMessage('call_a', 'city not found', true),
          user('Thanks. And tomorrow?'),
        ],
      }),
      'gemini-2.5-flash',
    );
    const contents = body.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>;
    assert.equal(contents.length, 3, 'tool results and the next user text share one user turn');
    assert.deepEqual(contents[1], {
      role: 'model',
      parts: [
        {
          functionCall: { name: 'get_weather', args: { location: 'Paris' } },
          thoughtSignature: SKIP_THOUGHT_SIGNATURE,
        },
        { functionCall: { name: 'get_weather', args: { location: 'Tokyo' } } },
      ],
    });
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temperature: 21 } } },
        { functionResponse: { name: 'get_weather', response: { output: 'sunny, 27 degrees' } } },
        { functionResponse: { name: 'get_weather', response: { error: 'city not found' } } },
        { text: 'Thanks. And tomorrow?' },
      ],
    });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: {
              type: 'object',
              properties: {
                location: { type: 'string' },
                unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
              },
              required: ['location'],
            },
          },
        ],
      },
    ]);
    assert.equal(body.toolConfig, undefined, 'no tool choice: Gemini decides (AUTO)');
  });

  it('maps every tool choice to a functionCallingConfig mode', () => {
    const config = (toolChoice: ChatRequest['toolChoice']) =>
      gemini.encodeRequest(chatRequest({ tools: [weatherTool], toolChoice }), 'm').toolConfig;
    assert.deepEqual(config({ type: 'auto' }), { functionCallingConfig: { mode: 'AUTO' } });
    assert.deepEqual(config({ type: 'none' }), { functionCallingConfig: { mode: 'NONE' } });
    assert.deepEqual(config({ type: 'required' }), { functionCallingConfig: { mode: 'ANY' } });
    assert.deepEqual(config({ type: 'tool', name: 'get_weather' }), {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
  });

  it('omits the parameters of a tool that takes no arguments (Gemini rejects empty properties)', () => {
    const body = gemini.encodeRequest(
      chatRequest({ tools: [{ name: 'now', parameters: { type: 'object', properties: {} } }] }),
      'm',
    );
    assert.deepEqual(body.tools, [{ functionDeclarations: [{ name: 'now' }] }]);
  });

  it('refuses a tool result whose call it cannot find, naming the message', () => {
    const error = thrownGatewayError(() =>
      gemini.encodeRequest(chatRequest({ messages: [user('x'), toolMessage('call_missing', 'y')] }), 'm'),
    );
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.param, 'messages[1].content[0]');
  });

  it('refuses tool call arguments that are not a JSON object', () => {
    const error = thrownGatewayError(() =>
      gemini.encodeRequest(
        chatRequest({ messages: [user('x'), assistant(toolCall('c1', 'get_weather', '{"location": '))] }),
        'm',
      ),
    );
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.param, 'messages[1].content[0].arguments');
  });

  it('sends base64 and data-URL images inline and other URLs as fileData with a guessed type', () => {
    const body = gemini.encodeRequest(
      chatRequest({
        messages: [
          user(
            'What is in these?',
            imageBase64('image/png', 'iVBORw0KGgo='),
            imageUrl('data:image/webp;base64,UklGRg=='),
            imageUrl('https://example.com/photos/cat.PNG?size=large'),
            imageUrl('https://example.com/render?id=7'),
          ),
        ],
      }),
      'm',
    );
    assert.deepEqual((body.contents as Array<{ parts: unknown[] }>)[0]?.parts, [
      { text: 'What is in these?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { inlineData: { mimeType: 'image/webp', data: 'UklGRg==' } },
      { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/photos/cat.PNG?size=large' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/render?id=7' } },
    ]);
  });

  it('maps sampling, stop sequences, seed, json schema and reasoning into generationConfig', () => {
    const body = gemini.encodeRequest(
      chatRequest({
        maxOutputTokens: 800,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        stop: ['END'],
        seed: 7,
        presencePenalty: 0.5,
        frequencyPenalty: 0.25,
        reasoning: { effort: 'high' },
        responseFormat: {
          type: 'json_schema',
          name: 'city',
          schema: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: ['integer', 'null'] } },
            required: ['name', 'population'],
            additionalProperties: false,
          },
        },
      }),
      'm',
    );
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 800,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: { name: { type: 'string' }, population: { type: 'integer', nullable: true } },
        required: ['name', 'population'],
      },
      thinkingConfig: { includeThoughts: true, thinkingBudget: 24576 },
    });
  });

  it('uses an explicit thinking budget and json_object without a schema', () => {
    const body = gemini.encodeRequest(
      chatRequest({ reasoning: { budgetTokens: 2048 }, responseFormat: { type: 'json_object' } }),
      'm',
    );
    assert.deepEqual(body.generationConfig, {
      responseMimeType: 'application/json',
      thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 },
    });
  });

  it('gives a decoded function call its own thought signature back on the next turn', () => {
    const response = gemini.decodeResponse(fixture('response-thinking-tools.json'));
    const calls = response.content.filter((part) => part.type === 'tool_call');
    const body = gemini.encodeRequest(
      chatRequest({
        messages: [
          user('Weather in Paris and Tokyo?'),
          { role: 'assistant', content: response.content },
          ...calls.map((call) => toolMessage(call.id, 'sunny')),
        ],
      }),
      'm',
    );
    const model = (body.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>)[1];
    assert.equal(model?.role, 'model');
    assert.deepEqual(model?.parts, [
      {
        functionCall: { name: 'get_weather', args: { location: 'Paris', unit: 'celsius' } },
        thoughtSignature: 'CiQBVKhc7rqW3pAeQ0fGq1m0mNw5p2u8x4bYv3eJH9dK2sLqZ4o=',
      },
      { functionCall: { name: 'get_weather', args: { location: 'Tokyo', unit: 'celsius' } } },
    ]);
  });
});
