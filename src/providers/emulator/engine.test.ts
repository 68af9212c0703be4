import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { z } from 'zod';
import { type EngineMessage, type EngineRequest, type EngineTool, generate } from './engine.ts';

function request(text: string, extra: Partial<EngineRequest> = {}): EngineRequest {
  return {
    model: 'emulator-chat',
    messages: [{ role: 'user', text }],
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: true,
    responseFormat: { type: 'text' },
    stop: [],
    ...extra,
  };
}

const weather: EngineTool = {
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const stocks: EngineTool = {
  name: 'get_stock_price',
  parameters: {
    type: 'object',
    properties: { symbol: { type: 'string' }, exchange: { enum: ['NYSE', 'LSE'] } },
  },
};
const search: EngineTool = {
  name: 'search_docs',
  parameters: { type: 'object', properties: { query: { type: 'string' } } },
};

describe('engine: default replies', () => {
  test('the same request always gets the same answer', () => {
    assert.deepEqual(generate(request('What is a gateway?')), generate(request('What is a gateway?')));
  });

  test('model, prompt and seed each change the answer', () => {
    const text = (r: EngineRequest) => generate(r).text.join('');
    const reference = text(request('What is a gateway?'));
    assert.notEqual(text(request('What is a gateway!')), reference);
    assert.notEqual(text(request('What is a gateway?', { model: 'other-model' })), reference);
    assert.notEqual(text(request('What is a gateway?', { seed: 7 })), reference);
    assert.equal(
      text(request('What is a gateway?', { seed: 7 })),
      text(request('What is a gateway?', { seed: 7 })),
    );
  });

  test('a default reply is one sentence of 12 to 24 words, one token per word', () => {
    for (const prompt of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const result = generate(request(prompt));
      const sentence = result.text.join('');
      assert.match(sentence, /^[A-Z][a-z]*( [a-z]+)*\.$/);
      assert.ok(result.text.length >= 12 && result.text.length <= 24, `${result.text.length} words`);
      assert.equal(result.usage.completionTokens, result.text.length);
      assert.equal(result.finishReason, 'stop');
    }
  });

  test('prompt tokens are o200k tokens of the messages plus 3 per message and 3 to prime the reply', () => {
    const one = generate(request('The quick brown fox jumps over the lazy dog'));
    assert.equal(one.usage.promptTokens, 3 + 3 + countTokens('The quick brown fox jumps over the lazy dog'));
    const messages: EngineMessage[] = [
      { role: 'system', text: 'Be brief.' },
      { role: 'user', text: 'Hello' },
    ];
    const two = generate(request('', { messages }));
    assert.equal(two.usage.promptTokens, 3 + 3 + countTokens('Be brief.') + 3 + countTokens('Hello'));
  });

  test('special-token markers in user text are counted as text, not refused', () => {
    assert.ok(generate(request('hello <|endoftext|> world')).usage.promptTokens > 6);
  });
});

describe('engine: directives', () => {
  test('echo repeats the last user message without the directive', () => {
    const result = generate(request('Hello [[emulator:echo]] there,   world'));
    assert.equal(result.text.join(''), 'Hello there,   world');
    assert.equal(result.usage.completionTokens, 3);
  });

  test('tokens=N gives exactly N output tokens', () => {
    for (const n of [0, 1, 5, 137]) {
      const result = generate(request(`go [[emulator:tokens=${n}]]`));
      assert.equal(result.text.length, n);
      assert.equal(result.usage.completionTokens, n);
    }
  });

  test('echo with tokens=N cuts the echo, or pads it with words, to N tokens', () => {
    assert.equal(
      generate(request('one two three four [[emulator:echo]][[emulator:tokens=2]]')).text.join(''),
      'one two',
    );
    const padded = generate(request('one two [[emulator:echo]] [[emulator:tokens=5]]'));
    assert.equal(padded.text.length, 5);
    assert.match(padded.text.join(''), /^one two( [a-z]+){3}\.$/);
  });

  test('reasoning adds reasoning tokens, counted in the completion tokens', () => {
    const result = generate(request('think [[emulator:reasoning]] [[emulator:tokens=4]]'));
    assert.ok(result.reasoning.length >= 12);
    assert.equal(result.text.length, 4);
    assert.equal(result.usage.reasoningTokens, result.reasoning.length);
    assert.equal(result.usage.completionTokens, result.reasoning.length + 4);
  });

  test('a request asking for reasoning gets it without the directive', () => {
    const result = generate(request('Think', { reasoning: true }));
    assert.ok(result.reasoning.length >= 12);
    assert.equal(result.usage.reasoningTokens, result.reasoning.length);
  });

  test('cached=N and cache_write=N report prompt-cache tokens, never more than the prompt', () => {
    const result = generate(request('Hello [[emulator:cached=5]] [[emulator:cache_write=3]]'));
    assert.equal(result.usage.cachedTokens, 5);
    assert.equal(result.usage.cacheWriteTokens, 3);
    const huge = generate(request('Hi [[emulator:cached=99999]] [[emulator:cache_write=7]]'));
    assert.equal(huge.usage.cachedTokens, huge.usage.promptTokens);
    assert.equal(huge.usage.cacheWriteTokens, 0);
    assert.equal(generate(request('Hello')).usage.cachedTokens, 0);
  });

  test('only the last user message is read for directives', () => {
    const messages: EngineMessage[] = [
      { role: 'user', text: 'first [[emulator:tokens=3]]' },
      { role: 'assistant', text: 'ok' },
      { role: 'user', text: 'second' },
    ];
    assert.notEqual(generate(request('', { messages })).text.length, 3);
  });

  test('an unknown or malformed directive is left as text', () => {
    const result = generate(
      request('[[emulator:echo]] keep [[emulator:bogus]] and [[emulator:tokens=many]]'),
    );
    assert.equal(result.text.join(''), 'keep [[emulator:bogus]] and [[emulator:tokens=many]]');
  });
});

describe('engine: limits and stop sequences', () => {
  test('max tokens cuts the reply with finish reason length', () => {
    const result = generate(request('[[emulator:tokens=10]]', { maxTokens: 4 }));
    assert.equal(result.text.length, 4);
    assert.equal(result.finishReason, 'length');
    assert.equal(result.usage.completionTokens, 4);
  });

  test('a reply exactly at max tokens is not cut', () => {
    assert.equal(generate(request('[[emulator:tokens=4]]', { maxTokens: 4 })).finishReason, 'stop');
  });

  test('the earliest stop sequence cuts the text before it, with finish reason stop', () => {
    const result = generate(
      request('[[emulator:echo]] alpha beta END gamma HALT delta', { stop: ['HALT', 'END'] }),
    );
    assert.equal(result.text.join(''), 'alpha beta ');
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.stopSequence, 'END');
    assert.equal(result.usage.completionTokens, 3);
  });

  test('a stop sequence beyond the token limit does not apply: length wins', () => {
    const result = generate(request('[[emulator:echo]] a b c d e STOP f', { stop: ['STOP'], maxTokens: 2 }));
    assert.equal(result.text.join(''), 'a b');
    assert.equal(result.finishReason, 'length');
    assert.equal(result.stopSequence, undefined);
  });

  test('max tokens counts reasoning first', () => {
    const result = generate(request('[[emulator:reasoning]] [[emulator:tokens=5]]', { maxTokens: 3 }));
    assert.equal(result.reasoning.length, 3);
    assert.equal(result.text.length, 0);
    assert.equal(result.finishReason, 'length');
  });
});

