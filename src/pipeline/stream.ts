import { GatewayError, toGatewayError } from '../core/errors.ts';
import type { StreamFrame } from '../core/ir.ts';

/** A stream whose first frame has already arrived, so the attempt is committed before any byte is sent. */
export interface PrimedStream {
  first: StreamFrame | undefined;
  rest: AsyncIterator<StreamFrame>;
}

/** Waits for the first frame: an upstream that fails before it is an attempt failure, and retryable. */
export async function primeStream(frames: AsyncIterable<StreamFrame>): Promise<PrimedStream> {
  const iterator = frames[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    return { first: first.done ? undefined : first.value, rest: iterator };
  } catch (error) {
    await iterator.return?.();
    throw toGatewayError(error);
  }
}

/**
 * Replays a primed stream as one iterable. `onFrame` sees every frame (usage, text for counting);
 * `onEnd` runs once the stream is over, however it ended (done, failed, or left by the client).
 */
export async function* replay(
  primed: PrimedStream,
  onFrame: (frame: StreamFrame) => void,
  onEnd?: () => void,
): AsyncGenerator<StreamFrame> {
  try {
    if (primed.first) {
      onFrame(primed.first);
      yield primed.first;
    }
    while (true) {
      let next: IteratorResult<StreamFrame>;
      try {
        next = await primed.rest.next();
      } catch (error) {
        const failure = toGatewayError(error);
        // Mid-stream failures are never retried: the client already has bytes.
        throw new GatewayError(failure.kind, failure.message, { ...failure, retryable: false, cause: error });
      }
      if (next.done) return;
      onFrame(next.value);
      yield next.value;
    }
  } finally {
    try {
      await primed.rest.return?.();
    } finally {
      onEnd?.();
    }
  }
}
