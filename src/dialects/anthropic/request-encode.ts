import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, ContentPart, Message, TextPart, ToolChoice } from '../../core/ir.ts';
import {
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  JSON_OBJECT_INSTRUCTION,
  JSON_RESPONSE_TOOL_NAME,
  LEADING_USER_TURN_TEXT,
  MIN_THINKING_BUDGET,
  THINKING_BUDGET_BY_EFFORT,
} from './constants.ts';
import {
  encodeImageBlock,
  encodeReasoningBlock,
  encodeTextBlock,
  encodeToolResultBlock,
  parseToolArguments,
  type WireBlock,
} from './content-encode.ts';

/**
 * IR -> Anthropic Messages request body for an upstream.
 *
 * A request that came in as Anthropic goes out as the client's own body with only `model`
 * replaced, so nothing is lost. A request from another dialect is rebuilt, with these choices:
 * - turns: `tool` messages become user turns of `tool_result` blocks; consecutive turns of one role
 *   are merged (Anthropic requires alternation); in a user turn, tool results are moved before
 *   other blocks (Anthropic requires them first); a conversation that does not open with a user
 *   turn gets LEADING_USER_TURN_TEXT first; empty text blocks and empty turns are dropped.
 * - `max_tokens`: `maxOutputTokens`, else DEFAULT_ANTHROPIC_MAX_TOKENS.
 * - `temperature` is clamped to Anthropic's 0..1 (OpenAI allows up to 2).
 * - `seed` and the frequency/presence penalties have no Anthropic equivalent and are not sent; the
 *   pipeline decides whether dropping them is acceptable.
 * - reasoning: `budgetTokens`, else `effort` via THINKING_BUDGET_BY_EFFORT, becomes
 *   `thinking: {type: 'enabled'}`. Thinking tokens count against `max_tokens`, so when `max_tokens`
 *   would not exceed the budget it becomes budget + max_tokens (the answer keeps the room the
 *   client asked for). With thinking on, Anthropic rejects `temperature` and `top_k` and a `top_p`
 *   below 0.95, so those are not sent.
 * - `response_format`: json_object appends JSON_OBJECT_INSTRUCTION to the system prompt;
 *   json_schema adds the JSON_RESPONSE_TOOL_NAME tool (see constants.ts) and makes the model use a
 *   tool. Forced tool use is not allowed with thinking, so then the tool is requested in the
 *   system prompt instead.
 * - reasoning from another provider has no Anthropic signature and is not sent back.
 */
export function encodeRequest(request: ChatRequest, model: string): Record<string, unknown> {
  if (request.source.dialect === 'anthropic-messages') return { ...request.source.body, model };

  const body: Record<string, unknown> = { model };
  const budget = thinkingBudget(request.reasoning);
  const requested = request.maxOutputTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  body.max_tokens = budget !== undefined && requested <= budget ? budget + requested : requested;

  const jsonTool = request.responseFormat?.type === 'json_schema';
  const instructions: string[] = [];
  if (request.responseFormat?.type === 'json_object') instructions.push(JSON_OBJECT_INSTRUCTION);
  if (jsonTool && budget !== undefined) {
    instructions.push(`Give your final answer by calling the ${JSON_RESPONSE_TOOL_NAME} tool.`);
  }
  const system = encodeSystem(request.system, instructions);
  if (system !== undefined) body.system = system;
  body.messages = encodeMessages(request.messages);

  const tools = encodeTools(request);
  if (tools.length > 0) {
    body.tools = tools;
    const choice = encodeToolChoice(request, jsonTool, budget !== undefined);
    if (choice) body.tool_choice = choice;
  }
  if (request.stop && request.stop.length > 0) body.stop_sequences = [...request.stop];

  if (budget !== undefined) {
    body.thinking = { type: 'enabled', budget_tokens: budget };
    if (request.topP !== undefined && request.topP >= 0.95) body.top_p = request.topP;
  } else {
    if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.topK !== undefined) body.top_k = request.topK;
  }
  if (request.stream) body.stream = true;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  return body;
}

function thinkingBudget(reasoning: ChatRequest['reasoning']): number | undefined {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) return Math.max(MIN_THINKING_BUDGET, reasoning.budgetTokens);
  return reasoning.effort === undefined ? undefined : THINKING_BUDGET_BY_EFFORT[reasoning.effort];
}

