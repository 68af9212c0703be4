import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import type { EmbeddingRequest } from '../core/ir.ts';
import {
  decodeEmbeddingRequest,
  decodeEmbeddingResponse,
  encodeEmbeddingRequest,
  encodeEmbeddingResponse,
} from './openai-embeddings.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/openai/${name}`, import.meta.url), 'utf8'));
}

describe('openai-embeddings request codecs', () => {
  it('decodes the documented request', () => {
    const body = fixture('embeddings.request.json');
    const request = decodeEmbeddingRequest(body);
    assert.equal(request.model, 'text-embedding-3-small');
    assert.deepEqual(request.input, [
      'The food was delicious and the waiter was friendly.',
      'The quick brown fox jumped over the lazy dog',
    ]);
    assert.equal(request.dimensions, 3);
    assert.equal(request.encodingFormat, 'float');
    assert.equal(request.user, 'user-1234');
    assert.deepEqual(request.extra, {});
    assert.deepEqual(request.source, { dialect: 'openai-embeddings', body });
  });

  it('accepts a single string, one token array and several token arrays', () => {
    assert.deepEqual(decodeEmbeddingRequest({ model: 'm', input: 'hello' }).input, ['hello']);
    assert.deepEqual(decodeEmbeddingRequest({ model: 'm', input: [1212, 318, 257] }).input, [
      [1212, 318, 257],
    ]);
    assert.deepEqual(decodeEmbeddingRequest({ model: 'm', input: [[1], [2, 3]] }).input, [[1], [2, 3]]);
    assert.deepEqual(
      decodeEmbeddingRequest({ model: 'm', input: 'x', input_type: 'search_query', truncate: 'END' }).extra,
      {
        truncate: 'END',
      },
    );
  });

  const invalid: Array<[string, unknown, string | undefined]> = [
    ['a body that is not an object', 'input', undefined],
    ['a missing model', { input: 'x' }, 'model'],
    ['a missing input', { model: 'm' }, 'input'],
    ['an empty string', { model: 'm', input: '' }, 'input'],
    ['an empty array', { model: 'm', input: [] }, 'input'],
    ['more than 2048 inputs', { model: 'm', input: Array.from({ length: 2049 }, () => 'x') }, 'input'],
    ['mixed strings and numbers', { model: 'm', input: ['a', 1] }, 'input[1]'],
    ['a fractional token id', { model: 'm', input: [[1, 2.5]] }, 'input[0][1]'],
    ['an object input', { model: 'm', input: [{ text: 'x' }] }, 'input[0]'],
    ['zero dimensions', { model: 'm', input: 'x', dimensions: 0 }, 'dimensions'],
    ['an unknown encoding format', { model: 'm', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    ['a numeric user', { model: 'm', input: 'x', user: 7 }, 'user'],
  ];
  for (const [label, body, param] of invalid) {
    it(`rejects ${label} with a 400 naming ${param ?? 'the body'}`, () => {
      assert.throws(
        () => decodeEmbeddingRequest(body),
        (error: unknown) => error instanceof GatewayError && error.status === 400 && error.param === param,
      );
    });
  }

  it('forwards an OpenAI body with the upstream model, and builds one from the IR otherwise', () => {
    const body = { model: 'embed-default', input: 'x', encoding_format: 'base64', vendor_flag: true };
    const request = decodeEmbeddingRequest(body);
    assert.deepEqual(encodeEmbeddingRequest(request, 'text-embedding-3-large'), {
      ...body,
      model: 'text-embedding-3-large',
    });
    // Another inbound embeddings dialect (none exists yet) would be encoded from the IR fields.
    const otherSource = { dialect: 'cohere', body: {} } as unknown as EmbeddingRequest['source'];
    const built = encodeEmbeddingRequest({ ...request, dimensions: 256, source: otherSource }, 'up');
    assert.deepEqual(built, { model: 'up', input: ['x'], dimensions: 256, encoding_format: 'base64' });
  });
});

describe('openai-embeddings response codecs', () => {
  it('decodes the documented response in input order', () => {
    const response = decodeEmbeddingResponse(fixture('embeddings.response.json'));
    assert.equal(response.model, 'text-embedding-3-small');
    assert.deepEqual(response.data, [
      [-0.006929283, -0.005336422, 0.0045166826],
      [0.0023064255, -0.009327292, -0.0028842222],
    ]);
    assert.deepEqual(response.usage, { inputTokens: 19 });
  });

  it('keeps base64 embeddings as strings and rejects malformed bodies', () => {
    const response = decodeEmbeddingResponse({
      object: 'list',
      model: 'm',
      data: [{ index: 0, embedding: 'AAAAPw==' }],
    });
    assert.deepEqual(response.data, ['AAAAPw==']);
    assert.deepEqual(response.usage, { inputTokens: 0 });
    for (const body of [null, {}, { data: [{ embedding: ['a'] }] }, { data: [3] }]) {
      assert.throws(
        () => decodeEmbeddingResponse(body),
        (error: unknown) => error instanceof GatewayError && error.kind === 'upstream_error',
      );
    }
  });

  it('encodes the OpenAI list shape under the model name the client asked for', () => {
    const encoded = encodeEmbeddingResponse(
      decodeEmbeddingResponse(fixture('embeddings.response.json')),
      'embed-default',
    );
    assert.deepEqual(encoded, {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [-0.006929283, -0.005336422, 0.0045166826] },
        { object: 'embedding', index: 1, embedding: [0.0023064255, -0.009327292, -0.0028842222] },
      ],
      model: 'embed-default',
      usage: { prompt_tokens: 19, total_tokens: 19 },
    });
    assert.equal(encodeEmbeddingResponse({ model: 'up', data: [], usage: { inputTokens: 0 } }).model, 'up');
  });
});
