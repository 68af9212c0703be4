import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendedPrice, compareDecimal, decimalRatio, normalizeDecimal, scaledDecimal } from './decimal.ts';

test('per-token float prices become exact per-million decimals without float noise', () => {
  const cases: Array<[number, string]> = [
    [1.5e-7, '0.15'],
    [1.5000000000000002e-7, '0.15'], // what 0.15 / 1e6 looks like after float arithmetic
    [6e-7, '0.6'],
    [0.000003, '3'],
    [0.0000225, '22.5'],
    [3.0000000000000004e-7, '0.3'],
    [0.0000029999900000000002, '2.99999'],
    [8.333333333333334e-8, '0.08333333333'],
    [0, '0'],
    [1e-15, '0.000000001'],
  ];
  for (const [perToken, expected] of cases)
    assert.equal(scaledDecimal(perToken, 6), expected, String(perToken));
});

test('per-unit prices keep at most 12 decimals', () => {
  assert.equal(scaledDecimal(0.00006, 0), '0.00006');
  assert.equal(scaledDecimal(1e-14, 0), '0');
  assert.throws(() => scaledDecimal(-1, 0), RangeError);
  assert.throws(() => scaledDecimal(Number.NaN, 0), RangeError);
});

test('configured prices are normalized, exponent notation included', () => {
  assert.equal(normalizeDecimal('2.50'), '2.5');
  assert.equal(normalizeDecimal('3'), '3');
  assert.equal(normalizeDecimal('1e-7'), '0.0000001');
  assert.equal(normalizeDecimal('0.1234567890123456'), '0.123456789012');
  assert.throws(() => normalizeDecimal('-1'), RangeError);
  assert.throws(() => normalizeDecimal('cheap'), RangeError);
  assert.throws(() => normalizeDecimal(''), RangeError);
});

test('decimals compare exactly, however many places they have', () => {
  assert.equal(compareDecimal('0.15', '0.150'), 0);
  assert.ok(compareDecimal('0.1', '0.15') < 0);
  assert.ok(compareDecimal('10', '9.999999999999') > 0);
});

test('the blended price weighs input three to one', () => {
  assert.equal(blendedPrice('2.5', '10'), '4.375');
  assert.equal(blendedPrice('0.15', '0.6'), '0.2625');
  assert.equal(blendedPrice('0', '0'), '0');
  assert.equal(decimalRatio('0.2625', '4.375'), 0.06);
  assert.throws(() => decimalRatio('1', '0'), RangeError);
});
