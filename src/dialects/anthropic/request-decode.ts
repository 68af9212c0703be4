import type { ChatRequest, TextPart, ToolChoice, ToolDefinition } from '../../core/ir.ts';
import { MIN_THINKING_BUDGET } from './constants.ts';
import { decodeCacheControl, decodeMessages, decodeTextBlock } from './content-decode.ts';
import {
  expectedOneOf,
  invalid,
  isRecord,
  optionalBoolean,
  optionalInteger,
  optionalNumberInRange,
  optionalString,
  requireArray,
  requireInteger,
  requireRecord,
  requireString,
} from './validate.ts';

/** Top-level fields with an IR meaning; everything else is kept in `extra`. */
const KNOWN_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'stream',
  'metadata',
  'thinking',
]);

const TOOL_CHOICE_TYPES = ['auto', 'any', 'tool', 'none'] as const;
/** `thinking.type` values the Messages API documents; only `enabled` carries a budget. */
const THINKING_TYPES = ['enabled', 'disabled', 'adaptive', 'between_tools'] as const;

/**
 * An Anthropic Messages request body (a client calling /v1/messages) -> IR, with the gateway's
 * validation: every rejection is a 400 naming the field.
 */
export function decodeRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw invalid(undefined, 'Request body must be a JSON object');
  const model = requireString(body.model, 'model');
  if (model.trim() === '') throw invalid('model', 'String should have at least 1 character');
  const maxTokens = requireInteger(body.max_tokens, 'max_tokens', 1);

  const request: ChatRequest = {
    model,
    system: decodeSystem(body.system),
    messages: decodeMessages(body.messages),
    maxOutputTokens: maxTokens,
    stream: optionalBoolean(body.stream, 'stream') ?? false,
    // Anthropic streams always report usage (message_start and message_delta).
    includeUsage: true,
    extra: {},
    source: { dialect: 'anthropic-messages', body },
  };

  const tools = decodeTools(body.tools, request.extra);
  if (tools) request.tools = tools;
  decodeToolChoice(body.tool_choice, request);

  const stop = decodeStopSequences(body.stop_sequences);
  if (stop) request.stop = stop;
  const temperature = optionalNumberInRange(body.temperature, 'temperature', 0, 1);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumberInRange(body.top_p, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const topK = optionalInteger(body.top_k, 'top_k', 0);
  if (topK !== undefined) request.topK = topK;

  const user = decodeMetadataUser(body.metadata);
  if (user !== undefined) request.user = user;
  const budget = decodeThinkingBudget(body.thinking, maxTokens);
  if (budget !== undefined) request.reasoning = { budgetTokens: budget };

  for (const [key, value] of Object.entries(body)) {
    if (!KNOWN_FIELDS.has(key)) request.extra[key] = value;
  }
  return request;
}

function decodeSystem(value: unknown): TextPart[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid('system', 'Input should be a valid list or string');
  return value.map((item, index) => {
    const param = `system[${index}]`;
    const block = requireRecord(item, param);
    const type = requireString(block.type, `${param}.type`);
    if (type !== 'text') throw invalid(`${param}.type`, expectedOneOf(['text']));
    return decodeTextBlock(block, param);
  });
}

/**
 * Custom tools become IR tools. Server tools (a `type` such as `web_search_20250305`) run inside
 * Anthropic's API and mean nothing to another upstream: they are kept in `extra.server_tools` for
 * the record and reach an Anthropic upstream through the source body.
 */
function decodeTools(value: unknown, extra: Record<string, unknown>): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = requireArray(value, 'tools');
  const tools: ToolDefinition[] = [];
  const serverTools: Record<string, unknown>[] = [];
  const names = new Set<string>();
  list.forEach((item, index) => {
    const param = `tools[${index}]`;
    const tool = requireRecord(item, param);
    const type = optionalString(tool.type, `${param}.type`);
    const name = requireString(tool.name, `${param}.name`);
    if (name === '') throw invalid(`${param}.name`, 'String should have at least 1 character');
    if (names.has(name))
      throw invalid('tools', `Tool names must be unique; "${name}" appears more than once`);
    names.add(name);
    if (type !== undefined && type !== 'custom') {
      serverTools.push(tool);
      return;
    }
    const definition: ToolDefinition = {
      name,
      parameters: requireRecord(tool.input_schema, `${param}.input_schema`),
    };
    const description = optionalString(tool.description, `${param}.description`);
    if (description !== undefined) definition.description = description;
    decodeCacheControl(tool.cache_control, `${param}.cache_control`);
    tools.push(definition);
  });
  if (serverTools.length > 0) extra.server_tools = serverTools;
  return tools;
}

function decodeToolChoice(value: unknown, request: ChatRequest): void {
  if (value === undefined || value === null) return;
  const choice = requireRecord(value, 'tool_choice');
  const type = requireString(choice.type, 'tool_choice.type');
  if (!(TOOL_CHOICE_TYPES as readonly string[]).includes(type)) {
    throw invalid('tool_choice.type', expectedOneOf(TOOL_CHOICE_TYPES));
  }
  let toolChoice: ToolChoice;
  if (type === 'tool') toolChoice = { type: 'tool', name: requireString(choice.name, 'tool_choice.name') };
  else if (type === 'any') toolChoice = { type: 'required' };
  else toolChoice = { type: type as 'auto' | 'none' };
  request.toolChoice = toolChoice;
  const disableParallel = optionalBoolean(
    choice.disable_parallel_tool_use,
    'tool_choice.disable_parallel_tool_use',
  );
  if (disableParallel) request.parallelToolCalls = false;
}

function decodeStopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return requireArray(value, 'stop_sequences').map((item, index) =>
    requireString(item, `stop_sequences[${index}]`),
  );
}

function decodeMetadataUser(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const metadata = requireRecord(value, 'metadata');
  return optionalString(metadata.user_id, 'metadata.user_id');
}

/** The budget of `thinking: {type: 'enabled'}`; undefined when thinking is off or adaptive. */
function decodeThinkingBudget(value: unknown, maxTokens: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const thinking = requireRecord(value, 'thinking');
  const type = requireString(thinking.type, 'thinking.type');
  if (!(THINKING_TYPES as readonly string[]).includes(type)) {
    throw invalid('thinking.type', expectedOneOf(THINKING_TYPES));
  }
  if (type !== 'enabled') return undefined;
  const budget = requireInteger(thinking.budget_tokens, 'thinking.budget_tokens', MIN_THINKING_BUDGET);
  if (budget >= maxTokens) {
    throw invalid('thinking.budget_tokens', '`max_tokens` must be greater than `thinking.budget_tokens`');
  }
  return budget;
}
