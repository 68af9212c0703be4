import type { ContentPart, ImagePart, ImageSource, Message, TextPart, ToolCallPart } from '../../core/ir.ts';
import {
  got,
  invalid,
  type Json,
  optionalArray,
  optionalOneOf,
  optionalString,
  requireNonEmptyString,
  requireRecord,
  requireString,
} from './validate.ts';

/**
 * OpenAI `messages` -> IR. System and developer messages become `system` (the IR keeps instructions
 * apart from the conversation, so their position among other messages is not kept).
 *
 * Content parts the IR cannot express (input_audio, file, and vendor extensions such as video_url)
 * are accepted and left out of the IR, which has no part for them: a same-dialect upstream receives
 * the client's own body, so they still reach it.
 *
 * The deprecated function-calling format (role "function", assistant `function_call`) is rejected
 * with a message pointing at tools: answering it faithfully would mean emitting `function_call` in
 * responses and streams too, and only clients written before tools existed send it.
 */

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
const IMAGE_DETAILS = ['auto', 'low', 'high'] as const;

export interface DecodedMessages {
  system: TextPart[];
  messages: Message[];
}

export function decodeMessages(value: unknown): DecodedMessages {
  if (value === undefined) throw invalid('messages', 'messages is required');
  if (!Array.isArray(value)) throw invalid('messages', `messages must be an array (got ${got(value)})`);
  if (value.length === 0) throw invalid('messages', 'messages must contain at least one message');
  const system: TextPart[] = [];
  const messages: Message[] = [];
  for (let i = 0; i < value.length; i++) {
    const param = `messages[${i}]`;
    const message = requireRecord(value[i], param);
    const role = message.role;
    if (role === 'function') {
      throw invalid(
        `${param}.role`,
        `${param}.role "function" is the deprecated function-calling format; send role "tool" with tool_call_id instead`,
      );
    }
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      if (role === undefined) throw invalid(`${param}.role`, `${param}.role is required`);
      throw invalid(`${param}.role`, `${param}.role must be one of ${ROLES.join(', ')} (got ${got(role)})`);
    }
    const name = optionalString(message.name, `${param}.name`);
    if (role === 'system' || role === 'developer') {
      for (const part of instructionContent(message.content, `${param}.content`)) system.push(part);
      continue;
    }
    const decoded =
      role === 'user'
        ? { role: 'user' as const, content: userContent(message.content, `${param}.content`) }
        : role === 'assistant'
          ? { role: 'assistant' as const, content: assistantContent(message, param) }
          : { role: 'tool' as const, content: [toolResult(message, param)] };
    messages.push(name === undefined ? decoded : { ...decoded, name });
  }
  return { system, messages };
}

function contentParts(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) {
    throw invalid(param, `${param} must be a string or an array of content parts (got ${got(value)})`);
  }
  if (value.length === 0) throw invalid(param, `${param} must not be an empty array`);
  return value;
}

function partType(part: unknown, param: string): { part: Json; type: string } {
  const record = requireRecord(part, param);
  return { part: record, type: requireString(record.type, `${param}.type`) };
}

/** System and developer content: text only, since it becomes IR system text. */
function instructionContent(value: unknown, param: string): TextPart[] {
  if (value === undefined) throw invalid(param, `${param} is required`);
  if (typeof value === 'string') return value.length > 0 ? [{ type: 'text', text: value }] : [];
  const parts: TextPart[] = [];
  const items = contentParts(value, param);
  for (let j = 0; j < items.length; j++) {
    const { part, type } = partType(items[j], `${param}[${j}]`);
    if (type !== 'text') {
      throw invalid(
        `${param}[${j}].type`,
        `${param}[${j}].type must be text in system and developer messages (got ${got(type)})`,
      );
    }
    parts.push({ type: 'text', text: requireString(part.text, `${param}[${j}].text`) });
  }
  return parts;
}

function userContent(value: unknown, param: string): ContentPart[] {
  if (value === undefined || value === null) throw invalid(param, `${param} is required`);
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  const parts: ContentPart[] = [];
  const items = contentParts(value, param);
  for (let j = 0; j < items.length; j++) {
    const decoded = mediaPart(items[j], `${param}[${j}]`);
    if (decoded) parts.push(decoded);
  }
  return parts;
}

/** A text or image part; undefined for part types the IR does not carry. */
function mediaPart(item: unknown, param: string): TextPart | ImagePart | undefined {
  const { part, type } = partType(item, param);
  if (type === 'text') return { type: 'text', text: requireString(part.text, `${param}.text`) };
  if (type === 'image_url') return imagePart(part.image_url, `${param}.image_url`);
  return undefined;
}

