import type { StreamEvent, StreamFrame } from '../../core/ir.ts';

type StartEvent = Extract<StreamEvent, { type: 'start' }>;

/**
 * Azure OpenAI opens a stream with a chunk that carries only `prompt_filter_results`: empty `id`,
 * `model` and `choices`, `created: 0`. The OpenAI decoder takes the first chunk for the start of
 * the answer, so its start event would name no model and a made-up id. This holds that start event
 * back until a chunk names the completion, and starts with that chunk's id, model and time. Every
 * frame's raw data is passed on untouched, so an OpenAI client still sees the filter results.
 */
export async function* startFromCompletionChunk(
  frames: AsyncIterable<StreamFrame>,
): AsyncGenerator<StreamFrame> {
  let held: StartEvent | undefined;
  let settled = false;
  for await (const frame of frames) {
    if (settled) {
      yield frame;
      continue;
    }
    const start = frame.events.find((event): event is StartEvent => event.type === 'start');
    const chunk = chunkIdentity(frame.raw?.data);
    if (start && chunk && !chunk.id && frame.events.length === 1) {
      held = start;
      yield { ...frame, events: frame.events.filter((event) => event !== start) };
      continue;
    }
    if (held === undefined) {
      settled = true;
      yield frame;
      continue;
    }
    const carriesAnswer = frame.events.length > 0;
    if (!chunk?.id && !carriesAnswer) {
      // Another annotation-only chunk: keep waiting for the completion's own.
      yield frame;
      continue;
    }
    settled = true;
    const named: StartEvent = chunk?.id
      ? {
          type: 'start',
          id: chunk.id,
          model: chunk.model || held.model,
          created: chunk.created || held.created,
        }
      : held;
    held = undefined;
    yield { ...frame, events: [named, ...frame.events] };
  }
  // A stream that ended on annotations alone still gets its start event.
  if (held) yield { events: [held] };
}

interface ChunkIdentity {
  id: string;
  model: string;
  created: number;
}

function chunkIdentity(data: string | undefined): ChunkIdentity | undefined {
  if (data === undefined) return undefined;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof chunk !== 'object' || chunk === null) return undefined;
  const { id, model, created } = chunk as Record<string, unknown>;
  return {
    id: typeof id === 'string' ? id : '',
    model: typeof model === 'string' ? model : '',
    created: typeof created === 'number' ? created : 0,
  };
}
