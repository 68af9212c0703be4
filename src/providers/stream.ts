import type { Dispatcher } from 'undici';
import type { StreamFrame } from '../core/ir.ts';
import type { StreamDecoder } from '../dialects/types.ts';
import { readSse } from './sse.ts';

/** An upstream SSE body decoded into IR frames. Ending the iteration early closes the upstream body. */
export async function* decodeSseStream(
  body: Dispatcher.ResponseData['body'],
  decoder: StreamDecoder,
  provider: string,
  signal: AbortSignal,
): AsyncGenerator<StreamFrame> {
  try {
    for await (const event of readSse(body, provider, signal)) {
      const frame = decoder.push(event);
      if (frame) yield frame;
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