function imagePart(value: unknown, param: string): ImagePart {
  // A bare string URL is not in the spec but several OpenAI-compatible servers accept it.
  if (typeof value === 'string') return { type: 'image', source: imageSource(value, param) };
  const image = requireRecord(value, param);
  const url = requireNonEmptyString(image.url, `${param}.url`);
  const detail = optionalOneOf(image.detail, `${param}.detail`, IMAGE_DETAILS);
  const part: ImagePart = { type: 'image', source: imageSource(url, `${param}.url`) };
  if (detail !== undefined) part.detail = detail;
  return part;
}

/** `data:<media type>[;params];base64,<data>` becomes a base64 source; anything else stays a URL. */
export function imageSource(url: string, param: string): ImageSource {
  if (!url.startsWith('data:')) return { kind: 'url', url };
  const comma = url.indexOf(',');
  const header = comma === -1 ? '' : url.slice(5, comma);
  if (!header.endsWith(';base64')) {
    throw invalid(
      param,
      `${param} must be an http(s) URL or a base64 data URL (data:<media type>;base64,...)`,
    );
  }
  const semicolon = header.indexOf(';');
  const mediaType = header.slice(0, semicolon);
  if (mediaType.length === 0) throw invalid(param, `${param} is a data URL without a media type`);
  return { kind: 'base64', mediaType, data: url.slice(comma + 1) };
}

function assistantContent(message: Json, param: string): ContentPart[] {
  if (message.function_call !== undefined && message.function_call !== null) {
    throw invalid(
      `${param}.function_call`,
      `${param}.function_call is the deprecated function-calling format; send tool_calls instead`,
    );
  }
  const parts: ContentPart[] = [];
  // DeepSeek and vLLM return reasoning as `reasoning_content` (newer vLLM: `reasoning`); clients echo it.
  const reasoning =
    optionalString(message.reasoning_content, `${param}.reasoning_content`) ??
    (typeof message.reasoning === 'string' ? message.reasoning : undefined);
  if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
  const content = message.content;
  if (typeof content === 'string') {
    if (content.length > 0) parts.push({ type: 'text', text: content });
  } else if (content !== undefined && content !== null) {
    const items = contentParts(content, `${param}.content`);
    for (let j = 0; j < items.length; j++) {
      const partParam = `${param}.content[${j}]`;
      const { part, type } = partType(items[j], partParam);
      if (type === 'text') parts.push({ type: 'text', text: requireString(part.text, `${partParam}.text`) });
      else if (type === 'refusal') {
        parts.push({ type: 'text', text: requireString(part.refusal, `${partParam}.refusal`) });
      }
    }
  }
  const refusal = optionalString(message.refusal, `${param}.refusal`);
  if (refusal && !parts.some((part) => part.type === 'text')) parts.push({ type: 'text', text: refusal });
  const toolCalls = optionalArray(message.tool_calls, `${param}.tool_calls`);
  if (toolCalls) {
    for (let j = 0; j < toolCalls.length; j++)
      parts.push(toolCall(toolCalls[j], `${param}.tool_calls[${j}]`));
  }
  return parts;
}

function toolCall(value: unknown, param: string): ToolCallPart {
  const call = requireRecord(value, param);
  if (call.type !== undefined && call.type !== 'function') {
    throw invalid(`${param}.type`, `${param}.type must be function (got ${got(call.type)})`);
  }
  const fn = requireRecord(call.function, `${param}.function`);
  return {
    type: 'tool_call',
    id: requireNonEmptyString(call.id, `${param}.id`),
    name: requireNonEmptyString(fn.name, `${param}.function.name`),
    arguments: requireString(fn.arguments, `${param}.function.arguments`),
  };
}

function toolResult(message: Json, param: string): ContentPart {
  const toolCallId = requireNonEmptyString(message.tool_call_id, `${param}.tool_call_id`);
  const value = message.content;
  const contentParam = `${param}.content`;
  const content: Array<TextPart | ImagePart> = [];
  if (value === undefined || value === null) throw invalid(contentParam, `${contentParam} is required`);
  if (typeof value === 'string') {
    content.push({ type: 'text', text: value });
  } else {
    const items = contentParts(value, contentParam);
    for (let j = 0; j < items.length; j++) {
      const decoded = mediaPart(items[j], `${contentParam}[${j}]`);
      if (decoded) content.push(decoded);
    }
  }
  return { type: 'tool_result', toolCallId, content };
}
