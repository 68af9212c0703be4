import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, ChatResponse, ContentPart } from '../../core/ir.ts';
import { JSON_RESPONSE_TOOL_NAME } from './constants.ts';
import { encodeReasoningBlock, parseToolArguments, type WireBlock } from './content-encode.ts';
import { finishFromStopReason, stopReasonFromFinish, usageFromWire, usageToWire } from './usage.ts';
import { isRecord } from './validate.ts';

const KNOWN_FIELDS = new Set([
  'id',
  'type',
  'role',
  'model',
  'content',
  'stop_reason',
  'stop_sequence',
  'usage',
]);

/**
 * An Anthropic `message` (an upstream's answer) -> IR. Blocks the IR cannot express (server-tool
 * use and results) are left out; unknown top-level fields are kept in `extra`. A `tool_use` of the
 * JSON-response fallback becomes the JSON text it carries.
 */
export function decodeResponse(body: unknown): ChatResponse {
  if (!isRecord(body) || !Array.isArray(body.content)) {
    throw new GatewayError(
      'upstream_error',
      'The upstream answered with a body that is not an Anthropic message',
      {
        code: 'invalid_upstream_response',
      },
    );
  }
  const content: ContentPart[] = [];
  let calledClientTool = false;
  for (const block of body.content) {
    const part = decodeResponseBlock(block);
    if (!part) continue;
    if (part.type === 'tool_call') calledClientTool = true;
    content.push(part);
  }
  const response: ChatResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    // A message carries no timestamp; the time it was decoded stands in.
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: finishFromStopReason(body.stop_reason, calledClientTool),
    usage: usageFromWire(body.usage),
    extra: {},
  };
  if (typeof body.stop_sequence === 'string') response.stopSequence = body.stop_sequence;
  for (const [key, value] of Object.entries(body)) {
    if (!KNOWN_FIELDS.has(key)) response.extra[key] = value;
  }
  return response;
}

function decodeResponseBlock(block: unknown): ContentPart | undefined {
  if (!isRecord(block)) return undefined;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  switch (block.type) {
    case 'text':
      return { type: 'text', text: text(block.text) };
    case 'thinking':
      return { type: 'reasoning', text: text(block.thinking), signature: text(block.signature) };
    case 'redacted_thinking':
      return { type: 'reasoning', text: '', redactedData: text(block.data) };
    case 'tool_use': {
      const input = JSON.stringify(block.input ?? {});
      if (block.name === JSON_RESPONSE_TOOL_NAME) return { type: 'text', text: input };
      return { type: 'tool_call', id: text(block.id), name: text(block.name), arguments: input };
    }
    default:
      return undefined;
  }
}

/**
 * IR -> an Anthropic `message` for a client of /v1/messages. `model` echoes the name the client
 * asked for. Tool-call arguments that are not a JSON object (a model from another provider can
 * produce them) become `{}`, as `tool_use.input` must be an object. `extension` is added under
 * `switchyard`, which SDKs ignore.
 */
export function encodeResponse(
  response: ChatResponse,
  request: ChatRequest,
  extension?: Record<string, unknown>,
): Record<string, unknown> {
  const content: WireBlock[] = [];
  for (const part of response.content) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'reasoning') {
      const block = encodeReasoningBlock(part, true);
      if (block) content.push(block);
    } else if (part.type === 'tool_call') {
      content.push({
        type: 'tool_use',
        id: part.id,
        name: part.name,
        input: parseToolArguments(part.arguments) ?? {},
      });
    }
  }
  const stopReason = stopReasonFromFinish(response.finishReason, response.stopSequence);
  const message: Record<string, unknown> = {
    id: anthropicMessageId(response.id),
    type: 'message',
    role: 'assistant',
    model: request.model || response.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? response.stopSequence : null,
    usage: usageToWire(response.usage),
  };
  if (extension) message.switchyard = extension;
  return message;
}

export function anthropicMessageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}
