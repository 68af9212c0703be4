import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costOfLines, costOfTokens, divideHalfEven, formatMicros, parseDecimal } from './money.ts';

test('gpt-4o-mini input: 1,000 tokens at $0.15/M cost 150 micro-USD', () => {
  assert.equal(costOfTokens(1000, '0.15'), 150);
});

test('fractions of a micro-unit round half to even, once', () => {
  assert.equal(costOfTokens(1, '0.5'), 0); // 0.5 -> 0 (even)
  assert.equal(costOfTokens(3, '0.5'), 2); // 1.5 -> 2
  assert.equal(costOfTokens(5, '0.5'), 2); // 2.5 -> 2
  assert.equal(
    costOfLines([
      { tokens: 1, pricePerMillion: '0.5' },
      { tokens: 1, pricePerMillion: '0.5' },
    ]),
    1,
  );
});

test('decimal parsing is exact and rejects junk', () => {
  assert.equal(parseDecimal('1.25', 2), 125n);
  assert.equal(parseDecimal('3', 3), 3000n);
  assert.throws(() => parseDecimal('-1', 2), RangeError);
  assert.throws(() => parseDecimal('0.001', 2), RangeError);
  assert.equal(divideHalfEven(7n, 2n), 4n);
});

test('formatMicros renders currency units', () => {
  assert.equal(formatMicros(1234), '0.001234');
  assert.equal(formatMicros(12_500_000), '12.500000');
});
