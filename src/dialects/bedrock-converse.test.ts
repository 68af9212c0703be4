import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEDROCK_JSON_TOOL_NAME, bedrockConverse } from './bedrock-converse.ts';
import { assembleStream, decodeStream, eventsOf, loadJsonFixture, thrownGatewayError } from './testing.ts';
import type { SseEvent } from './types.ts';

function fixture(name: string): unknown {
  return loadJsonFixture('bedrock', name);
}

/** The recorded stream as the provider hands it over: one event per frame, the payload as JSON text. */
function streamFixture(name: string): SseEvent[] {
  return (fixture(name) as Array<{ event: string; data: unknown }>).map((frame) => ({
    event: frame.event,
    data: JSON.stringify(frame.data),
  }));
}

describe('bedrock decodeResponse', () => {
  it('decodes text and counts cache reads and writes as input', () => {
    const response = bedrockConverse.decodeResponse(fixture('response-text.json'));
    assert.deepEqual(response.content, [{ type: 'text', text: 'Lisbon is the capital of Portugal.' }]);
    assert.equal(response.finishReason, 'stop');
    assert.deepEqual(response.usage, {
      inputTokens: 18 + 1536 + 512,
      outputTokens: 9,
      cacheReadTokens: 1536,
      cacheWriteTokens: 512,
      reasoningTokens: 0,
    });
    assert.ok(response.id.length > 0);
  });

  it('decodes reasoning with its signature, text and a tool call', () => {
    const response = bedrockConverse.decodeResponse(fixture('response-tools.json'));
    assert.deepEqual(response.content, [
      {
        type: 'reasoning',
        text: 'The user wants the top song on WZPZ; the tool can tell me.',
        signature: 'ErUBCkYIBRgCIkCFAKESIGNATUREbase64==',
      },
      { type: 'text', text: 'Let me look that up.' },
      {
        type: 'tool_call',
        id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
        name: 'top_song',
        arguments: '{"sign":"WZPZ"}',
      },
    ]);
    assert.equal(response.finishReason, 'tool_calls');
  });

  it('turns the forced JSON tool back into a text answer that finished normally', () => {
    const response = bedrockConverse.decodeResponse(fixture('response-json-tool.json'));
    assert.deepEqual(response.content, [{ type: 'text', text: '{"city":"Lisbon","country":"Portugal"}' }]);
    assert.equal(response.finishReason, 'stop');
  });

  it('maps guardrail and token-limit stops', () => {
    assert.equal(
      bedrockConverse.decodeResponse(fixture('response-guardrail.json')).finishReason,
      'content_filter',
    );
    const stop = (stopReason: string) =>
      bedrockConverse.decodeResponse({ output: { message: { role: 'assistant', content: [] } }, stopReason })
        .finishReason;
    assert.equal(stop('max_tokens'), 'length');
    assert.equal(stop('content_filtered'), 'content_filter');
    assert.equal(stop('stop_sequence'), 'stop');
  });

  it('treats a body without output.message as malformed', () => {
    assert.equal(
      thrownGatewayError(() => bedrockConverse.decodeResponse({ stopReason: 'end_turn' })).code,
      'upstream_invalid_response',
    );
  });
});

