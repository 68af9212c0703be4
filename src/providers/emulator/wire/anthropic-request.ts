/**
 * Reads Anthropic Messages request bodies into the engine's neutral shape, refusing what the
 * Messages API refuses with a 400 whose message starts with the field's dotted path
 * (`messages.1.content.0.image.source.media_type: ...`), as Anthropic's own errors do. Written from
 * https://docs.anthropic.com/en/api/messages (request fields and content blocks),
 * https://docs.anthropic.com/en/docs/build-with-claude/tool-use (tool_use / tool_result pairing),
 * https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking (thinking blocks, signatures)
 * and https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching (at most 4 breakpoints).
 */
import type {
  EngineMessage,
  EngineRequest,
  EngineTool,
  EngineToolCallInput,
  EngineToolChoice,
} from '../engine.ts';
import { isObject, type Json, reasoningSignatureValid } from './common.ts';
import { WireError } from './types.ts';

export interface MessagesCall {
  engine: EngineRequest;
  stream: boolean;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const MAX_CACHE_BREAKPOINTS = 4;
const MIN_THINKING_BUDGET = 1024;

/** `count_tokens` takes the same body without `max_tokens`. */
export function parseMessagesRequest(body: unknown, countOnly = false): MessagesCall {
  const request = requireObject(body, 'body');
  const model = request.model;
  if (typeof model !== 'string' || model.length === 0) throw fieldError('model', 'Field required');
  let maxTokens: number | undefined;
  if (!countOnly) {
    const value = request.max_tokens;
    if (value === undefined) throw fieldError('max_tokens', 'Field required');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw fieldError('max_tokens', 'Input should be a positive integer');
    }
    maxTokens = value;
  }
  const messages = request.messages;
  if (!Array.isArray(messages)) throw fieldError('messages', 'Field required');
  if (messages.length === 0) throw fieldError('messages', 'at least one message is required');
  const breakpoints = { count: 0 };
  const engineMessages: EngineMessage[] = [...parseSystem(request.system, breakpoints)];
  messages.forEach((message, index) => {
    engineMessages.push(...parseMessage(message, index, messages, breakpoints));
  });
  const tools = parseTools(request.tools, breakpoints);
  if (breakpoints.count > MAX_CACHE_BREAKPOINTS) {
    throw new WireError(
      400,
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints.count}.`,
    );
  }
  const choice = parseToolChoice(request.tool_choice, tools);
  const engine: EngineRequest = {
    model,
    messages: engineMessages,
    tools,
    toolChoice: choice.choice,
    parallelToolCalls: choice.parallel,
    responseFormat: { type: 'text' },
    stop: parseStopSequences(request.stop_sequences),
  };
  if (maxTokens !== undefined) engine.maxTokens = maxTokens;
  if (parseThinking(request.thinking, maxTokens)) engine.reasoning = true;
  const temperature = request.temperature;
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) {
    throw fieldError('temperature', 'Input should be a number from 0 to 1');
  }
  const stream = request.stream;
  if (stream !== undefined && typeof stream !== 'boolean')
    throw fieldError('stream', 'Input should be a valid boolean');
  return { engine, stream: stream === true };
}

function parseSystem(system: unknown, breakpoints: { count: number }): EngineMessage[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system.length > 0 ? [{ role: 'system', text: system }] : [];
  if (!Array.isArray(system)) throw fieldError('system', 'Input should be a string or a list of text blocks');
  const texts = system.map((block, index) => {
    const at = `system.${index}`;
    const object = requireObject(block, at);
    countBreakpoint(object, breakpoints);
    if (object.type !== 'text' || typeof object.text !== 'string') {
      throw fieldError(at, 'Input should be a text block');
    }
    return object.text;
  });
  return [{ role: 'system', text: texts.join('\n') }];
}

function parseMessage(
  value: unknown,
  index: number,
  all: readonly unknown[],
  breakpoints: { count: number },
): EngineMessage[] {
  const at = `messages.${index}`;
  const message = requireObject(value, at);
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') {
    throw fieldError(`${at}.role`, "Input should be 'user' or 'assistant'");
  }
  // Only a final assistant message (a prefill the answer continues) may be empty.
  const prefill = role === 'assistant' && index === all.length - 1;
  const blocks = contentBlocks(message.content, at, prefill);
  if (role === 'assistant') {
    const out = parseAssistant(blocks, `${at}.content`, breakpoints);
    const calls = out.toolCalls ?? [];
    if (calls.length > 0) requireResults(calls, all[index + 1], index);
    return [out];
  }
  return parseUser(blocks, `${at}.content`, all[index - 1], breakpoints);
}

/** A string is one text block; anything else must be a list of blocks. */
function contentBlocks(content: unknown, at: string, mayBeEmpty: boolean): Json[] {
  if ((content === '' || (Array.isArray(content) && content.length === 0)) && !mayBeEmpty) {
    throw new WireError(
      400,
      `${at}: all messages must have non-empty content except for the optional final assistant message`,
      at,
    );
  }
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw fieldError(`${at}.content`, 'Field required');
  return content.map((block, index) => requireObject(block, `${at}.content.${index}`));
}

function parseAssistant(blocks: Json[], at: string, breakpoints: { count: number }): EngineMessage {
  const texts: string[] = [];
  const toolCalls: EngineToolCallInput[] = [];
  blocks.forEach((block, index) => {
    const blockAt = `${at}.${index}`;
    countBreakpoint(block, breakpoints);
    switch (block.type) {
      case 'text':
        texts.push(requireText(block, blockAt));
        break;
      case 'tool_use': {
        if (typeof block.id !== 'string') throw fieldError(`${blockAt}.id`, 'Field required');
        if (typeof block.name !== 'string') throw fieldError(`${blockAt}.name`, 'Field required');
        if (!isObject(block.input))
          throw fieldError(`${blockAt}.input`, 'Input should be a valid dictionary');
        toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        break;
      }
      case 'thinking': {
        const { thinking, signature } = block;
        if (typeof thinking !== 'string') throw fieldError(`${blockAt}.thinking`, 'Field required');
        if (typeof signature !== 'string' || !reasoningSignatureValid(thinking, signature)) {
          throw fieldError(blockAt, 'Invalid `signature` in `thinking` block');
        }
        break;
      }
      case 'redacted_thinking':
        if (typeof block.data !== 'string') throw fieldError(`${blockAt}.data`, 'Field required');
        break;
      case 'server_tool_use':
      case 'web_search_tool_result':
        break;
      default:
        throw fieldError(
          `${blockAt}.type`,
          `Input tag '${String(block.type)}' is not a valid assistant block`,
        );
    }
  });
  const message: EngineMessage = { role: 'assistant', text: texts.join('\n') };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return message;
}

/** Tool results become tool messages (in order, first), the rest of the turn a user message. */
function parseUser(
  blocks: Json[],
  at: string,
  previous: unknown,
  breakpoints: { count: number },
): EngineMessage[] {
  const results: EngineMessage[] = [];
  const texts: string[] = [];
  let images = 0;
  const expected = new Set(toolUseIds(previous));
  blocks.forEach((block, index) => {
    const blockAt = `${at}.${index}`;
    countBreakpoint(block, breakpoints);
    switch (block.type) {
      case 'text':
        texts.push(requireText(block, blockAt));
        break;
      case 'image':
        checkImage(block, blockAt);
        images++;
        break;
      case 'document':
      case 'search_result':
        break;
      case 'tool_result': {
        const id = block.tool_use_id;
        if (typeof id !== 'string') throw fieldError(`${blockAt}.tool_use_id`, 'Field required');
        if (!expected.has(id)) {
          throw fieldError(
            blockAt,
            `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
        results.push({
          role: 'tool',
          text: toolResultText(block.content, `${blockAt}.content`),
          toolCallId: id,
        });
        break;
      }
      default:
        throw fieldError(`${blockAt}.type`, `Input tag '${String(block.type)}' is not a valid user block`);
    }
  });
  if (texts.length === 0 && images === 0) return results;
  const user: EngineMessage = { role: 'user', text: texts.join('\n') };
  if (images > 0) user.images = images;
  return [...results, user];
}

