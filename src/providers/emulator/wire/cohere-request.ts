/**
 * Reads Cohere v2 Chat and Embed request bodies into the engine's neutral shapes, refusing what the
 * API refuses with Cohere's `invalid request: ...` wording. Written from
 * https://docs.cohere.com/reference/chat (messages, tools, tool_choice, response_format, thinking),
 * https://docs.cohere.com/docs/tool-use-overview (tool messages answer the assistant's tool_calls by
 * id) and https://docs.cohere.com/reference/embed (texts, input_type, embedding_types, output_dimension).
 */
import type {
  EngineMessage,
  EngineRequest,
  EngineResponseFormat,
  EngineTool,
  EngineToolCallInput,
  EngineToolChoice,
} from '../engine.ts';
import { isObject, type Json } from './common.ts';
import { WireError } from './types.ts';

export interface CohereChatCall {
  engine: EngineRequest;
  stream: boolean;
}

export function parseCohereChat(body: unknown): CohereChatCall {
  if (!isObject(body)) throw invalid('body must be a JSON object');
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) throw invalid('model must be specified');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages must not be empty');
  const calls = new Set<string>();
  const engineMessages = messages.map((message, index) => parseMessage(message, index, calls));
  const tools = parseTools(body.tools);
  const engine: EngineRequest = {
    model,
    messages: engineMessages,
    tools,
    toolChoice: parseToolChoice(body.tool_choice, tools),
    parallelToolCalls: true,
    responseFormat: parseResponseFormat(body.response_format),
    stop: parseStopSequences(body.stop_sequences),
  };
  const maxTokens = body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw invalid('max_tokens must be a positive integer');
    }
    engine.maxTokens = maxTokens;
  }
  if (typeof body.seed === 'number' && Number.isInteger(body.seed)) engine.seed = body.seed;
  if (isObject(body.thinking) && body.thinking.type === 'enabled') engine.reasoning = true;
  const stream = body.stream;
  if (stream !== undefined && typeof stream !== 'boolean') throw invalid('stream must be a boolean');
  return { engine, stream: stream === true };
}

function parseMessage(value: unknown, index: number, calls: Set<string>): EngineMessage {
  if (!isObject(value)) throw invalid(`messages[${index}] must be an object`);
  switch (value.role) {
    case 'system':
      return { role: 'system', text: contentText(value.content, index, false).text };
    case 'user': {
      const { text, images } = contentText(value.content, index, false);
      return images > 0 ? { role: 'user', text, images } : { role: 'user', text };
    }
    case 'assistant': {
      const toolCalls = parseToolCalls(value.tool_calls, index);
      for (const call of toolCalls) calls.add(call.id);
      const hasCalls = toolCalls.length > 0;
      const text =
        value.content === undefined && hasCalls ? '' : contentText(value.content, index, hasCalls).text;
      return hasCalls ? { role: 'assistant', text, toolCalls } : { role: 'assistant', text };
    }
    case 'tool': {
      const id = value.tool_call_id;
      if (typeof id !== 'string' || id.length === 0)
        throw invalid(`messages[${index}].tool_call_id must be specified`);
      if (!calls.has(id)) {
        throw invalid(
          `tool call id ${id} in messages[${index}] does not match any tool call of a previous assistant message`,
        );
      }
      return { role: 'tool', text: toolContent(value.content, index), toolCallId: id };
    }
    default:
      throw invalid(`messages[${index}].role must be one of system, user, assistant, tool`);
  }
}

/** A string, or a list of content blocks: text, image_url, document (and an assistant's thinking). */
function contentText(content: unknown, index: number, optional: boolean): { text: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  if ((content === undefined || content === null) && optional) return { text: '', images: 0 };
  if (!Array.isArray(content))
    throw invalid(`messages[${index}].content must be a string or a list of content blocks`);
  const texts: string[] = [];
  let images = 0;
  content.forEach((block, blockIndex) => {
    if (!isObject(block)) throw invalid(`messages[${index}].content[${blockIndex}] must be an object`);
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'image_url') images++;
    else if (block.type !== 'thinking' && block.type !== 'document') {
      throw invalid(`messages[${index}].content[${blockIndex}].type ${String(block.type)} is not supported`);
    }
  });
  return { text: texts.join(''), images };
}

