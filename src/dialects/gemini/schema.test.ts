import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toGeminiSchema } from './schema.ts';

describe('toGeminiSchema', () => {
  it('drops keywords Gemini rejects and keeps the ones it documents', () => {
    const input = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'https://example.com/order',
      type: 'object',
      title: 'Order',
      description: 'An order',
      additionalProperties: false,
      properties: {
        email: { type: 'string', format: 'email', minLength: 3, maxLength: 200, pattern: '^.+@.+$' },
        placed: { type: 'string', format: 'date-time' },
        quantity: {
          type: 'integer',
          format: 'int32',
          minimum: 1,
          maximum: 99,
          exclusiveMaximum: 100,
          multipleOf: 1,
        },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
      },
      required: ['email', 'not_a_property'],
    };
    const copy = structuredClone(input);
    assert.deepEqual(toGeminiSchema(input), {
      type: 'object',
      title: 'Order',
      description: 'An order',
      properties: {
        email: { type: 'string', minLength: 3, maxLength: 200, pattern: '^.+@.+$' },
        placed: { type: 'string', format: 'date-time' },
        quantity: { type: 'integer', format: 'int32', minimum: 1, maximum: 99 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
      required: ['email'],
    });
    assert.deepEqual(input, copy, 'the input schema is left untouched');
  });

  it('turns nullable type lists and null branches into nullable', () => {
    assert.deepEqual(toGeminiSchema({ type: ['string', 'null'] }), { type: 'string', nullable: true });
    assert.deepEqual(toGeminiSchema({ anyOf: [{ type: 'number' }, { type: 'null' }], description: 'd' }), {
      type: 'number',
      nullable: true,
      description: 'd',
    });
    assert.deepEqual(toGeminiSchema({ type: ['string', 'integer'] }), {
      anyOf: [{ type: 'string' }, { type: 'integer' }],
    });
  });

  it('rewrites oneOf to anyOf, const to a one-value enum and drops non-string enums', () => {
    assert.deepEqual(toGeminiSchema({ oneOf: [{ type: 'string' }, { type: 'boolean' }] }), {
      anyOf: [{ type: 'string' }, { type: 'boolean' }],
    });
    assert.deepEqual(toGeminiSchema({ const: 'fixed' }), { type: 'string', enum: ['fixed'] });
    assert.deepEqual(toGeminiSchema({ type: 'integer', enum: [1, 2, 3] }), { type: 'integer' });
  });

  it('inlines local $refs, with siblings taking precedence', () => {
    const schema = {
      type: 'object',
      $defs: { address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      definitions: { id: { type: 'string', description: 'An id' } },
      properties: {
        home: { $ref: '#/$defs/address', description: 'Home address' },
        id: { $ref: '#/definitions/id' },
      },
    };
    assert.deepEqual(toGeminiSchema(schema), {
      type: 'object',
      properties: {
        home: {
          type: 'object',
          description: 'Home address',
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
        id: { type: 'string', description: 'An id' },
      },
    });
  });

  it('cuts a recursive $ref instead of expanding it forever', () => {
    const schema = {
      $defs: {
        node: {
          type: 'object',
          properties: {
            value: { type: 'string' },
            child: { $ref: '#/$defs/node', description: 'The next node' },
          },
        },
      },
      $ref: '#/$defs/node',
    };
    assert.deepEqual(toGeminiSchema(schema), {
      type: 'object',
      properties: { value: { type: 'string' }, child: { description: 'The next node' } },
    });
  });

  it('merges allOf members', () => {
    assert.deepEqual(
      toGeminiSchema({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'number' } }, required: ['b'] },
        ],
      }),
      { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a', 'b'] },
    );
  });

  it('drops an empty properties object', () => {
    assert.deepEqual(toGeminiSchema({ type: 'object', properties: {}, additionalProperties: true }), {
      type: 'object',
    });
  });
});
