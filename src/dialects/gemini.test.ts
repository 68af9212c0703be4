import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gemini } from './gemini.ts';
import {
  assembleStream,
  decodeStream,
  eventsOf,
  loadJsonFixture,
  loadSseFixture,
  thrownGatewayError,
} from './testing.ts';

function fixture(name: string): unknown {
  return loadJsonFixture('gemini', name);
}

describe('gemini decodeResponse', () => {
  it('joins text parts and maps usage with cached tokens counted as input', () => {
    const response = gemini.decodeResponse(fixture('response-text.json'));
    assert.deepEqual(response.content, [
      { type: 'text', text: 'Lisbon is the capital of Portugal. It sits on the Tagus estuary.' },
    ]);
    assert.equal(response.id, 'mBVZaPq7IYvnz7IPsKPgmAo');
    assert.equal(response.model, 'gemini-2.5-flash');
    assert.equal(response.finishReason, 'stop');
    assert.deepEqual(response.usage, {
      inputTokens: 1210,
      outputTokens: 14,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('decodes thoughts, signatures and parallel function calls with unique generated ids', () => {
    const response = gemini.decodeResponse(fixture('response-thinking-tools.json'));
    const [thought, signature, first, second] = response.content;
    assert.equal(thought?.type, 'reasoning');
    assert.match(thought?.type === 'reasoning' ? thought.text : '', /call the weather tool twice/);
    assert.deepEqual(signature, {
      type: 'reasoning',
      text: '',
      signature: 'CiQBVKhc7rqW3pAeQ0fGq1m0mNw5p2u8x4bYv3eJH9dK2sLqZ4o=',
    });
    assert.equal(first?.type, 'tool_call');
    assert.equal(second?.type, 'tool_call');
    if (first?.type !== 'tool_call' || second?.type !== 'tool_call') return;
    assert.equal(first.name, 'get_weather');
    assert.deepEqual(JSON.parse(first.arguments), { location: 'Paris', unit: 'celsius' });
    assert.match(first.id, /^call_/);
    assert.notEqual(first.id, second.id);
    assert.equal(response.finishReason, 'tool_calls');
    assert.deepEqual(response.usage, {
      inputTokens: 96,
      outputTokens: 38 + 188,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 188,
    });
  });

  it('reports a safety stop and a blocked prompt as content_filter', () => {
    const safety = gemini.decodeResponse(fixture('response-safety.json'));
    assert.equal(safety.finishReason, 'content_filter');
    assert.deepEqual(safety.content, []);
    assert.equal(safety.extra.finishReason, 'SAFETY');
    const blocked = gemini.decodeResponse(fixture('response-blocked-prompt.json'));
    assert.equal(blocked.finishReason, 'content_filter');
    assert.equal(blocked.extra.finishReason, 'PROHIBITED_CONTENT');
  });

  it('maps MAX_TOKENS to length and a malformed call to error', () => {
    const withReason = (finishReason: string) =>
      gemini.decodeResponse({
        candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason }],
      }).finishReason;
    assert.equal(withReason('MAX_TOKENS'), 'length');
    assert.equal(withReason('RECITATION'), 'content_filter');
    assert.equal(withReason('MALFORMED_FUNCTION_CALL'), 'error');
    assert.equal(withReason('OTHER'), 'stop');
  });

  it('treats a body without candidates as a malformed upstream answer', () => {
    const error = thrownGatewayError(() => gemini.decodeResponse({ usageMetadata: {} }));
    assert.equal(error.kind, 'upstream_error');
    assert.equal(error.code, 'upstream_invalid_response');
  });
});

describe('gemini stream decoder', () => {
  it('turns a streamed answer into start, text deltas, finish and one usage', () => {
    const frames = decodeStream(gemini.createStreamDecoder(), loadSseFixture('gemini', 'stream-text.sse'));
    const events = eventsOf(frames);
    assert.deepEqual(events[0], {
      type: 'start',
      id: 'Pv1ZaLGpB-DEz7IP2bbIgQk',
      model: 'gemini-2.5-flash',
      created: (events[0] as { created: number }).created,
    });
    assert.equal(
      assembleStream(events).text,
      'Why did the scarecrow win an award? Because he was outstanding in his field.',
    );
    assert.deepEqual(events.slice(-2), [
      { type: 'finish', reason: 'stop' },
      {
        type: 'usage',
        usage: {
          inputTokens: 8,
          outputTokens: 17,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
    ]);
    assert.equal(events.filter((event) => event.type === 'usage').length, 1);
    for (const frame of frames) {
      assert.equal(frame.raw?.dialect, 'gemini');
      assert.ok(frame.raw?.data.includes('candidates'));
    }
  });

  it('emits a whole function call as start, one delta and end, then finishes with tool_calls', () => {
    const events = eventsOf(
      decodeStream(gemini.createStreamDecoder(), loadSseFixture('gemini', 'stream-tools.sse')),
    );
    const assembled = assembleStream(events);
    assert.match(assembled.reasoning, /look the weather up/);
    assert.deepEqual(assembled.signatures, ['EpYDCpMDAdHtim9Xv0rRZcb5tSkVf2V3Kq8=']);
    assert.equal(assembled.toolCalls.length, 1);
    assert.equal(assembled.toolCalls[0]?.name, 'get_weather');
    assert.deepEqual(JSON.parse(assembled.toolCalls[0]?.arguments ?? ''), { location: 'Boston, MA' });
    const toolEvents = events
      .filter((event) => event.type.startsWith('tool_call'))
      .map((event) => event.type);
    assert.deepEqual(toolEvents, ['tool_call_start', 'tool_call_delta', 'tool_call_end']);
    assert.deepEqual(events.at(-2), { type: 'finish', reason: 'tool_calls' });
    assert.deepEqual(events.at(-1), {
      type: 'usage',
      usage: {
        inputTokens: 71,
        outputTokens: 63,
        cacheReadTokens: 64,
        cacheWriteTokens: 0,
        reasoningTokens: 45,
      },
    });
  });

  it('throws the decoded error when the stream carries an error payload', () => {
    const decoder = gemini.createStreamDecoder();
    const error = thrownGatewayError(() =>
      decoder.push({
        data: JSON.stringify({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }),
      }),
    );
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
  });

  it('fails on a chunk that is not JSON', () => {
    const error = thrownGatewayError(() => gemini.createStreamDecoder().push({ data: '{"candidates": [' }));
    assert.equal(error.code, 'upstream_invalid_stream');
  });
});

describe('gemini decodeError', () => {
  it('passes an invalid argument on as the caller’s 400 with the upstream text', () => {
    const error = gemini.decodeError(400, fixture('error-400.json'));
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.retryable, false);
    assert.match(error.message, /contents\.parts must not be empty/);
  });

  it('reports a rejected API key (a 400 on Gemini) without the upstream text', () => {
    const error = gemini.decodeError(400, fixture('error-400-api-key.json'));
    assert.notEqual(error.kind, 'invalid_request');
    assert.equal(error.retryable, false);
    assert.equal(error.upstreamStatus, 400);
    assert.doesNotMatch(error.message, /AIza|leaked/);
  });

  it('never repeats the upstream text of a 401 or 403', () => {
    for (const status of [401, 403]) {
      const error = gemini.decodeError(status, fixture('error-403.json'));
      assert.doesNotMatch(error.message, /AIza|leaked|project/);
      assert.equal(error.retryable, false);
    }
  });

  it('reads retry-after from the header, else from RetryInfo', () => {
    const fromHeader = gemini.decodeError(429, fixture('error-429.json'), { 'retry-after': '7' });
    assert.equal(fromHeader.kind, 'rate_limited');
    assert.equal(fromHeader.retryable, true);
    assert.equal(fromHeader.retryAfterSeconds, 7);
    assert.equal(gemini.decodeError(429, fixture('error-429.json')).retryAfterSeconds, 37);
  });

  it('marks an overloaded model as retryable', () => {
    const error = gemini.decodeError(503, fixture('error-503.json'));
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
    assert.equal(error.upstreamStatus, 503);
    assert.match(error.message, /overloaded/);
  });

  it('copes with an array-wrapped error and a non-JSON body', () => {
    const wrapped = gemini.decodeError(500, [
      { error: { code: 500, message: 'Internal error', status: 'INTERNAL' } },
    ]);
    assert.equal(wrapped.kind, 'upstream_error');
    assert.equal(wrapped.code, 'INTERNAL');
    assert.equal(wrapped.retryable, true);
    const html = gemini.decodeError(502, '<html>Bad Gateway</html>');
    assert.match(html.message, /Bad Gateway/);
  });
});
