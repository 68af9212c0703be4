import type { Dispatcher } from 'undici';
import type { CancelSignal } from '../core/cancel.ts';
import type { StreamFrame } from '../core/ir.ts';
import type { SseEvent, StreamDecoder } from '../dialects/types.ts';
import { streamInterrupted } from './http.ts';

type UpstreamBody = Dispatcher.ResponseData['body'];

/**
 * How an upstream frames its stream: SSE for most, AWS's binary event stream for Bedrock. A parser
 * takes the body's chunks as they arrive and returns the events each one completes, so a chunk that
 * carries many events costs one pass, not one iterator step per event. Either way the codec's
 * decoder sees SseEvents. Broken framing is thrown as a GatewayError.
 */
export interface UpstreamEventParser {
  push(chunk: Uint8Array): SseEvent[];
  /** The body is over: any event still pending, or a GatewayError if it stopped inside one. */
  end(): SseEvent[];
}

/** Makes the parser for one stream body (it may load its codec first). */
export type UpstreamFraming = (provider: string) => UpstreamEventParser | Promise<UpstreamEventParser>;

/**
 * An upstream stream body decoded into IR frames. Transport failures become GatewayErrors; ending
 * the iteration early closes the upstream body.
 */
export async function* decodeUpstreamStream(
  body: UpstreamBody,
  decoder: StreamDecoder,
  provider: string,
  signal: CancelSignal,
  newParser: UpstreamFraming,
): AsyncGenerator<StreamFrame> {
  try {
    const chunks = body[Symbol.asyncIterator]();
    let parser: UpstreamEventParser | undefined;
    let done = false;
    while (!done) {
      let events: SseEvent[];
      try {
        parser ??= await newParser(provider);
        const next = await chunks.next();
        done = next.done === true;
        events = done ? parser.end() : parser.push(next.value as Uint8Array);
      } catch (error) {
        throw streamInterrupted(error, provider, signal);
      }
      for (const event of events) {
        const frame = decoder.push(event);
        if (frame) yield frame;
      }
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
