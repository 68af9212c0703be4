import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDataUrl, retryAfterFromHeaders, upstreamError } from './upstream-common.ts';

describe('retryAfterFromHeaders', () => {
  it('reads delta-seconds, an HTTP date and retry-after-ms, whatever the header case', () => {
    assert.equal(retryAfterFromHeaders({ 'Retry-After': '30' }), 30);
    const now = Date.parse('2025-06-01T12:00:00Z');
    assert.equal(retryAfterFromHeaders({ 'retry-after': 'Sun, 01 Jun 2025 12:00:45 GMT' }, now), 45);
    assert.equal(retryAfterFromHeaders({ 'retry-after-ms': '1500', 'retry-after': '9' }), 1.5);
    assert.equal(retryAfterFromHeaders({ 'retry-after': ['4', '8'] }), 4);
    assert.equal(retryAfterFromHeaders({ 'retry-after': 'soon' }), undefined);
    assert.equal(retryAfterFromHeaders(undefined), undefined);
  });
});

describe('upstreamError', () => {
  it('keeps the status of a caller mistake such as 422', () => {
    const error = upstreamError({ dialect: 'cohere', status: 422, message: 'too many tools' });
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 422);
    assert.equal(error.upstreamStatus, 422);
  });

  it('bounds a long upstream message and names the status when there is none', () => {
    const long = upstreamError({ dialect: 'gemini', status: 500, message: 'x'.repeat(5000) });
    assert.ok(long.message.length < 1100);
    const empty = upstreamError({ dialect: 'gemini', status: 502, message: undefined });
    assert.match(empty.message, /502/);
  });
});

describe('parseDataUrl', () => {
  it('splits a base64 data URL and ignores other URLs', () => {
    assert.deepEqual(parseDataUrl('data:image/PNG;base64,iVBO'), { mediaType: 'image/png', data: 'iVBO' });
    assert.equal(parseDataUrl('https://example.com/a.png'), undefined);
    assert.equal(parseDataUrl('data:text/plain,hello'), undefined);
  });
});
