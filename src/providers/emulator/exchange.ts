import type { ServerResponse } from 'node:http';
import type { EmulatorStats } from './stats.ts';
import type { JsonReply, StreamReply } from './wire/types.ts';

export interface Pacing {
  /** Delay before the first chunk (or before a whole response). */
  ttftMs: number;
  /** Output speed; 0 sends everything at once. */
  tokensPerSecond: number;
}

/** How a stream is to be cut short by a fault rule. */
export interface StreamFault {
  disconnectAfterChunks?: number;
  errorAfterChunks?: number;
  /** The bytes sent for `errorAfterChunks` (an SSE event, or a binary exception message). */
  errorEvent: string | Uint8Array;
}

type Outcome = 'completed' | 'failed' | 'aborted';

/**
 * One API request's response: its timers, and the single outcome it is counted as. A response the
 * client received to its end is `completed` (or `failed` for an error status); one cut short on
 * purpose is `failed`; one whose client went away first is `aborted`. Timers die with the connection.
 */
export class Exchange {
  private readonly timers = new Set<NodeJS.Timeout>();
  private outcome: Outcome | undefined;

  constructor(
    readonly response: ServerResponse,
    private readonly stats: EmulatorStats,
    private readonly onClose: (exchange: Exchange) => void,
  ) {
    response.on('finish', () => this.settle(response.statusCode < 400 ? 'completed' : 'failed'));
    response.on('close', () => {
      this.cancelTimers();
      this.settle('aborted');
      this.onClose(this);
    });
  }

  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  settle(outcome: Outcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.stats[outcome]++;
  }

  /** Runs `task` after `ms`, unless the connection is gone by then. */
  after(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) task();
    }, ms);
    this.timers.add(timer);
  }

  /** Resolves true after `ms`, or false as soon as the client is gone. */
  wait(ms: number): Promise<boolean> {
    if (ms <= 0 || this.closed) return Promise.resolve(!this.closed);
    return new Promise((resolve) => {
      this.after(ms, () => resolve(true));
      this.response.once('close', () => resolve(false));
    });
  }

  /** Drops the connection without a proper end, as a failing upstream does, after `last` is flushed. */
  cut(last: string | Uint8Array = ''): void {
    this.settle('failed');
    if (last.length === 0) this.response.destroy();
    else this.response.write(last, () => this.response.destroy());
  }

  cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  sendJson(status: number, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    this.response.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    this.response.end(text);
  }

  /** A whole response, sent as late as streaming its tokens at the configured speed would finish. */
  sendReply(reply: JsonReply, headers: Record<string, string>, pacing: Pacing): void {
    const all = reply.headers ? { ...headers, ...reply.headers } : headers;
    const delay = pacing.ttftMs + Math.max(0, reply.tokens - 1) * intervalMs(pacing);
    if (delay > 0) this.after(delay, () => this.sendJson(reply.status, reply.body, all));
    else this.sendJson(reply.status, reply.body, all);
  }

  /**
   * Writes a stream: headers at once, the first chunk after `ttftMs`, then each token-carrying chunk
   * on a schedule of `tokensPerSecond` (measured from the start, so timer lateness does not add up).
   * Chunks that are due are written together in one write.
   */
  sendStream(reply: StreamReply, headers: Record<string, string>, pacing: Pacing, fault?: StreamFault): void {
    this.response.writeHead(200, {
      ...headers,
      'content-type': reply.contentType ?? 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    this.response.flushHeaders();
    const { chunks } = reply;
    const interval = intervalMs(pacing);
    const start = performance.now() + pacing.ttftMs;
    let index = 0;
    let tokensSent = 0;
    const step = (): void => {
      const pending = new Pending();
      for (;;) {
        if (index === fault?.disconnectAfterChunks) {
          this.cut(pending.take());
          return;
        }
        if (index === fault?.errorAfterChunks) {
          this.settle('failed');
          pending.add(fault.errorEvent);
          this.response.end(pending.take());
          return;
        }
        const chunk = chunks[index];
        if (!chunk) break;
        if (chunk.tokens > 0 && interval > 0) {
          const wait = start + (tokensSent + chunk.tokens - 1) * interval - performance.now();
          if (wait >= 1) {
            if (!pending.empty) this.response.write(pending.take());
            this.after(wait, step);
            return;
          }
        }
        pending.add(chunk.text);
        tokensSent += chunk.tokens;
        index++;
      }
      // A fault set past the last chunk still applies, in place of the trailer.
      if (fault?.disconnectAfterChunks !== undefined) {
        this.cut(pending.take());
      } else if (fault?.errorAfterChunks !== undefined) {
        this.settle('failed');
        pending.add(fault.errorEvent);
        this.response.end(pending.take());
      } else {
        pending.add(reply.trailer);
        this.response.end(pending.take());
      }
    };
    if (pacing.ttftMs > 0) this.after(pacing.ttftMs, step);
    else step();
  }
}

/** Events that are due, written together: text is joined, binary messages concatenated. */
class Pending {
  private parts: Array<string | Uint8Array> = [];
  private binary = false;

  get empty(): boolean {
    return this.parts.length === 0;
  }

  add(part: string | Uint8Array): void {
    if (part.length === 0) return;
    if (typeof part !== 'string') this.binary = true;
    this.parts.push(part);
  }

  take(): string | Uint8Array {
    const parts = this.parts;
    this.parts = [];
    if (!this.binary) return parts.join('');
    return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
  }
}

function intervalMs(pacing: Pacing): number {
  return pacing.tokensPerSecond > 0 ? 1000 / pacing.tokensPerSecond : 0;
}
