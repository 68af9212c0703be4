/**
 * ConverseStream answers in AWS's binary event stream (`application/vnd.amazon.eventstream`,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html describes the frame:
 * total length, headers length, prelude CRC, headers, payload, message CRC). Parsing and checksum
 * verification are @smithy/core's EventStreamCodec; this module only cuts the byte stream into whole
 * messages (TCP chunks split and join them at any byte) and turns each into the SseEvent the Bedrock
 * Converse codec expects: `event` = the event or exception type, `data` = the JSON payload as text.
 */
import type { EventStreamCodec, Message } from '@smithy/core/event-streams';
import type { CancelSignal } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import { decodeBedrockStreamException } from '../../dialects/bedrock-converse.ts';
import type { SseEvent } from '../../dialects/types.ts';
import { streamInterrupted } from '../http.ts';

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

/** Cuts a byte stream into whole event-stream messages, whatever the chunk boundaries. */
export async function* eventStreamMessages(
  body: AsyncIterable<Uint8Array>,
  provider: string,
): AsyncGenerator<Uint8Array> {
  let pending = Buffer.alloc(0);
  for await (const chunk of body) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length < MIN_MESSAGE_BYTES || length > MAX_MESSAGE_BYTES) {
        throw broken(provider, `a message claims ${length} bytes`);
      }
      if (pending.length < length) break;
      yield pending.subarray(0, length);
      pending = pending.subarray(length);
    }
  }
  if (pending.length > 0) {
    throw new GatewayError(
      'upstream_error',
      `Stream from provider "${provider}" ended in the middle of a message`,
      {
        code: 'upstream_stream_interrupted',
      },
    );
  }
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

/** The upstream body as SseEvents; transport failures become GatewayErrors. */
export async function* readEventStream(
  body: AsyncIterable<Uint8Array>,
  provider: string,
  signal?: CancelSignal,
): AsyncGenerator<SseEvent> {
  try {
    const decoder = await eventStreamCodec();
    for await (const bytes of eventStreamMessages(body, provider)) {
      let message: Message;
      try {
        message = decoder.decode(bytes);
      } catch (error) {
        throw broken(provider, 'a message failed its checksum or header parsing', error);
      }
      yield toSseEvent(message);
    }
  } catch (error) {
    throw streamInterrupted(error, provider, signal);
  }
}
