import assert from 'node:assert/strict';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, test } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import type { StreamFrame } from '../core/ir.ts';
import type { StreamEncoder } from '../dialects/types.ts';
import { newContext } from '../pipeline/context.ts';
import { writeStream } from './stream-writer.ts';

/** Encodes a text frame as one SSE line; other frames say nothing on the wire. */
const encoder: StreamEncoder = {
  encode: (frame) =>
    frame.events.map((event) => (event.type === 'text' ? `data: ${event.text}\n\n` : '')).join(''),
  end: () => 'data: [DONE]\n\n',
  error: (error) => `event: error\ndata: ${error.message}\n\n`,
};

const text = (value: string): StreamFrame => ({ events: [{ type: 'text', text: value }] });
const silent: StreamFrame = { events: [] };

interface Served {
  body: string;
  /** How many times the server's socket handed bytes to the kernel. */
  socketWrites: number;
}

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/** Serves one streamed response through `writeStream` and reads it back with a plain HTTP client. */
async function serve(
  frames: () => AsyncIterable<StreamFrame>,
  onSocket?: (socket: Socket) => void,
): Promise<Served> {
  let socketWrites = 0;
  const server = createServer((_req, res: ServerResponse) => {
    const socket = res.socket as Socket & { _writev?: unknown; _write: unknown };
    const writev = socket._writev as (...args: unknown[]) => unknown;
    const write = socket._write as (...args: unknown[]) => unknown;
    socket._writev = (...args: unknown[]) => {
      socketWrites++;
      return writev.apply(socket, args);
    };
    socket._write = (...args: unknown[]) => {
      socketWrites++;
      return write.apply(socket, args);
    };
    onSocket?.(socket);
    void writeStream(
      res,
      { 'x-test': 'yes' },
      frames(),
      encoder,
      newContext('req_1', 'chat', 'openai-chat', 0),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'GET', agent: false }, (res) => {
      assert.equal(res.headers['x-test'], 'yes');
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        data += chunk;
      });
      res.on('end', () => resolve(data));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return { body, socketWrites };
}

test('frames that arrive together leave in one socket write, with the headers', async () => {
  const served = await serve(async function* () {
    yield text('a');
    yield text('b');
    yield text('c');
  });
  assert.equal(served.body, 'data: a\n\ndata: b\n\ndata: c\n\ndata: [DONE]\n\n');
  // The frames and the end arrived in one tick: headers, frames and terminator share one write.
  assert.equal(served.socketWrites, 1);
});

test('frames that arrive apart are each written as they arrive', async () => {
  const served = await serve(async function* () {
    yield text('a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield text('b');
  });
  assert.equal(served.body, 'data: a\n\ndata: b\n\ndata: [DONE]\n\n');
  // The headers with the first frame; the second frame with the end, which followed it at once.
  assert.equal(served.socketWrites, 2);
});

test('a first frame with nothing to say still sends the headers at once', async () => {
  let headersSentBeforeSecondFrame = false;
  let socket: Socket | undefined;
  const served = await serve(
    async function* () {
      yield silent;
      await new Promise((resolve) => setTimeout(resolve, 20));
      headersSentBeforeSecondFrame = (socket?.bytesWritten ?? 0) > 0;
      yield text('late');
    },
    (s) => {
      socket = s;
    },
  );
  assert.equal(served.body, 'data: late\n\ndata: [DONE]\n\n');
  assert.equal(headersSentBeforeSecondFrame, true);
});

test('a failure mid-stream ends the stream with an error event after the frames already sent', async () => {
  const served = await serve(async function* () {
    yield text('a');
    throw new GatewayError('upstream_error', 'upstream went away');
  });
  assert.equal(served.body, 'data: a\n\nevent: error\ndata: upstream went away\n\n');
});
