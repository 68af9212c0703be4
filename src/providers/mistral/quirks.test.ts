import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adjustMistralBody, mistralEmbeddingBody, mistralToolCallId } from './quirks.ts';

/** What an OpenAI client might send: fields Mistral renames, rejects or shares. */
function openaiBody(): Record<string, unknown> {
  return {
    model: 'mistral-large-latest',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', name: 'dispatcher', content: 'Status of A13?' },
      {
        role: 'assistant',
        content: null,
        refusal: null,
        reasoning_content: 'Look it up.',
        tool_calls: [
          {
            id: 'call_8fXkq2Lr0Zs',
            type: 'function',
            function: { name: 'status', arguments: '{"s":"A13"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_8fXkq2Lr0Zs', content: 'clear' },
      {
        role: 'assistant',
        content: 'Clear.',
        tool_calls: [{ id: 'Ab3dE6gH9', type: 'function', function: { name: 'x', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'Ab3dE6gH9', content: 'ok' },
    ],
    max_completion_tokens: 300,
    seed: 42,
    tool_choice: 'required',
    parallel_tool_calls: false,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'status', schema: { type: 'object' }, strict: true },
    },
    stream: true,
    stream_options: { include_usage: true },
    reasoning_effort: 'low',
    user: 'u-17',
    logprobs: true,
    top_logprobs: 2,
    store: false,
  };
}

function firstToolCall(message: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const calls = message?.tool_calls;
  return Array.isArray(calls) ? (calls[0] as Record<string, unknown>) : undefined;
}

describe('mistral request quirks', () => {
  it('renames max_completion_tokens and seed, and says any for required', () => {
    const body = openaiBody();
    adjustMistralBody(body);
    assert.equal(body.max_tokens, 300);
    assert.equal(body.random_seed, 42);
    assert.equal(body.tool_choice, 'any');
    assert.equal('max_completion_tokens' in body, false);
    assert.equal('seed' in body, false);
  });

  it('keeps what Mistral supports and drops what it would reject', () => {
    const body = openaiBody();
    adjustMistralBody(body);
    assert.deepEqual(Object.keys(body).sort(), [
      'max_tokens',
      'messages',
      'model',
      'parallel_tool_calls',
      'random_seed',
      'response_format',
      'stream',
      'tool_choice',
    ]);
    assert.deepEqual(body.response_format, openaiBody().response_format);
  });

  it('keeps a named tool choice as it is', () => {
    const body = { ...openaiBody(), tool_choice: { type: 'function', function: { name: 'status' } } };
    adjustMistralBody(body);
    assert.deepEqual(body.tool_choice, { type: 'function', function: { name: 'status' } });
  });

  it('keeps only the fields Mistral knows on each message', () => {
    const body = openaiBody();
    adjustMistralBody(body);
    const messages = body.messages as Array<Record<string, unknown>>;
    assert.deepEqual(messages[1], { role: 'user', content: 'Status of A13?' });
    assert.deepEqual(Object.keys(messages[2] ?? {}).sort(), ['content', 'role', 'tool_calls']);
  });

  it('rewrites foreign tool-call ids the same way in the call and in its result', () => {
    const body = openaiBody();
    adjustMistralBody(body);
    const messages = body.messages as Array<Record<string, unknown>>;
    const call = firstToolCall(messages[2]);
    assert.match(String(call?.id), /^[A-Za-z0-9]{9}$/);
    assert.equal(messages[3]?.tool_call_id, call?.id);
    assert.equal(firstToolCall(messages[4])?.id, 'Ab3dE6gH9');
    assert.equal(messages[5]?.tool_call_id, 'Ab3dE6gH9');
  });

  it('derives the same id for the same original and different ids for different ones', () => {
    assert.equal(
      mistralToolCallId('toolu_01T1x1fJ34qAmk2tNTrN7Up6'),
      mistralToolCallId('toolu_01T1x1fJ34qAmk2tNTrN7Up6'),
    );
    assert.notEqual(mistralToolCallId('call_1'), mistralToolCallId('call_2'));
  });

  it("leaves the client's messages untouched (the body is a shallow copy of them)", () => {
    const original = openaiBody();
    const snapshot = structuredClone(original);
    adjustMistralBody({ ...original });
    assert.deepEqual(original, snapshot);
  });
});

describe('mistral embeddings quirks', () => {
  it('sends dimensions as output_dimension and drops user', () => {
    assert.deepEqual(
      mistralEmbeddingBody({
        model: 'codestral-embed',
        input: ['a'],
        dimensions: 256,
        user: 'u-1',
        encoding_format: 'float',
      }),
      { model: 'codestral-embed', input: ['a'], output_dimension: 256, encoding_format: 'float' },
    );
  });
});
