import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { toGatewayError } from '../core/errors.ts';
import type { StreamFrame } from '../core/ir.ts';
import type { StreamEncoder } from '../dialects/types.ts';
import type { RequestContext } from '../pipeline/context.ts';

/**
 * Relays frames to the client as SSE with backpressure: when the socket's buffer is full we stop
 * pulling from the upstream until it drains, so a slow client slows the upstream instead of growing
 * memory. A failure after the first byte ends the stream with an error event in the client's dialect.
 */
export async function writeStream(
  response: ServerResponse,
  headers: Record<string, string>,
  frames: AsyncIterable<StreamFrame>,
  encoder: StreamEncoder,
  context: RequestContext,
): Promise<void> {
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const batch = new WriteBatch(response);
  try {
    for await (const frame of frames) {
      if (response.destroyed) break;
      const text = encoder.encode(frame);
      if (text.length === 0) {
        // The attempt is committed: let the client see the headers even if this frame says nothing.
        if (!batch.started) batch.flushHeaders();
        continue;
      }
      if (!batch.write(text)) await drained(response);
    }
    if (!response.destroyed) response.end(encoder.end());
  } catch (error) {
    const failure = toGatewayError(error);
    if (response.destroyed || response.writableEnded) return;
    context.errorKind = failure.kind;
    context.errorCode = failure.code;
    context.status = failure.status;
    response.end(encoder.error(failure));
  }
}

async function drained(response: ServerResponse): Promise<void> {
  if (response.destroyed) return;
  await Promise.race([once(response, 'drain'), once(response, 'close')]);
}

/**
 * Frames that arrive together (one upstream read often carries many) leave in one socket write: the
 * response is corked on the first write of a batch and uncorked once the current tick's microtasks,
 * which relay the rest of that read, have run. The headers leave with the first frame.
 */
class WriteBatch {
  /** Whether anything (headers included) has been handed to the socket. */
  started = false;
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.response.uncork();
  };

  constructor(private readonly response: ServerResponse) {}

  flushHeaders(): void {
    this.started = true;
    this.response.flushHeaders();
  }

  write(text: string): boolean {
    this.started = true;
    if (!this.corked) {
      this.corked = true;
      this.response.cork();
      process.nextTick(this.uncork);
    }
    return this.response.write(text);
  }
}
