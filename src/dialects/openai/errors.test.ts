import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import { decodeChatError, encodeChatError, retryAfterSeconds } from './errors.ts';

describe('openai-chat encodeError', () => {
  const cases: Array<[GatewayError, number, Record<string, unknown>]> = [
    [
      new GatewayError('invalid_request', 'messages[1].role must be one of ...', {
        param: 'messages[1].role',
      }),
      400,
      {
        message: 'messages[1].role must be one of ...',
        type: 'invalid_request_error',
        param: 'messages[1].role',
        code: null,
      },
    ],
    [
      new GatewayError('authentication', 'Invalid API key'),
      401,
      { message: 'Invalid API key', type: 'authentication_error', param: null, code: null },
    ],
    [
      new GatewayError('permission', 'This key may not use model "gpt-4o"'),
      403,
      { message: 'This key may not use model "gpt-4o"', type: 'permission_error', param: null, code: null },
    ],
    [
      new GatewayError('model_not_found', 'The model "nope" does not exist', { param: 'model' }),
      404,
      {
        message: 'The model "nope" does not exist',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    ],
    [
      new GatewayError('payload_too_large', 'Body too large'),
      413,
      { message: 'Body too large', type: 'invalid_request_error', param: null, code: null },
    ],
    [
      new GatewayError('rate_limited', 'Rate limit of 60 requests per minute reached'),
      429,
      {
        message: 'Rate limit of 60 requests per minute reached',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_exceeded',
      },
    ],
    [
      new GatewayError('rate_limited', 'Monthly budget exhausted', { code: 'budget_exceeded' }),
      429,
      { message: 'Monthly budget exhausted', type: 'rate_limit_error', param: null, code: 'budget_exceeded' },
    ],
    [
      new GatewayError('overloaded', 'Upstream overloaded'),
      503,
      { message: 'Upstream overloaded', type: 'server_error', param: null, code: null },
    ],
    [
      new GatewayError('internal', 'Internal gateway error'),
      500,
      { message: 'Internal gateway error', type: 'server_error', param: null, code: null },
    ],
    [
      new GatewayError('invalid_request', 'Upstream error: bad schema', {
        status: 422,
        param: 'response_format',
      }),
      422,
      {
        message: 'Upstream error: bad schema',
        type: 'invalid_request_error',
        param: 'response_format',
        code: null,
      },
    ],
  ];
  for (const [error, status, body] of cases) {
    it(`encodes ${error.kind} (${status})`, () => {
      assert.deepEqual(encodeChatError(error), { status, body: { error: body } });
    });
  }
});

describe('openai-chat decodeError', () => {
  it('passes a 400 on with its status, param and code', () => {
    const error = decodeChatError(400, {
      error: {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    });
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.upstreamStatus, 400);
    assert.equal(error.param, 'messages');
    assert.equal(error.code, 'context_length_exceeded');
    assert.equal(error.retryable, false);
    assert.equal(error.message, "Upstream error: This model's maximum context length is 128000 tokens.");
  });

  it('never repeats the upstream text of a 401 or 403, which may quote the provider key', () => {
    const fakeKey = 'sk-proj-FAKEKEY1234567890abcdef';
    for (const status of [401, 403]) {
      const error = decodeChatError(status, {
        error: {
          message: `Incorrect API key provided: ${fakeKey}. You can find your API key at ...`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
      assert.equal(error.message, "The provider rejected the gateway's credentials");
      assert.ok(!JSON.stringify({ ...error, message: error.message }).includes('FAKEKEY'));
      assert.equal(error.kind, 'upstream_error');
      assert.equal(error.status, 502);
      assert.equal(error.upstreamStatus, status);
      assert.equal(error.retryable, false);
    }
  });

  it('reads retry-after on a 429', () => {
    const error = decodeChatError(
      429,
      {
        error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' },
      },
      { 'retry-after': '20' },
    );
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 20);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(decodeChatError(429, {}, { 'retry-after-ms': '1500' }).retryAfterSeconds, 1.5);
    assert.equal(
      retryAfterSeconds(
        { 'Retry-After': 'Wed, 21 Oct 2015 07:28:30 GMT' },
        Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'),
      ),
      30,
    );
  });

  it('maps a 500 to a retryable upstream error, whatever the body', () => {
    const error = decodeChatError(500, {
      error: { message: 'The server had an error while processing your request.', type: 'server_error' },
    });
    assert.equal(error.kind, 'upstream_error');
    assert.equal(error.status, 502);
    assert.equal(error.upstreamStatus, 500);
    assert.equal(error.retryable, true);
    assert.equal(error.message, 'Upstream error: The server had an error while processing your request.');
    assert.equal(
      decodeChatError(502, '<html>Bad gateway</html>').message,
      'Upstream error: <html>Bad gateway</html>',
    );
    assert.equal(decodeChatError(503, undefined).message, 'Upstream error: HTTP 503');
    assert.equal(decodeChatError(503, undefined).kind, 'overloaded');
  });

  it('reads the error shapes of compatible servers and blanks out anything shaped like a key', () => {
    assert.equal(
      decodeChatError(404, { error: 'model "llama9" not found, try pulling it first' }).message,
      'Upstream error: model "llama9" not found, try pulling it first',
    );
    assert.equal(
      decodeChatError(400, {
        object: 'error',
        message: 'bad request',
        type: 'BadRequestError',
        param: null,
        code: 400,
      }).message,
      'Upstream error: bad request',
    );
    assert.equal(
      decodeChatError(400, [
        { error: { code: 400, message: 'API key not valid', status: 'INVALID_ARGUMENT' } },
      ]).message,
      'Upstream error: API key not valid',
    );
    assert.equal(
      decodeChatError(500, { error: { message: 'failed with key sk-abcdefghijklmnop' } }).message,
      'Upstream error: failed with key [redacted]',
    );
  });
});
