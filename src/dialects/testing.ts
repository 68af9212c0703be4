/**
 * Test helpers for the dialect codecs: IR requests shaped like the ones the OpenAI dialect produces
 * (system kept apart, `tool` messages holding one tool_result, assistant tool calls as parts),
 * fixture loading, and running a stream decoder over a recorded stream.
 */
import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { GatewayError } from '../core/errors.ts';
import type {
  ChatRequest,
  ContentPart,
  ImagePart,
  Message,
  StreamEvent,
  StreamFrame,
  ToolCallPart,
} from '../core/ir.ts';
import type { SseEvent, StreamDecoder } from './types.ts';

export function chatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'chat-default',
    system: [],
    messages: [user('Hello')],
    stream: false,
    includeUsage: false,
    extra: {},
    source: { dialect: 'openai-chat', body: {} },
    ...overrides,
  };
}

export function user(...content: Array<string | ContentPart>): Message {
  return {
    role: 'user',
    content: content.map((part) => (typeof part === 'string' ? { type: 'text', text: part } : part)),
  };
}

export function assistant(...content: Array<string | ContentPart>): Message {
  return {
    role: 'assistant',
    content: content.map((part) => (typeof part === 'string' ? { type: 'text', text: part } : part)),
  };
}

export function toolCall(id: string, name: string, args: unknown): ToolCallPart {
  return { type: 'tool_call', id, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

/** A `tool` message as the OpenAI dialect decodes one: a single tool_result part. */
export function toolMessage(toolCallId: string, text: string, isError?: boolean): Message {
  return {
    role: 'tool',
    content: [
      { type: 'tool_result', toolCallId, content: [{ type: 'text', text }], ...(isError ? { isError } : {}) },
    ],
  };
}

export function imageUrl(url: string): ImagePart {
  return { type: 'image', source: { kind: 'url', url } };
}

export function imageBase64(mediaType: string, data: string): ImagePart {
  return { type: 'image', source: { kind: 'base64', mediaType, data } };
}

function fixturePath(dialect: string, name: string): URL {
  return new URL(`./fixtures/${dialect}/${name}`, import.meta.url);
}

export function loadJsonFixture(dialect: string, name: string): unknown {
  return JSON.parse(readFileSync(fixturePath(dialect, name), 'utf8'));
}

/** A recorded SSE body (`*.sse`) split into events the way the providers' SSE reader does. */
export function loadSseFixture(dialect: string, name: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (event) => {
      events.push({ data: event.data, ...(event.event ? { event: event.event } : {}) });
    },
  });
  parser.feed(readFileSync(fixturePath(dialect, name), 'utf8'));
  parser.reset({ consume: true });
  return events;
}

/** Runs a decoder over a whole stream; frames that carry nothing are left out. */
export function decodeStream(decoder: StreamDecoder, events: readonly SseEvent[]): StreamFrame[] {
  const frames: StreamFrame[] = [];
  for (const event of events) {
    const frame = decoder.push(event);
    if (frame) frames.push(frame);
  }
  return frames;
}

export function eventsOf(frames: readonly StreamFrame[]): StreamEvent[] {
  return frames.flatMap((frame) => frame.events);
}

/** Text and reasoning deltas joined, tool calls assembled: what a client ends up showing. */
export function assembleStream(events: readonly StreamEvent[]): {
  text: string;
  reasoning: string;
  signatures: string[];
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
} {
  let text = '';
  let reasoning = '';
  const signatures: string[] = [];
  const toolCalls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const event of events) {
    if (event.type === 'text') text += event.text;
    if (event.type === 'reasoning') {
      reasoning += event.text;
      if (event.signature) signatures.push(event.signature);
    }
    if (event.type === 'tool_call_start')
      toolCalls[event.index] = { id: event.id, name: event.name, arguments: '' };
    if (event.type === 'tool_call_delta') {
      const call = toolCalls[event.index];
      if (call) call.arguments += event.argumentsDelta;
    }
  }
  return { text, reasoning, signatures, toolCalls };
}

/** The GatewayError `fn` throws; fails the test when it throws nothing or something else. */
export function thrownGatewayError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw new Error(`expected a GatewayError, got ${String(error)}`);
  }
  throw new Error('expected a GatewayError, nothing was thrown');
}