describe('engine: tools', () => {
  test('calls the first tool with arguments generated from its schema', () => {
    const result = generate(request('Any news?', { tools: [weather, stocks] }));
    assert.equal(result.finishReason, 'tool_calls');
    assert.equal(result.text.length, 0);
    assert.equal(result.toolCalls.length, 1);
    const [call] = result.toolCalls;
    assert.equal(call?.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.arguments ?? ''), { city: 'example city' });
    assert.equal(call?.fragments.join(''), call?.arguments);
    assert.equal(result.usage.completionTokens, call?.fragments.length);
    assert.match(call?.id ?? '', /^call_[a-z0-9]{24}$/);
  });

  test('calls the tool the user mentions by name', () => {
    const result = generate(request('Please run get_stock_price for ACME', { tools: [weather, stocks] }));
    assert.equal(result.toolCalls[0]?.name, 'get_stock_price');
    assert.deepEqual(JSON.parse(result.toolCalls[0]?.arguments ?? ''), {
      symbol: 'example symbol',
      exchange: 'NYSE',
    });
  });

  test('a named tool choice wins over a mention', () => {
    const result = generate(
      request('Please run get_stock_price', {
        tools: [weather, stocks, search],
        toolChoice: { name: 'search_docs' },
      }),
    );
    assert.deepEqual(
      result.toolCalls.map((call) => call.name),
      ['search_docs'],
    );
  });

  test('parallel calls the first two tools, with distinct ids, unless parallel tool calls are off', () => {
    const result = generate(request('go [[emulator:parallel]]', { tools: [weather, stocks, search] }));
    assert.deepEqual(
      result.toolCalls.map((call) => call.name),
      ['get_weather', 'get_stock_price'],
    );
    assert.notEqual(result.toolCalls[0]?.id, result.toolCalls[1]?.id);
    const single = generate(
      request('go [[emulator:parallel]]', { tools: [weather, stocks, search], parallelToolCalls: false }),
    );
    assert.equal(single.toolCalls.length, 1);
  });

  test('tool choice none, or a last message that is not from the user, gives text', () => {
    assert.equal(generate(request('hi', { tools: [weather], toolChoice: 'none' })).toolCalls.length, 0);
    const messages: EngineMessage[] = [
      { role: 'user', text: 'hi' },
      { role: 'assistant', text: 'hello' },
    ];
    assert.equal(generate(request('', { messages, tools: [weather] })).finishReason, 'stop');
  });

  test('after tool results the reply quotes them (first 100 characters each)', () => {
    const long = 'x'.repeat(150);
    const messages: EngineMessage[] = [
      { role: 'user', text: 'weather and stocks?' },
      {
        role: 'assistant',
        text: '',
        toolCalls: [
          { id: 'call_1', name: 'get_weather', arguments: '{}' },
          { id: 'call_2', name: 'get_stock_price', arguments: '{}' },
        ],
      },
      { role: 'tool', text: 'sunny, 21 C', toolCallId: 'call_1' },
      { role: 'tool', text: long, toolCallId: 'call_2' },
    ];
    const result = generate(request('', { messages, tools: [weather, stocks] }));
    assert.equal(result.text.join(''), `The tools returned: sunny, 21 C; ${'x'.repeat(100)}`);
    assert.equal(result.finishReason, 'stop');
    const one = generate(request('', { messages: messages.slice(0, 3), tools: [weather] }));
    assert.equal(one.text.join(''), 'The tool returned: sunny, 21 C');
  });

  test('a tool without a schema is called with an empty object', () => {
    const result = generate(request('go', { tools: [{ name: 'ping', parameters: {} }] }));
    assert.equal(result.toolCalls[0]?.arguments, '{}');
  });
});

describe('engine: response formats', () => {
  test('json_object gives {"answer": sentence}', () => {
    const result = generate(request('Answer in JSON', { responseFormat: { type: 'json_object' } }));
    const value = JSON.parse(result.text.join('')) as { answer: string };
    assert.deepEqual(Object.keys(value), ['answer']);
    assert.match(value.answer, /^[A-Z][a-z ]+\.$/);
    assert.equal(result.usage.completionTokens, result.text.length);
  });

  test('json_schema gives JSON that validates against the schema', () => {
    const schema: Record<string, unknown> = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 3 },
        age: { type: 'integer', minimum: 18, maximum: 99 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        address: {
          type: 'object',
          properties: { street: { type: 'string' }, zip: { type: 'string', maxLength: 5 } },
          required: ['street', 'zip'],
          additionalProperties: false,
        },
      },
      required: ['name', 'age', 'tags', 'address'],
      additionalProperties: false,
    };
    const result = generate(
      request('Describe a person', { responseFormat: { type: 'json_schema', schema } }),
    );
    const value: unknown = JSON.parse(result.text.join(''));
    assert.equal(z.fromJSONSchema(schema).safeParse(value).success, true, JSON.stringify(value));
  });
});
