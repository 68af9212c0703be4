import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { valueForSchema } from './json-schema-values.ts';

/** Generates a value and checks it against the schema with an independent validator. */
function validValue(schema: Record<string, unknown>): unknown {
  const value = valueForSchema(schema);
  const check = z.fromJSONSchema(schema).safeParse(value);
  assert.equal(check.success, true, `${JSON.stringify(value)} does not satisfy ${JSON.stringify(schema)}`);
  return value;
}

describe('values generated from JSON Schema', () => {
  test('scalars, enums and consts take predictable values', () => {
    const value = validValue({
      type: 'object',
      properties: {
        city: { type: 'string' },
        count: { type: 'integer' },
        ratio: { type: 'number' },
        active: { type: 'boolean' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        kind: { const: 'fixed' },
        nothing: { type: 'null' },
      },
      required: ['city', 'count', 'ratio', 'active', 'unit', 'kind', 'nothing'],
      additionalProperties: false,
    });
    assert.deepEqual(value, {
      city: 'example city',
      count: 1,
      ratio: 1.5,
      active: true,
      unit: 'celsius',
      kind: 'fixed',
      nothing: null,
    });
  });

  test('the same schema always gives the same value', () => {
    const schema = { type: 'object', properties: { a: { type: 'array', items: { type: 'number' } } } };
    assert.deepEqual(valueForSchema(schema), valueForSchema(structuredClone(schema)));
  });

  test('numeric bounds, multiples and string lengths are respected', () => {
    validValue({
      type: 'object',
      properties: {
        adult: { type: 'integer', minimum: 18, maximum: 120 },
        positive: { type: 'number', exclusiveMinimum: 0 },
        below: { type: 'integer', exclusiveMaximum: -5 },
        step: { type: 'number', minimum: 1.05, multipleOf: 0.1 },
        even: { type: 'integer', minimum: 3, multipleOf: 2 },
        code: { type: 'string', minLength: 20 },
        short: { type: 'string', maxLength: 3 },
      },
      required: ['adult', 'positive', 'below', 'step', 'even', 'code', 'short'],
    });
  });

  test('string formats get well-formed examples', () => {
    const value = validValue({
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        mail: { type: 'string', format: 'email' },
        link: { type: 'string', format: 'uri' },
        id: { type: 'string', format: 'uuid' },
      },
      required: ['when', 'day', 'mail', 'link', 'id'],
    }) as Record<string, string>;
    assert.ok(!Number.isNaN(Date.parse(value.when ?? '')));
  });

  test('arrays honour minItems, maxItems and uniqueItems; tuples use prefixItems', () => {
    const value = validValue({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' }, minItems: 3, uniqueItems: true },
        flags: { type: 'array', items: { type: 'boolean' }, minItems: 2, uniqueItems: true },
        colours: { type: 'array', items: { enum: ['red', 'green', 'blue'] }, minItems: 3, uniqueItems: true },
        none: { type: 'array', items: { type: 'integer' }, maxItems: 0 },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false },
      },
      required: ['tags', 'flags', 'colours', 'none', 'pair'],
    }) as Record<string, unknown[]>;
    assert.equal(value.tags?.length, 3);
    assert.deepEqual(value.colours, ['red', 'green', 'blue']);
    assert.deepEqual(value.none, []);
    assert.deepEqual(value.pair, ['example pair', 1]);
  });

  test('nested objects include required properties at every level', () => {
    const value = validValue({
      type: 'object',
      properties: {
        order: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            customer: {
              type: 'object',
              properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' } },
              required: ['email'],
              additionalProperties: false,
            },
            lines: {
              type: 'array',
              items: {
                type: 'object',
                properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
                required: ['sku', 'quantity'],
              },
            },
          },
          required: ['id', 'customer', 'lines'],
        },
      },
      required: ['order'],
    }) as { order: { customer: { email: string } } };
    assert.equal(value.order.customer.email, 'user@example.com');
  });

  test('local $ref, nullable anyOf, oneOf and allOf are resolved', () => {
    validValue({
      type: 'object',
      $defs: {
        money: {
          type: 'object',
          properties: { amount: { type: 'number' }, currency: { enum: ['USD', 'EUR'] } },
          required: ['amount', 'currency'],
        },
      },
      properties: {
        price: { $ref: '#/$defs/money' },
        discount: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/money' }] },
        note: { type: ['string', 'null'] },
        contact: { oneOf: [{ type: 'string', format: 'email' }, { type: 'integer' }] },
        audit: {
          allOf: [
            { type: 'object', properties: { by: { type: 'string' } }, required: ['by'] },
            { properties: { at: { type: 'string', format: 'date-time' } }, required: ['at'] },
          ],
        },
      },
      required: ['price', 'discount', 'note', 'contact', 'audit'],
    });
  });

  test('a recursive schema terminates, filling required fields only past a depth', () => {
    const value = validValue({
      type: 'object',
      $defs: {
        node: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['name'],
        },
      },
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
    });
    assert.ok(JSON.stringify(value).length < 1_000);
  });

  test('a required property without a schema is still present', () => {
    assert.deepEqual(validValue({ type: 'object', required: ['anything'] }), {
      anything: 'example anything',
    });
  });
});
