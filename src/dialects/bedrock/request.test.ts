import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest, Message } from '../../core/ir.ts';
import {
  BEDROCK_JSON_OBJECT_INSTRUCTION,
  BEDROCK_JSON_TOOL_NAME,
  BEDROCK_LEADING_USER_TEXT,
  bedrockConverse,
} from '../bedrock-converse.ts';
import {
  assistant,
  chatRequest,
  imageBase64,
  imageUrl,
  thrownGatewayError,
  toolCall,
  toolMessage,
  user,
} from '../testing.ts';

const songTool = {
  name: 'top_song',
  description: 'The most popular song on a radio station',
  parameters: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] },
};

describe('bedrock encodeRequest', () => {
  it('sends system blocks and alternating turns, without the model in the body', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({
        system: [{ type: 'text', text: 'You are terse.' }],
        messages: [user('Hi'), user('Are you there?'), assistant('Yes.'), user('Capital of Portugal?')],
      }),
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    assert.deepEqual(body, {
      system: [{ text: 'You are terse.' }],
      messages: [
        { role: 'user', content: [{ text: 'Hi' }, { text: 'Are you there?' }] },
        { role: 'assistant', content: [{ text: 'Yes.' }] },
        { role: 'user', content: [{ text: 'Capital of Portugal?' }] },
      ],
    });
  });

  it('puts a minimal user turn first when the conversation starts with the assistant', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({ messages: [assistant('Welcome back.'), user('Hi')] }),
      'm',
    );
    assert.deepEqual((body.messages as Array<{ role: string; content: unknown }>)[0], {
      role: 'user',
      content: [{ text: BEDROCK_LEADING_USER_TEXT }],
    });
  });

  it('sends tool calls as toolUse and tool results in one user turn, before the user’s text', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({
        tools: [songTool],
        toolChoice: { type: 'auto' },
        messages: [
          user('Top songs on WZPZ and WKRP?'),
          assistant(
            toolCall('tooluse_1', 'top_song', { sign: 'WZPZ' }),
            toolCall('tooluse_2', 'top_song', { sign: 'WKRP' }),
          ),
          toolMessage('tooluse_1', '{"song":"Elemental Hotel"}'),
          toolMessage('tooluse_2', 'station not found', true),
          user('Which is better?'),
        ],
      }),
      'm',
    );
    assert.deepEqual((body.messages as unknown[]).slice(1), [
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 'tooluse_1', name: 'top_song', input: { sign: 'WZPZ' } } },
          { toolUse: { toolUseId: 'tooluse_2', name: 'top_song', input: { sign: 'WKRP' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_1', content: [{ text: '{"song":"Elemental Hotel"}' }] } },
          {
            toolResult: { toolUseId: 'tooluse_2', content: [{ text: 'station not found' }], status: 'error' },
          },
          { text: 'Which is better?' },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, {
      tools: [
        {
          toolSpec: {
            name: 'top_song',
            description: 'The most popular song on a radio station',
            inputSchema: { json: songTool.parameters },
          },
        },
      ],
      toolChoice: { auto: {} },
    });
  });

  it('maps tool choices; none drops the tools unless the history needs them declared', () => {
    const config = (toolChoice: ChatRequest['toolChoice'], messages?: Message[]) =>
      bedrockConverse.encodeRequest(
        chatRequest({ tools: [songTool], toolChoice, ...(messages ? { messages } : {}) }),
        'm',
      ).toolConfig as { toolChoice?: unknown; tools: unknown[] } | undefined;
    assert.deepEqual(config({ type: 'required' })?.toolChoice, { any: {} });
    assert.deepEqual(config({ type: 'tool', name: 'top_song' })?.toolChoice, { tool: { name: 'top_song' } });
    assert.equal(config({ type: 'none' }), undefined);
    const history = [
      user('q'),
      assistant(toolCall('t1', 'top_song', { sign: 'X' })),
      toolMessage('t1', 'ok'),
    ];
    const kept = config({ type: 'none' }, history);
    assert.equal(kept?.tools.length, 1);
    assert.equal(kept?.toolChoice, undefined);
  });

  it('declares tools the history used when the request no longer offers them', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({
        messages: [
          user('q'),
          assistant(toolCall('t1', 'lookup', { q: 'x' })),
          toolMessage('t1', 'found'),
          user('and?'),
        ],
      }),
      'm',
    );
    assert.deepEqual(body.toolConfig, {
      tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object', properties: {} } } } }],
    });
  });

  it('sends base64 and data-URL images as bytes and refuses image URLs naming the part', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({
        messages: [
          user(
            'Compare',
            imageBase64('image/jpeg', '/9j/4AAQ'),
            imageUrl('data:image/png;base64,iVBORw0KGgo='),
          ),
        ],
      }),
      'm',
    );
    assert.deepEqual((body.messages as Array<{ content: unknown }>)[0]?.content, [
      { text: 'Compare' },
      { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
      { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
    ]);
    const error = thrownGatewayError(() =>
      bedrockConverse.encodeRequest(
        chatRequest({
          messages: [user('a'), assistant('b'), user('Look', imageUrl('https://example.com/cat.png'))],
        }),
        'm',
      ),
    );
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.param, 'messages[2].content[1]');
    const unsupported = thrownGatewayError(() =>
      bedrockConverse.encodeRequest(
        chatRequest({ messages: [user(imageBase64('image/tiff', 'SUkq'))] }),
        'm',
      ),
    );
    assert.equal(unsupported.param, 'messages[0].content[0]');
  });

  it('maps sampling to inferenceConfig and top_k and thinking to additionalModelRequestFields', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({
        maxOutputTokens: 20000,
        temperature: 1,
        topP: 0.95,
        topK: 50,
        stop: ['###'],
        seed: 3,
        reasoning: { effort: 'high' },
      }),
      'm',
    );
    assert.deepEqual(body.inferenceConfig, {
      maxTokens: 20000,
      temperature: 1,
      topP: 0.95,
      stopSequences: ['###'],
    });
    assert.deepEqual(body.additionalModelRequestFields, {
      top_k: 50,
      thinking: { type: 'enabled', budget_tokens: 16384 },
    });
    assert.equal(JSON.stringify(body).includes('seed'), false, 'Converse has no seed');
  });

  it('keeps maxTokens above the thinking budget', () => {
    const encode = (maxOutputTokens: number | undefined, budgetTokens: number) =>
      bedrockConverse.encodeRequest(chatRequest({ maxOutputTokens, reasoning: { budgetTokens } }), 'm');
    const unset = encode(undefined, 2000);
    assert.deepEqual(unset.inferenceConfig, { maxTokens: 2000 + 4096 });
    const tight = encode(3000, 8000);
    assert.deepEqual(tight.inferenceConfig, { maxTokens: 3000 });
    assert.deepEqual(tight.additionalModelRequestFields, {
      thinking: { type: 'enabled', budget_tokens: 1500 },
    });
    const tiny = encode(500, 100);
    const budget = (tiny.additionalModelRequestFields as { thinking: { budget_tokens: number } }).thinking
      .budget_tokens;
    assert.equal(budget, 1024, 'never below the minimum');
    assert.ok((tiny.inferenceConfig as { maxTokens: number }).maxTokens > budget);
  });

  it('sends signed reasoning back as reasoningContent and drops unsigned reasoning', () => {
    const body = bedrockConverse.encodeRequest(
      chatRequest({
        messages: [
          user('q'),
          assistant(
            { type: 'reasoning', text: 'thinking...', signature: 'sig==' },
            { type: 'reasoning', text: '', redactedData: 'cmVkYWN0ZWQ=' },
            { type: 'reasoning', text: 'unsigned, from another provider' },
            'Answer.',
          ),
        ],
      }),
      'm',
    );
    assert.deepEqual((body.messages as Array<{ content: unknown }>)[1]?.content, [
      { reasoningContent: { reasoningText: { text: 'thinking...', signature: 'sig==' } } },
      { reasoningContent: { redactedContent: 'cmVkYWN0ZWQ=' } },
      { text: 'Answer.' },
    ]);
  });

  it('forces the JSON tool for json_schema and adds an instruction for json_object', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const body = bedrockConverse.encodeRequest(
      chatRequest({ responseFormat: { type: 'json_schema', name: 'city', schema, description: 'A city' } }),
      'm',
    );
    assert.deepEqual(body.toolConfig, {
      tools: [
        { toolSpec: { name: BEDROCK_JSON_TOOL_NAME, description: 'A city', inputSchema: { json: schema } } },
      ],
      toolChoice: { tool: { name: BEDROCK_JSON_TOOL_NAME } },
    });
    const object = bedrockConverse.encodeRequest(
      chatRequest({ system: [{ type: 'text', text: 'Be brief.' }], responseFormat: { type: 'json_object' } }),
      'm',
    );
    assert.deepEqual(object.system, [{ text: 'Be brief.' }, { text: BEDROCK_JSON_OBJECT_INSTRUCTION }]);
  });
});
