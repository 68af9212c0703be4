/**
 * Test support (not used at run time): ConverseStream messages in AWS's binary event-stream
 * encoding, made with the same codec the provider decodes them with; a stand-in ConverseStream
 * server; and a check of the SigV4 signature a stub received.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, Hash, toUtf8 } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { HOP_HEADER } from '../http.ts';
import type { RecordedRequest } from '../testing/recording-upstream.ts';

export const ACCESS_KEY = 'AKIDEXAMPLE0123456789';
export const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
export const SESSION = 'FwoGZXIvYXdzEXAMPLE-session-token';
/** The credentials as provider config fields. */
export const SIGV4_FIELDS = {
  aws_access_key_id: ACCESS_KEY,
  aws_secret_access_key: SECRET,
  aws_session_token: SESSION,
};
/** testContext's clock: 2023-11-14T22:13:20Z. */
export const SIGNING_DATE = '20231114T221320Z';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export function encodeMessage(headers: MessageHeaders, payload: string): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(payload) });
}

/** An `event` message of `type` whose payload is `payload` as JSON. */
export function eventFrame(type: string, payload: unknown): Uint8Array {
  return encodeMessage(
    {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    JSON.stringify(payload),
  );
}

/** An `exception` message, as Bedrock sends a failure after the stream started. */
export function exceptionFrame(type: string, payload: unknown): Uint8Array {
  return encodeMessage(
    {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    JSON.stringify(payload),
  );
}

/**
 * Recomputes the SigV4 signature of what the stub received, with the same signer, the credentials
 * and the date the request claims; it must equal the signature the request carries.
 */
export async function assertValidSignature(request: RecordedRequest, port: number): Promise<void> {
  const authorization = String(request.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  assert.ok(match, `authorization has the SigV4 shape: ${authorization}`);
  const [, keyId, day, region, signedList, signature] = match;
  assert.equal(keyId, ACCESS_KEY);
  assert.equal(day, SIGNING_DATE.slice(0, 8));
  assert.equal(region, 'us-east-1');
  const signed = (signedList ?? '').split(';');
  for (const name of ['host', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'content-type']) {
    assert.ok(signed.includes(name), `${name} is signed`);
  }
  assert.ok(!signed.includes(HOP_HEADER), 'headers added after signing are not in the signature');
  assert.equal(request.headers['x-amz-date'], SIGNING_DATE);
  assert.equal(request.headers['x-amz-security-token'], SESSION);
  assert.equal(
    request.headers['x-amz-content-sha256'],
    createHash('sha256').update(request.body).digest('hex'),
  );

  const headers = Object.fromEntries(signed.map((name) => [name, String(request.headers[name])]));
  const verifier = new SignatureV4({
    service: 'bedrock',
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, sessionToken: SESSION },
    sha256: Hash.bind(null, 'sha256'),
  });
  const path = request.url.split('?')[0] ?? '';
  const resigned = await verifier.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate: new Date(Date.UTC(2023, 10, 14, 22, 13, 20)) },
  );
  assert.equal(resigned.headers.authorization?.split('Signature=')[1], signature);
}

/** A stand-in for ConverseStream: answers with binary event-stream bytes, in the pieces given. */
export class EventStreamUpstream {
  readonly requests: RecordedRequest[] = [];
  private pieces: Uint8Array[] = [];
  private hold = false;
  closed: Promise<void> = Promise.resolve();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<EventStreamUpstream> {
    const server = createServer();
    const stub = new EventStreamUpstream(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const body: Buffer[] = [];
      req.on('data', (chunk: Buffer) => body.push(chunk));
      req.on('end', () => {
        stub.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(body).toString('utf8'),
        });
        stub.closed = new Promise((resolve) => res.on('close', () => resolve()));
        void stub.send(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return stub;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answer with `frames` cut at the given byte offsets of their concatenation; `hold` never ends. */
  answer(frames: Uint8Array[], cuts: (total: number) => number[], hold = false): void {
    const bytes = Buffer.concat(frames);
    const at = [0, ...cuts(bytes.length).filter((cut) => cut > 0 && cut < bytes.length), bytes.length];
    this.pieces = at.slice(1).map((end, i) => bytes.subarray(at[i], end));
    this.hold = hold;
  }

  private async send(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    for (const piece of this.pieces) {
      res.write(piece);
      // Let each piece leave as its own TCP segment instead of being coalesced.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!this.hold) res.end();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
