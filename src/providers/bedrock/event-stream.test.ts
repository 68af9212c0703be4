import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { SseEvent } from '../../dialects/types.ts';
import { eventStreamParser } from './event-stream.ts';
import { eventFrame, exceptionFrame, encodeMessage as frame } from './testing.ts';

/** The bytes cut into pieces of `size` (the last one shorter), as TCP may deliver them. */
async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function read(source: AsyncIterable<Uint8Array>): Promise<SseEvent[]> {
  const parser = await eventStreamParser('bedrock-test');
  const events: SseEvent[] = [];
  for await (const chunk of source) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

async function failure(source: AsyncIterable<Uint8Array>): Promise<GatewayError> {
  try {
    await read(source);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the stream to fail');
}

const stream = Buffer.concat([
  eventFrame('messageStart', { role: 'assistant', p: 'abc' }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Olá, ' } }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'mundo' } }),
  eventFrame('messageStop', { stopReason: 'end_turn' }),
]);

describe('bedrock event stream', () => {
  it('yields one event per message whatever the chunk boundaries, multi-byte text included', async () => {
    const expected = [
      { event: 'messageStart', data: '{"role":"assistant","p":"abc"}' },
      { event: 'contentBlockDelta', data: '{"contentBlockIndex":0,"delta":{"text":"Olá, "}}' },
      { event: 'contentBlockDelta', data: '{"contentBlockIndex":0,"delta":{"text":"mundo"}}' },
      { event: 'messageStop', data: '{"stopReason":"end_turn"}' },
    ];
    for (const size of [1, 2, 3, 7, 13, 64, stream.length]) {
      assert.deepEqual(await read(chunks(stream, size)), expected, `chunks of ${size} bytes`);
    }
  });

  it('names exception messages by their exception type', async () => {
    const bytes = exceptionFrame('throttlingException', { message: 'Too many tokens' });
    assert.deepEqual(await read(chunks(bytes, 5)), [
      { event: 'throttlingException', data: '{"message":"Too many tokens"}' },
    ]);
  });

  it('throws error messages as the GatewayError their code says', async () => {
    const bytes = frame(
      {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'ServiceUnavailableException' },
        ':error-message': { type: 'string', value: 'Try again' },
      },
      '',
    );
    const error = await failure(chunks(bytes, 4));
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
  });

  it('events before a failing message in the same chunk come out before the failure', async () => {
    const parser = await eventStreamParser('bedrock-test');
    const error = frame(
      {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'ServiceUnavailableException' },
        ':error-message': { type: 'string', value: 'Try again' },
      },
      '',
    );
    const bytes = Buffer.concat([eventFrame('messageStart', { role: 'assistant' }), error]);
    assert.deepEqual(parser.push(bytes), [{ event: 'messageStart', data: '{"role":"assistant"}' }]);
    assert.throws(
      () => parser.end(),
      (thrown) => thrown instanceof GatewayError && thrown.kind === 'overloaded',
    );
  });

  it('a stream that stops inside a message is interrupted, not finished', async () => {
    const error = await failure(chunks(stream.subarray(0, stream.length - 5), 16));
    assert.equal(error.code, 'upstream_stream_interrupted');
  });

  it('a corrupted message or an absurd length is a broken stream', async () => {
    const corrupted = Buffer.from(stream);
    corrupted[30] = (corrupted[30] ?? 0) ^ 0xff;
    assert.equal((await failure(chunks(corrupted, 8))).code, 'upstream_invalid_stream');
    const absurd = Buffer.alloc(16);
    absurd.writeUInt32BE(0xfffffff0, 0);
    assert.equal((await failure(chunks(absurd, 16))).code, 'upstream_invalid_stream');
  });
});