function toolResultText(content: unknown, at: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw fieldError(at, 'Input should be a string or a list of blocks');
  const texts: string[] = [];
  content.forEach((block, index) => {
    const object = requireObject(block, `${at}.${index}`);
    if (object.type === 'text') texts.push(requireText(object, `${at}.${index}`));
    else if (object.type === 'image') checkImage(object, `${at}.${index}`);
  });
  return texts.join('\n');
}

/** Every tool_use of an assistant turn must be answered in the very next (user) message. */
function requireResults(calls: EngineToolCallInput[], next: unknown, index: number): void {
  if (next === undefined) return; // The conversation ends on the call: the client has not run it yet.
  const answered = new Set<string>();
  if (isObject(next) && next.role === 'user' && Array.isArray(next.content)) {
    for (const block of next.content) {
      if (isObject(block) && block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
        answered.add(block.tool_use_id);
      }
    }
  }
  const missing = calls.filter((call) => !answered.has(call.id)).map((call) => call.id);
  if (missing.length > 0) {
    throw new WireError(
      400,
      `messages.${index + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      `messages.${index + 1}`,
    );
  }
}

function toolUseIds(message: unknown): string[] {
  if (!isObject(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return [];
  return message.content.flatMap((block) =>
    isObject(block) && block.type === 'tool_use' && typeof block.id === 'string' ? [block.id] : [],
  );
}

function checkImage(block: Json, at: string): void {
  const source = requireObject(block.source, `${at}.source`);
  if (source.type === 'base64') {
    if (typeof source.media_type !== 'string' || !IMAGE_TYPES.has(source.media_type)) {
      throw fieldError(
        `${at}.source.base64.media_type`,
        "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
      );
    }
    if (typeof source.data !== 'string' || source.data.length === 0) {
      throw fieldError(`${at}.source.base64.data`, 'Field required');
    }
  } else if (source.type === 'url') {
    if (typeof source.url !== 'string') throw fieldError(`${at}.source.url.url`, 'Field required');
  } else if (source.type !== 'file') {
    throw fieldError(`${at}.source.type`, "Input tag should be 'base64', 'url' or 'file'");
  }
}

function parseTools(value: unknown, breakpoints: { count: number }): EngineTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fieldError('tools', 'Input should be a valid list');
  const tools: EngineTool[] = [];
  value.forEach((entry, index) => {
    const at = `tools.${index}`;
    const tool = requireObject(entry, at);
    countBreakpoint(tool, breakpoints);
    // Server tools (web search, code execution, ...) run on the vendor's side; the emulator has none.
    if (tool.type !== undefined && tool.type !== 'custom') return;
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      throw fieldError(`${at}.custom.name`, "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
    }
    const schema = requireObject(tool.input_schema, `${at}.custom.input_schema`);
    if (schema.type !== 'object')
      throw fieldError(`${at}.custom.input_schema.type`, "Input should be 'object'");
    tools.push(
      typeof tool.description === 'string'
        ? { name: tool.name, description: tool.description, parameters: schema }
        : { name: tool.name, parameters: schema },
    );
  });
  return tools;
}

function parseToolChoice(
  value: unknown,
  tools: EngineTool[],
): { choice: EngineToolChoice; parallel: boolean } {
  if (value === undefined || value === null) return { choice: 'auto', parallel: true };
  const choice = requireObject(value, 'tool_choice');
  const parallel = choice.disable_parallel_tool_use !== true;
  switch (choice.type) {
    case 'auto':
      return { choice: 'auto', parallel };
    case 'any':
      return { choice: 'required', parallel };
    case 'none':
      return { choice: 'none', parallel };
    case 'tool': {
      const name = choice.name;
      if (typeof name !== 'string') throw fieldError('tool_choice.tool.name', 'Field required');
      if (!tools.some((tool) => tool.name === name)) {
        throw fieldError('tool_choice', `Tool '${name}' not found in tools`);
      }
      return { choice: { name }, parallel };
    }
    default:
      throw fieldError('tool_choice.type', "Input tag should be 'auto', 'any', 'tool' or 'none'");
  }
}

/** Whether the request turns thinking on; checks the budget as the API does. */
function parseThinking(value: unknown, maxTokens: number | undefined): boolean {
  if (value === undefined || value === null) return false;
  const thinking = requireObject(value, 'thinking');
  if (thinking.type === 'disabled') return false;
  if (thinking.type === 'adaptive') return true;
  if (thinking.type !== 'enabled') {
    throw fieldError('thinking.type', "Input tag should be 'enabled', 'disabled' or 'adaptive'");
  }
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < MIN_THINKING_BUDGET) {
    throw fieldError(
      'thinking.enabled.budget_tokens',
      `Input should be greater than or equal to ${MIN_THINKING_BUDGET}`,
    );
  }
  if (maxTokens !== undefined && budget >= maxTokens) {
    throw new WireError(400, '`max_tokens` must be greater than `thinking.budget_tokens`.', 'max_tokens');
  }
  return true;
}

function parseStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw fieldError('stop_sequences', 'Input should be a valid list of strings');
  }
  return value as string[];
}

function countBreakpoint(block: Json, breakpoints: { count: number }): void {
  if (block.cache_control === undefined || block.cache_control === null) return;
  const control = block.cache_control;
  if (!isObject(control) || control.type !== 'ephemeral') {
    throw new WireError(400, "cache_control.type: Input should be 'ephemeral'", 'cache_control');
  }
  breakpoints.count++;
}

function requireText(block: Json, at: string): string {
  if (typeof block.text !== 'string') throw fieldError(`${at}.text`, 'Field required');
  if (block.text.length === 0) throw fieldError(at, 'text content blocks must be non-empty');
  return block.text;
}

function requireObject(value: unknown, at: string): Json {
  if (isObject(value)) return value;
  throw fieldError(at, value === undefined ? 'Field required' : 'Input should be a valid dictionary');
}

function fieldError(at: string, message: string): WireError {
  return new WireError(400, `${at}: ${message}`, at);
}
