import { createParser } from 'eventsource-parser';
import type { SseEvent } from '../dialects/types.ts';
import type { UpstreamEventParser } from './stream.ts';

/**
 * Server-sent events from an upstream body, chunk by chunk. Parsing is eventsource-parser's; this
 * only decodes UTF-8 across chunk boundaries and hands back the events each chunk completes.
 */
export function sseParser(): UpstreamEventParser {
  let completed: SseEvent[] = [];
  const parser = createParser({
    onEvent: (event) => {
      const parsed: SseEvent = { data: event.data };
      if (event.event) parsed.event = event.event;
      if (event.id) parsed.id = event.id;
      completed.push(parsed);
    },
  });
  const decoder = new TextDecoder();
  const take = (): SseEvent[] => {
    const events = completed;
    completed = [];
    return events;
  };
  return {
    push(chunk) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      return take();
    },
    end() {
      parser.feed(decoder.decode());
      // As the SSE specification says, an event the body ends inside (no closing blank line) is not
      // dispatched; the parser's partial state is dropped.
      parser.reset({ consume: true });
      return take();
    },
  };
}
