import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sseParser } from './sse.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('SSE parser', () => {
  it('returns every event a chunk completes, in order, with its name and id', () => {
    const parser = sseParser();
    assert.deepEqual(parser.push(bytes('data: {"a":1}\n\nevent: ping\nid: 7\ndata: {}\n\ndata: x')), [
      { data: '{"a":1}' },
      { event: 'ping', id: '7', data: '{}' },
    ]);
    assert.deepEqual(parser.push(bytes('yz\n\n')), [{ data: 'xyz' }]);
    assert.deepEqual(parser.end(), []);
  });

  it('joins events and multi-byte characters split across chunks at any byte', () => {
    const text = 'data: {"text":"Olá, mundo 👋"}\n\ndata: [DONE]\n\n';
    const encoded = bytes(text);
    for (const size of [1, 2, 3, 5, 8, encoded.length]) {
      const parser = sseParser();
      const events = [];
      for (let start = 0; start < encoded.length; start += size)
        events.push(...parser.push(encoded.subarray(start, start + size)));
      events.push(...parser.end());
      assert.deepEqual(
        events,
        [{ data: '{"text":"Olá, mundo 👋"}' }, { data: '[DONE]' }],
        `chunks of ${size}`,
      );
    }
  });

  it('drops an event the body ends inside, as the SSE specification says', () => {
    const parser = sseParser();
    assert.deepEqual(parser.push(bytes('data: {"a":1}\n\ndata: {"b":2}\n')), [{ data: '{"a":1}' }]);
    assert.deepEqual(parser.end(), []);
  });
});
