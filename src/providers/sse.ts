import { createParser } from 'eventsource-parser';
import type { CancelSignal } from '../core/cancel.ts';
import type { SseEvent } from '../dialects/types.ts';
import { streamInterrupted } from './http.ts';

/**
 * Reads server-sent events from an upstream body. Parsing is eventsource-parser's; this only adapts
 * it to an async iterator and maps transport failures to GatewayErrors.
 */
export async function* readSse(
  body: AsyncIterable<Buffer | string>,
  provider: string,
  signal?: CancelSignal,
): AsyncGenerator<SseEvent> {
  const queue: SseEvent[] = [];
  const parser = createParser({
    onEvent: (event) => {
      const parsed: SseEvent = { data: event.data };
      if (event.event) parsed.event = event.event;
      if (event.id) parsed.id = event.id;
      queue.push(parsed);
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      while (queue.length > 0) yield queue.shift() as SseEvent;
    }
  } catch (error) {
    throw streamInterrupted(error, provider, signal);
  }
  parser.reset({ consume: true });
  while (queue.length > 0) yield queue.shift() as SseEvent;
}
