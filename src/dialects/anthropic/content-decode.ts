import type {
  ContentPart,
  ImagePart,
  Message,
  ReasoningPart,
  TextPart,
  ToolCallPart,
  ToolResultPart,
} from '../../core/ir.ts';
import { IMAGE_MEDIA_TYPES } from './constants.ts';
import {
  expectedOneOf,
  invalid,
  optionalBoolean,
  optionalString,
  requireArray,
  requireRecord,
  requireString,
} from './validate.ts';

/**
 * Inbound content: Anthropic messages and content blocks -> IR messages and parts, validating as it
 * goes. Blocks the IR cannot express (documents, Files API sources, server-tool results, block
 * types newer than this codec) are accepted and left out of the IR: a same-dialect upstream gets
 * them from the source body untouched, another dialect's upstream cannot take them anyway.
 */

type CacheControl = NonNullable<TextPart['cacheControl']>;

export function decodeCacheControl(value: unknown, param: string): CacheControl | undefined {
  if (value === undefined || value === null) return undefined;
  const record = requireRecord(value, param);
  if (record.type !== 'ephemeral') throw invalid(`${param}.type`, expectedOneOf(['ephemeral']));
  const ttl = optionalString(record.ttl, `${param}.ttl`);
  if (ttl !== undefined && ttl !== '5m' && ttl !== '1h') {
    throw invalid(`${param}.ttl`, expectedOneOf(['5m', '1h']));
  }
  return ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl };
}

export function decodeTextBlock(block: Record<string, unknown>, param: string): TextPart {
  const part: TextPart = { type: 'text', text: requireString(block.text, `${param}.text`) };
  const cacheControl = decodeCacheControl(block.cache_control, `${param}.cache_control`);
  if (cacheControl) part.cacheControl = cacheControl;
  return part;
}

/** An image block; undefined for sources the IR has no shape for (Files API `file`). */
function decodeImageBlock(block: Record<string, unknown>, param: string): ImagePart | undefined {
  const source = requireRecord(block.source, `${param}.source`);
  const kind = requireString(source.type, `${param}.source.type`);
  if (kind === 'base64') {
    const mediaType = requireString(source.media_type, `${param}.source.media_type`);
    if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
      throw invalid(`${param}.source.media_type`, expectedOneOf(IMAGE_MEDIA_TYPES));
    }
    const data = requireString(source.data, `${param}.source.data`);
    return { type: 'image', source: { kind: 'base64', mediaType, data } };
  }
  if (kind === 'url') {
    return { type: 'image', source: { kind: 'url', url: requireString(source.url, `${param}.source.url`) } };
  }
  if (kind === 'file') {
    requireString(source.file_id, `${param}.source.file_id`);
    return undefined;
  }
  throw invalid(`${param}.source.type`, expectedOneOf(['base64', 'url', 'file']));
}

function decodeToolUseBlock(block: Record<string, unknown>, param: string): ToolCallPart {
  const id = requireString(block.id, `${param}.id`);
  const name = requireString(block.name, `${param}.name`);
  const input = requireRecord(block.input, `${param}.input`);
  return { type: 'tool_call', id, name, arguments: JSON.stringify(input) };
}

function decodeToolResultBlock(block: Record<string, unknown>, param: string): ToolResultPart {
  const toolCallId = requireString(block.tool_use_id, `${param}.tool_use_id`);
  const part: ToolResultPart = {
    type: 'tool_result',
    toolCallId,
    content: decodeToolResultContent(block.content, `${param}.content`),
  };
  if (optionalBoolean(block.is_error, `${param}.is_error`)) part.isError = true;
  return part;
}

function decodeToolResultContent(value: unknown, param: string): Array<TextPart | ImagePart> {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(param, 'Input should be a valid list or string');
  const parts: Array<TextPart | ImagePart> = [];
  value.forEach((item, index) => {
    const blockParam = `${param}[${index}]`;
    const block = requireRecord(item, blockParam);
    const type = requireString(block.type, `${blockParam}.type`);
    if (type === 'text') parts.push(decodeTextBlock(block, blockParam));
    else if (type === 'image') {
      const image = decodeImageBlock(block, blockParam);
      if (image) parts.push(image);
    }
    // documents and search results inside a tool result: pass-through only
  });
  return parts;
}

function decodeThinkingBlock(block: Record<string, unknown>, param: string): ReasoningPart {
  return {
    type: 'reasoning',
    text: requireString(block.thinking, `${param}.thinking`),
    signature: requireString(block.signature, `${param}.signature`),
  };
}

/** One content block of a message; undefined when the IR has no place for it. */
export function decodeContentBlock(value: unknown, param: string): ContentPart | undefined {
  const block = requireRecord(value, param);
  const type = requireString(block.type, `${param}.type`);
  switch (type) {
    case 'text':
      return decodeTextBlock(block, param);
    case 'image':
      return decodeImageBlock(block, param);
    case 'tool_use':
      return decodeToolUseBlock(block, param);
    case 'tool_result':
      return decodeToolResultBlock(block, param);
    case 'thinking':
      return decodeThinkingBlock(block, param);
    case 'redacted_thinking':
      return { type: 'reasoning', text: '', redactedData: requireString(block.data, `${param}.data`) };
    case 'document':
      requireRecord(block.source, `${param}.source`);
      return undefined;
    default:
      return undefined;
  }
}

function decodeContent(value: unknown, param: string): ContentPart[] {
  if (value === undefined) throw invalid(param, 'Field required');
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(param, 'Input should be a valid list or string');
  const parts: ContentPart[] = [];
  value.forEach((block, index) => {
    const part = decodeContentBlock(block, `${param}[${index}]`);
    if (part) parts.push(part);
  });
  return parts;
}

/**
 * Decodes `messages`. Consecutive turns of the same role are accepted as they are (the encoder
 * merges them). A user turn's `tool_result` blocks become IR `tool` messages, in place, so the IR
 * has one shape for tool results whichever dialect the client spoke.
 */
export function decodeMessages(value: unknown): Message[] {
  const list = requireArray(value, 'messages');
  if (list.length === 0) throw invalid('messages', 'at least one message is required');
  const messages: Message[] = [];
  list.forEach((item, index) => {
    const param = `messages[${index}]`;
    const message = requireRecord(item, param);
    const role = requireString(message.role, `${param}.role`);
    if (role === 'system') {
      throw invalid(
        `${param}.role`,
        'Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
      );
    }
    if (role !== 'user' && role !== 'assistant')
      throw invalid(`${param}.role`, expectedOneOf(['user', 'assistant']));
    const parts = decodeContent(message.content, `${param}.content`);
    if (role === 'assistant') messages.push({ role, content: parts });
    else messages.push(...splitToolResults(parts));
  });
  return messages;
}

function splitToolResults(parts: ContentPart[]): Message[] {
  const out: Message[] = [];
  let pending: ContentPart[] = [];
  for (const part of parts) {
    if (part.type !== 'tool_result') {
      pending.push(part);
      continue;
    }
    if (pending.length > 0) out.push({ role: 'user', content: pending });
    pending = [];
    out.push({ role: 'tool', content: [part] });
  }
  if (pending.length > 0 || out.length === 0) out.push({ role: 'user', content: pending });
  return out;
}