describe('bedrock stream decoder', () => {
  it('decodes a ConverseStream with reasoning, text and a tool call', () => {
    const frames = decodeStream(bedrockConverse.createStreamDecoder(), streamFixture('stream-tools.json'));
    const events = eventsOf(frames);
    assert.equal(events[0]?.type, 'start');
    const assembled = assembleStream(events);
    assert.equal(assembled.reasoning, "I need the station's top song.");
    assert.deepEqual(assembled.signatures, ['EqoBCkgIARABGAIiQFAKESIG==']);
    assert.equal(assembled.text, 'Let me check the charts.');
    assert.deepEqual(assembled.toolCalls, [
      { id: 'tooluse_3QzX8a1dT-6g0Rk9yqLhSw', name: 'top_song', arguments: '{"sign": "WZPZ"}' },
    ]);
    assert.deepEqual(
      events.filter((event) => event.type.startsWith('tool_call')).map((event) => event.type),
      ['tool_call_start', 'tool_call_delta', 'tool_call_delta', 'tool_call_end'],
    );
    assert.deepEqual(events.slice(-2), [
      { type: 'finish', reason: 'tool_calls' },
      {
        type: 'usage',
        usage: {
          inputTokens: 402 + 1024,
          outputTokens: 87,
          cacheReadTokens: 1024,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
    ]);
    for (const frame of frames) {
      assert.equal(frame.raw?.dialect, 'bedrock-converse');
      assert.ok(frame.raw?.event);
    }
  });

  it('streams the forced JSON tool as text', () => {
    const decoder = bedrockConverse.createStreamDecoder();
    const frames = decodeStream(decoder, [
      { event: 'messageStart', data: '{"role":"assistant"}' },
      {
        event: 'contentBlockStart',
        data: JSON.stringify({
          contentBlockIndex: 0,
          start: { toolUse: { toolUseId: 't', name: BEDROCK_JSON_TOOL_NAME } },
        }),
      },
      {
        event: 'contentBlockDelta',
        data: '{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\\"city\\":"}}}',
      },
      {
        event: 'contentBlockDelta',
        data: '{"contentBlockIndex":0,"delta":{"toolUse":{"input":"\\"Lisbon\\"}"}}}',
      },
      { event: 'contentBlockStop', data: '{"contentBlockIndex":0}' },
      { event: 'messageStop', data: '{"stopReason":"tool_use"}' },
    ]);
    const events = eventsOf(frames);
    assert.equal(assembleStream(events).text, '{"city":"Lisbon"}');
    assert.equal(
      events.some((event) => event.type.startsWith('tool_call')),
      false,
    );
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
  });

  it('throws exception events as GatewayErrors', () => {
    const throttled = thrownGatewayError(() =>
      bedrockConverse
        .createStreamDecoder()
        .push({ event: 'throttlingException', data: '{"message":"Too many tokens"}' }),
    );
    assert.equal(throttled.kind, 'rate_limited');
    assert.equal(throttled.retryable, true);
    const broken = thrownGatewayError(() =>
      bedrockConverse.createStreamDecoder().push({
        event: 'modelStreamErrorException',
        data: '{"message":"stream failed","originalStatusCode":500}',
      }),
    );
    assert.equal(broken.retryable, true);
    assert.match(broken.message, /stream failed/);
    const invalid = thrownGatewayError(() =>
      bedrockConverse
        .createStreamDecoder()
        .push({ event: 'validationException', data: '{"message":"bad input"}' }),
    );
    assert.equal(invalid.kind, 'invalid_request');
  });
});

describe('bedrock decodeError', () => {
  it('passes a validation error on as the caller’s 400', () => {
    const error = bedrockConverse.decodeError(400, fixture('error-400.json'), {
      'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/',
    });
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'ValidationException');
    assert.match(error.message, /must alternate/);
  });

  it('never repeats the text of a credential failure', () => {
    for (const [status, type] of [
      [403, 'UnrecognizedClientException'],
      [403, 'AccessDeniedException'],
      [401, undefined],
    ] as const) {
      const error = bedrockConverse.decodeError(
        status,
        fixture('error-403.json'),
        type ? { 'x-amzn-errortype': type } : {},
      );
      assert.doesNotMatch(error.message, /AKIA|security token|rejected\./);
      assert.equal(error.retryable, false);
    }
  });

  it('is rate limited and retryable after the header’s delay on throttling', () => {
    const error = bedrockConverse.decodeError(429, fixture('error-429.json'), {
      'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      'retry-after': '3',
    });
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 3);
  });

  it('does not blame the caller for an exhausted quota', () => {
    const error = bedrockConverse.decodeError(
      400,
      { message: 'Your request exceeds the service quota for your account.' },
      { 'x-amzn-errortype': 'ServiceQuotaExceededException' },
    );
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
  });

  it('marks an unavailable service as retryable', () => {
    const error = bedrockConverse.decodeError(503, fixture('error-503.json'), {
      'x-amzn-errortype': 'ServiceUnavailableException',
    });
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
    assert.match(error.message, /unable to process/);
  });
});