/** A string for one plain text (the common case, and what clients write), else blocks. */
function encodeSystem(parts: TextPart[], instructions: string[]): string | WireBlock[] | undefined {
  const all = [...parts.filter((part) => part.text !== ''), ...instructions.map((text) => textPart(text))];
  const [only] = all;
  if (!only) return undefined;
  if (all.length === 1 && !only.cacheControl) return only.text;
  return all.map(encodeTextBlock);
}

function textPart(text: string): TextPart {
  return { type: 'text', text };
}

interface Turn {
  role: 'user' | 'assistant';
  content: WireBlock[];
}

function encodeMessages(messages: Message[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = message.content.flatMap((part) => encodePart(part, index));
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  });
  for (const turn of turns) {
    if (turn.role === 'user') turn.content = toolResultsFirst(turn.content);
  }
  if (turns[0]?.role !== 'user')
    turns.unshift({ role: 'user', content: [{ type: 'text', text: LEADING_USER_TURN_TEXT }] });
  return turns;
}

function encodePart(part: ContentPart, messageIndex: number): WireBlock[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [encodeTextBlock(part)];
    case 'image':
      return [encodeImageBlock(part)];
    case 'tool_result':
      return [encodeToolResultBlock(part)];
    case 'reasoning': {
      const block = encodeReasoningBlock(part, false);
      return block ? [block] : [];
    }
    case 'tool_call': {
      const input = parseToolArguments(part.arguments);
      if (!input) {
        throw new GatewayError(
          'invalid_request',
          `messages[${messageIndex}]: the arguments of tool call "${part.id}" (${part.name}) are not a JSON object`,
          { param: `messages[${messageIndex}]` },
        );
      }
      return [{ type: 'tool_use', id: part.id, name: part.name, input }];
    }
  }
}

function toolResultsFirst(blocks: WireBlock[]): WireBlock[] {
  const results = blocks.filter((block) => block.type === 'tool_result');
  if (results.length === 0) return blocks;
  return [...results, ...blocks.filter((block) => block.type !== 'tool_result')];
}

function encodeTools(request: ChatRequest): WireBlock[] {
  const tools: WireBlock[] = (request.tools ?? []).map((tool) => {
    const wire: WireBlock = { name: tool.name, input_schema: objectSchema(tool.parameters) };
    if (tool.description !== undefined) wire.description = tool.description;
    return wire;
  });
  const format = request.responseFormat;
  if (format?.type === 'json_schema') {
    tools.push({
      name: JSON_RESPONSE_TOOL_NAME,
      description:
        format.description ??
        `Return the final answer as a "${format.name}" object matching the input schema.`,
      input_schema: objectSchema(format.schema),
    });
  }
  return tools;
}

/** Anthropic requires an object schema; OpenAI lets a function omit `parameters` or its `type`. */
function objectSchema(schema: Record<string, unknown>): Record<string, unknown> {
  return schema.type === undefined ? { type: 'object', properties: {}, ...schema } : schema;
}

/**
 * The JSON-schema fallback must end in a tool call: alone it forces its own tool; beside the
 * client's tools it requires some tool (a real one, or the answer); a named choice is kept.
 */
function encodeToolChoice(request: ChatRequest, jsonTool: boolean, thinking: boolean): WireBlock | undefined {
  let choice: ToolChoice | undefined = request.toolChoice;
  if (jsonTool && !thinking && choice?.type !== 'tool') {
    const hasOwnTools = (request.tools?.length ?? 0) > 0 && choice?.type !== 'none';
    choice = hasOwnTools ? { type: 'required' } : { type: 'tool', name: JSON_RESPONSE_TOOL_NAME };
  }
  const disableParallel = request.parallelToolCalls === false;
  if (!choice) return disableParallel ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
  if (choice.type === 'none') return { type: 'none' };
  const wire: WireBlock =
    choice.type === 'tool'
      ? { type: 'tool', name: choice.name }
      : { type: choice.type === 'required' ? 'any' : 'auto' };
  if (disableParallel) wire.disable_parallel_tool_use = true;
  return wire;
}
