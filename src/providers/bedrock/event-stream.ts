/**
 * ConverseStream answers in AWS's binary event stream (`application/vnd.amazon.eventstream`,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html describes the frame:
 * total length, headers length, prelude CRC, headers, payload, message CRC). Parsing and checksum
 * verification are @smithy/core's EventStreamCodec; this module only cuts the byte stream into whole
 * messages (TCP chunks split and join them at any byte) and turns each into the SseEvent the Bedrock
 * Converse codec expects: `event` = the event or exception type, `data` = the JSON payload as text.
 */
import type { EventStreamCodec, Message } from '@smithy/core/event-streams';
import { GatewayError } from '../../core/errors.ts';
import { decodeBedrockStreamException } from '../../dialects/bedrock-converse.ts';
import type { SseEvent } from '../../dialects/types.ts';
import type { UpstreamEventParser } from '../stream.ts';

/** Prelude (total length, headers length, prelude CRC) and the trailing message CRC. */
const PRELUDE_BYTES = 12;
const MIN_MESSAGE_BYTES = PRELUDE_BYTES + 4;
/**
 * Far above any Converse event (the protocol's own limit is 16 MB of payload): a corrupt length
 * must not make the gateway wait for, or allocate, gigabytes.
 */
const MAX_MESSAGE_BYTES = 24 * 1024 * 1024;

const toUtf8 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
const fromUtf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

let codec: Promise<EventStreamCodec> | undefined;

/** The codec loads with the first Bedrock stream: a gateway without Bedrock never loads it. */
function eventStreamCodec(): Promise<EventStreamCodec> {
  codec ??= import('@smithy/core/event-streams').then(
    ({ EventStreamCodec: Codec }) => new Codec(toUtf8, fromUtf8),
  );
  return codec;
}

function broken(provider: string, what: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_error', `Provider "${provider}" sent a broken event stream: ${what}`, {
    code: 'upstream_invalid_stream',
    ...(cause === undefined ? {} : { cause }),
  });
}

function stringHeader(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

/** One decoded message as the event the Converse stream decoder reads. */
export function toSseEvent(message: Message): SseEvent {
  const data = toUtf8(message.body);
  const kind = stringHeader(message, ':message-type') ?? 'event';
  if (kind === 'event') return { event: stringHeader(message, ':event-type') ?? '', data };
  if (kind === 'exception')
    return { event: stringHeader(message, ':exception-type') ?? 'unknownException', data };
  // `error` messages carry their code and text in headers, not in the payload.
  const code = stringHeader(message, ':error-code') ?? 'InternalServerException';
  throw decodeBedrockStreamException(code, { message: stringHeader(message, ':error-message') ?? '' });
}

/**
 * Cuts the body's bytes into whole event-stream messages, whatever the chunk boundaries, and turns
 * each into an SseEvent. When a message fails after others in the same chunk, those others are
 * returned first and the failure is thrown at the next call, so the client still gets them.
 */
class EventStreamParser implements UpstreamEventParser {
  private pending = Buffer.alloc(0);
  private failure: unknown;

  constructor(
    private readonly codec: EventStreamCodec,
    private readonly provider: string,
  ) {}

  push(chunk: Uint8Array): SseEvent[] {
    this.throwPendingFailure();
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const events: SseEvent[] = [];
    try {
      while (this.pending.length >= 4) {
        const length = this.pending.readUInt32BE(0);
        if (length < MIN_MESSAGE_BYTES || length > MAX_MESSAGE_BYTES) {
          throw broken(this.provider, `a message claims ${length} bytes`);
        }
        if (this.pending.length < length) break;
        const bytes = this.pending.subarray(0, length);
        this.pending = this.pending.subarray(length);
        events.push(toSseEvent(this.decode(bytes)));
      }
    } catch (error) {
      if (events.length === 0) throw error;
      this.failure = error;
    }
    return events;
  }

  end(): SseEvent[] {
    this.throwPendingFailure();
    if (this.pending.length > 0) {
      throw new GatewayError(
        'upstream_error',
        `Stream from provider "${this.provider}" ended in the middle of a message`,
        { code: 'upstream_stream_interrupted' },
      );
    }
    return [];
  }

  private decode(bytes: Uint8Array): Message {
    try {
      return this.codec.decode(bytes);
    } catch (error) {
      throw broken(this.provider, 'a message failed its checksum or header parsing', error);
    }
  }

  private throwPendingFailure(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw failure;
  }
}

/** A parser for one ConverseStream body; the first one loads the codec. */
export async function eventStreamParser(provider: string): Promise<UpstreamEventParser> {
  return new EventStreamParser(await eventStreamCodec(), provider);
}
