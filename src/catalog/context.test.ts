import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkContextWindow,
  DEPRECATION_HEADER,
  defaultMaxOutputTokens,
  deprecationNotice,
  deprecationStatus,
  retiredModelError,
} from './context.ts';

test('a request whose input cannot fit is refused with a 400 that gives the numbers', () => {
  const error = checkContextWindow({ contextWindow: 128000 }, 130000, 4096);
  assert.ok(error);
  assert.equal(error.status, 400);
  assert.equal(error.kind, 'invalid_request');
  assert.equal(error.code, 'context_length_exceeded');
  assert.equal(error.param, 'messages');
  assert.equal(error.retryable, false);
  assert.match(
    error.message,
    /^This model's maximum context length is 128000 tokens; the request has about 130000 input tokens plus 4096 requested output tokens\./,
  );
  assert.doesNotMatch(checkContextWindow({ contextWindow: 8192 }, 9000)?.message ?? '', /requested output/);
});

test('a request that fits, or a model without a known window, passes', () => {
  assert.equal(checkContextWindow({ contextWindow: 128000 }, 128000, 4096), undefined);
  assert.equal(checkContextWindow({ contextWindow: 272000 }, 200000, 128000), undefined);
  assert.equal(checkContextWindow({}, 10_000_000, 4096), undefined);
});

test('the default output budget is the model maximum, else a fallback', () => {
  assert.equal(defaultMaxOutputTokens({ maxOutputTokens: 64000 }), 64000);
  assert.equal(defaultMaxOutputTokens({}), 4096);
  assert.equal(defaultMaxOutputTokens(undefined, 1024), 1024);
});

const retiring = { provider: 'openai', id: 'gpt-4o-2024-05-13', deprecationDate: '2026-03-01' };
const before = Date.parse('2026-02-28T23:59:59Z');
const onTheDay = Date.parse('2026-03-01T00:00:00Z');

test('deprecation status tells announced from past', () => {
  assert.deepEqual(deprecationStatus({}, onTheDay), { deprecated: false, pastDate: false });
  assert.deepEqual(deprecationStatus(retiring, before), {
    deprecated: true,
    pastDate: false,
    date: '2026-03-01',
  });
  assert.deepEqual(deprecationStatus(retiring, onTheDay), {
    deprecated: true,
    pastDate: true,
    date: '2026-03-01',
  });
});

test('a deprecated model gets a Sunset header and a readable warning', () => {
  assert.equal(deprecationNotice({ provider: 'openai', id: 'gpt-4o' }, before), undefined);
  const upcoming = deprecationNotice(retiring, before);
  assert.ok(upcoming);
  assert.equal(upcoming.headers.sunset, 'Sun, 01 Mar 2026 00:00:00 GMT');
  assert.equal(upcoming.headers[DEPRECATION_HEADER], upcoming.message);
  assert.match(upcoming.message, /openai\/gpt-4o-2024-05-13 is deprecated and will be retired on 2026-03-01/);
  const past = deprecationNotice(retiring, onTheDay);
  assert.match(past?.message ?? '', /was retired by its provider on 2026-03-01/);
});

test('a retired model can be blocked with a clear error', () => {
  const error = retiredModelError(retiring);
  assert.equal(error.status, 404);
  assert.equal(error.code, 'model_deprecated');
  assert.equal(error.param, 'model');
  assert.match(error.message, /gpt-4o-2024-05-13 was retired on 2026-03-01/);
});