function toolContent(content: unknown, index: number): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw invalid(`messages[${index}].content must be a string or a list of content blocks`);
  return content
    .map((block) => {
      if (!isObject(block)) return '';
      if (block.type === 'text' && typeof block.text === 'string') return block.text;
      if (block.type === 'document' && isObject(block.document)) {
        const data = block.document.data;
        return typeof data === 'string' ? data : JSON.stringify(data);
      }
      return '';
    })
    .join('');
}

function parseToolCalls(value: unknown, index: number): EngineToolCallInput[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`messages[${index}].tool_calls must be a list`);
  return value.map((entry, callIndex) => {
    const at = `messages[${index}].tool_calls[${callIndex}]`;
    const call = isObject(entry) ? entry : {};
    const fn = isObject(call.function) ? call.function : {};
    if (typeof call.id !== 'string') throw invalid(`${at}.id must be specified`);
    if (typeof fn.name !== 'string') throw invalid(`${at}.function.name must be specified`);
    if (typeof fn.arguments !== 'string') throw invalid(`${at}.function.arguments must be a JSON string`);
    return { id: call.id, name: fn.name, arguments: fn.arguments };
  });
}

function parseTools(value: unknown): EngineTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('tools must be a list');
  return value.map((entry, index) => {
    const tool: Json = isObject(entry) ? entry : {};
    if (tool.type !== 'function' || !isObject(tool.function))
      throw invalid(`tools[${index}] must be a function tool`);
    const fn = tool.function;
    if (typeof fn.name !== 'string' || fn.name.length === 0)
      throw invalid(`tools[${index}].function.name must be specified`);
    const parameters = isObject(fn.parameters) ? fn.parameters : {};
    return typeof fn.description === 'string'
      ? { name: fn.name, description: fn.description, parameters }
      : { name: fn.name, parameters };
  });
}

function parseToolChoice(value: unknown, tools: EngineTool[]): EngineToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (tools.length === 0) throw invalid('tool_choice can only be specified with tools');
  if (value === 'REQUIRED') return 'required';
  if (value === 'NONE') return 'none';
  throw invalid("tool_choice must be one of 'REQUIRED', 'NONE'");
}

function parseResponseFormat(value: unknown): EngineResponseFormat {
  if (value === undefined || value === null) return { type: 'text' };
  if (!isObject(value)) throw invalid('response_format must be an object');
  if (value.type === 'text') return { type: 'text' };
  if (value.type === 'json_object') {
    return isObject(value.json_schema)
      ? { type: 'json_schema', schema: value.json_schema }
      : { type: 'json_object' };
  }
  throw invalid("response_format.type must be one of 'text', 'json_object'");
}

function parseStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string') || value.length > 5) {
    throw invalid('stop_sequences must be a list of at most 5 strings');
  }
  return value as string[];
}

export interface CohereEmbedCall {
  model: string;
  texts: string[];
  dimensions: number | undefined;
}

/** Models that take no input_type: the v2 generation, before search-specific embeddings. */
const NO_INPUT_TYPE = /embed-(english|multilingual)(-light)?-v2/;
const EMBEDDING_TYPES = new Set(['float', 'int8', 'uint8', 'binary', 'ubinary', 'base64']);

export function parseCohereEmbed(body: unknown): CohereEmbedCall {
  if (!isObject(body)) throw invalid('body must be a JSON object');
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) throw invalid('model must be specified');
  const texts = body.texts;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    throw invalid('texts must be a non-empty list of strings');
  }
  if (texts.length > 96) throw invalid('texts can contain at most 96 items');
  if (!NO_INPUT_TYPE.test(model) && typeof body.input_type !== 'string') {
    throw invalid('valid input_type must be provided with the provided model');
  }
  const types = body.embedding_types ?? ['float'];
  if (
    !Array.isArray(types) ||
    !types.every((type) => typeof type === 'string' && EMBEDDING_TYPES.has(type))
  ) {
    throw invalid('embedding_types must be a list of float, int8, uint8, binary, ubinary, base64');
  }
  if (types.some((type) => type !== 'float')) throw invalid('the emulator produces float embeddings only');
  const dimensions = body.output_dimension;
  if (
    dimensions !== undefined &&
    dimensions !== null &&
    (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)
  ) {
    throw invalid('output_dimension must be a positive integer');
  }
  return {
    model,
    texts: texts as string[],
    dimensions: typeof dimensions === 'number' ? dimensions : undefined,
  };
}

function invalid(message: string): WireError {
  return new WireError(400, `invalid request: ${message}`);
}
