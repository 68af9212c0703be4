import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ErrorKind, GatewayError } from '../../core/errors.ts';
import { anthropicMessages } from '../anthropic-messages.ts';
import { fixture } from '../fixtures/anthropic/load.ts';

const { encodeError, decodeError } = anthropicMessages;

describe('anthropic encodeError', () => {
  const cases: Array<[ErrorKind, number, string]> = [
    ['invalid_request', 400, 'invalid_request_error'],
    ['authentication', 401, 'authentication_error'],
    ['permission', 403, 'permission_error'],
    ['not_found', 404, 'not_found_error'],
    ['model_not_found', 404, 'not_found_error'],
    ['payload_too_large', 413, 'request_too_large'],
    ['rate_limited', 429, 'rate_limit_error'],
    ['internal', 500, 'api_error'],
    ['upstream_error', 502, 'api_error'],
    ['unavailable', 503, 'api_error'],
    ['upstream_timeout', 504, 'timeout_error'],
    ['overloaded', 529, 'overloaded_error'],
  ];
  for (const [kind, status, type] of cases) {
    it(`sends ${kind} as ${status} ${type}`, () => {
      const { status: sent, body } = encodeError(new GatewayError(kind, 'Something went wrong'));
      assert.equal(sent, status);
      assert.deepEqual(body, { type: 'error', error: { type, message: 'Something went wrong' } });
    });
  }

  it('keeps a status passed on from an upstream', () => {
    const error = new GatewayError('invalid_request', 'Unprocessable', { status: 422 });
    assert.equal(encodeError(error).status, 422);
  });
});

describe('anthropic decodeError', () => {
  it('reads overload as a retryable overloaded error', () => {
    const error = decodeError(529, fixture('error-overloaded.json'), { 'retry-after': '7' });
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
    assert.equal(error.upstreamStatus, 529);
    assert.equal(error.retryAfterSeconds, 7);
    assert.equal(error.message, 'Overloaded');
    assert.equal(
      decodeError(503, { type: 'error', error: { type: 'overloaded_error', message: 'x' } }).kind,
      'overloaded',
    );
  });

  it("passes a bad request on with Anthropic's message and flags a too-long prompt", () => {
    const error = decodeError(400, fixture('error-invalid-request.json'));
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.equal(error.message, 'prompt is too long: 214077 tokens > 200000 maximum');
    assert.equal(error.code, 'context_length_exceeded');
  });

  it('reads rate limits with their retry-after', () => {
    const error = decodeError(429, fixture('error-rate-limit.json'), { 'retry-after': ['30'] });
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryAfterSeconds, 30);
    assert.match(error.message, /rate limit/);
  });

  it('never repeats the text of a credential failure', () => {
    const body = fixture('error-authentication.json');
    for (const status of [401, 403]) {
      const error = decodeError(status, body);
      assert.equal(error.kind, 'upstream_error');
      assert.equal(error.upstreamStatus, status);
      assert.doesNotMatch(error.message, /sk-ant|x-api-key/);
    }
  });

  it('copes with bodies that are not Anthropic errors', () => {
    const html = decodeError(502, '<html>Bad gateway</html>');
    assert.equal(html.kind, 'upstream_error');
    assert.equal(html.message, '<html>Bad gateway</html>');
    assert.equal(decodeError(500, undefined).message, 'Upstream answered HTTP 500');
    assert.equal(decodeError(408, {}).kind, 'upstream_timeout');
    assert.equal(decodeError(413, {}).kind, 'payload_too_large');
  });

  it('reads a retry-after given as a date', () => {
    const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
    const error = decodeError(429, {}, { 'retry-after': inOneMinute });
    assert.ok(
      error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 50 && error.retryAfterSeconds <= 60,
    );
  });

  it('round-trips its own error bodies', () => {
    const { status, body } = encodeError(new GatewayError('rate_limited', 'Slow down'));
    const error = decodeError(status, body);
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.message, 'Slow down');
  });
});
