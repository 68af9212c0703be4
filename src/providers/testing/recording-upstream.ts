/**
 * Test support for provider adapters (not used at run time): a local HTTP server standing in for a
 * vendor API. It records every request (method, URL, headers, body) and answers with whatever the
 * test's handler returns: JSON, an SSE body, or a stream that never ends (to test aborts).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ProviderConfig, providerSchema } from '../../config/schema.ts';
import { ManualClock } from '../../core/clock.ts';
import type { StreamEvent, StreamFrame } from '../../core/ir.ts';
import type { Deployment, ProviderContext } from '../types.ts';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StubReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `text/event-stream`, verbatim. */
  sse?: string;
  /** Sent as is (e.g. an HTML error page). */
  text?: string;
  /**
   * Send the headers (and `sse`, when given) and then never finish, so the only way the exchange
   * ends is the client going away. `beforeHeaders` holds back the headers too.
   */
  hang?: 'beforeHeaders' | 'afterHeaders';
}

export type StubHandler = (request: RecordedRequest, index: number) => StubReply | Promise<StubReply>;

export class RecordingUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose connection the client closed before the answer was complete. */
  abandoned = 0;
  private readonly abandonWaiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    private handler: StubHandler,
  ) {}

  static async start(handler: StubHandler): Promise<RecordingUpstream> {
    const server = createServer();
    const upstream = new RecordingUpstream(server, handler);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const index = upstream.requests.push(recorded) - 1;
        res.on('close', () => {
          if (!res.writableFinished) upstream.noteAbandoned();
        });
        void Promise.resolve(upstream.handler(recorded, index)).then((reply) => send(res, reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The body of request `index` parsed as JSON. */
  json(index = this.requests.length - 1): Record<string, unknown> {
    const request = this.requests[index];
    if (!request) throw new Error(`no request #${index} was recorded`);
    return JSON.parse(request.body) as Record<string, unknown>;
  }

  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('no request was recorded');
    return request;
  }

  reply(handler: StubHandler): void {
    this.handler = handler;
  }

  /** Resolves once `count` requests have arrived in all. */
  async whenRequested(count: number): Promise<void> {
    while (this.requests.length < count) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  /** Resolves once a client has walked away from `count` unfinished answers. */
  whenAbandoned(count = 1): Promise<void> {
    if (this.abandoned >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.abandoned >= count ? resolve() : this.abandonWaiters.push(check));
      this.abandonWaiters.push(check);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private noteAbandoned(): void {
    this.abandoned++;
    const waiters = this.abandonWaiters.splice(0);
    for (const waiter of waiters) waiter();
  }
}

function send(res: ServerResponse, reply: StubReply): void {
  if (reply.hang === 'beforeHeaders') return;
  const headers: Record<string, string> = { ...reply.headers };
  let body = '';
  if (reply.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(reply.json);
  } else if (reply.sse !== undefined) {
    headers['content-type'] ??= 'text/event-stream';
    body = reply.sse;
  } else if (reply.text !== undefined) {
    headers['content-type'] ??= 'text/plain';
    body = reply.text;
  }
  res.writeHead(reply.status ?? 200, headers);
  if (reply.hang === 'afterHeaders') {
    res.write(body);
    return;
  }
  res.end(body);
}

/** SSE text from `data:` payloads (objects are JSON-encoded), optionally with `event:` names. */
export function sseBody(events: Array<{ event?: string; data: unknown } | unknown>): string {
  return events
    .map((item) => {
      const framed =
        typeof item === 'object' && item !== null && 'data' in item
          ? (item as { event?: string; data: unknown })
          : { data: item };
      const data = typeof framed.data === 'string' ? framed.data : JSON.stringify(framed.data);
      return `${framed.event ? `event: ${framed.event}\n` : ''}data: ${data}\n\n`;
    })
    .join('');
}

/** A provider config as the config loader would produce it (defaults applied). */
export function providerConfig(fields: Record<string, unknown>): ProviderConfig {
  return providerSchema.parse(fields);
}

export function testContext(
  overrides: Partial<Omit<ProviderContext, 'clock'>> & { clock?: ManualClock } = {},
): ProviderContext & { clock: ManualClock } {
  return { clock: new ManualClock(1_700_000_000_000), instanceId: 'gw-test', ...overrides };
}

export function deployment(provider: ProviderConfig, model: string, timeoutMs = 5_000): Deployment {
  return { provider, model, timeoutMs };
}

/** Every frame of a stream, read to the end. */
export async function collect(frames: AsyncIterable<StreamFrame>): Promise<StreamFrame[]> {
  const all: StreamFrame[] = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

export function eventsOfFrames(frames: readonly StreamFrame[]): StreamEvent[] {
  return frames.flatMap((frame) => frame.events);
}
