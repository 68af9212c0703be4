import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../core/ir.ts';
import { unsupportedParams } from './capabilities.ts';

function request(
  overrides: Partial<ChatRequest>,
  dialect: ChatRequest['source']['dialect'] = 'openai-chat',
): ChatRequest {
  return {
    model: 'm',
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    stream: false,
    includeUsage: false,
    extra: {},
    source: { dialect, body: {} },
    ...overrides,
  };
}

test('an OpenAI client sending seed and penalties to Anthropic has them reported as unsupported', () => {
  const dropped = unsupportedParams(
    request({ seed: 7, frequencyPenalty: 0.5, presencePenalty: 0, temperature: 0.2 }),
    'anthropic',
    'anthropic-messages',
  );
  assert.deepEqual(dropped, ['seed', 'frequency_penalty']);
});

test('an Anthropic client sending top_k to OpenAI has it reported', () => {
  assert.deepEqual(unsupportedParams(request({ topK: 5 }, 'anthropic-messages'), 'openai', 'openai-chat'), [
    'top_k',
  ]);
});

test('same-dialect requests are left to the upstream to judge', () => {
  assert.deepEqual(unsupportedParams(request({ topK: 5 }), 'openai', 'openai-chat'), []);
});

test('n > 1 cannot be served by providers with a single candidate', () => {
  assert.deepEqual(unsupportedParams(request({ extra: { n: 3 } }), 'gemini', 'gemini'), ['n']);
  assert.deepEqual(unsupportedParams(request({ extra: { n: 1 } }), 'gemini', 'gemini'), []);
});
