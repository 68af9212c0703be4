import type { Dispatcher } from 'undici';
import type { CancelSignal } from '../core/cancel.ts';
import type { StreamFrame } from '../core/ir.ts';
import type { SseEvent, StreamDecoder } from '../dialects/types.ts';

type UpstreamBody = Dispatcher.ResponseData['body'];

/**
 * How an upstream frames its stream: SSE for most, AWS's binary event stream for Bedrock. Either
 * way the codec's decoder sees SseEvents.
 */
export type UpstreamEventReader = (
  body: UpstreamBody,
  provider: string,
  signal: CancelSignal,
) => AsyncIterable<SseEvent>;

/** An upstream stream body decoded into IR frames. Ending the iteration early closes the upstream body. */
export async function* decodeUpstreamStream(
  body: UpstreamBody,
  decoder: StreamDecoder,
  provider: string,
  signal: CancelSignal,
  readEvents: UpstreamEventReader,
): AsyncGenerator<StreamFrame> {
  try {
    for await (const event of readEvents(body, provider, signal)) {
      const frame = decoder.push(event);
      if (frame) yield frame;
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
