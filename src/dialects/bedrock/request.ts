/**
 * IR -> Bedrock Converse request (`POST /model/{modelId}/converse` and `/converse-stream`,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). The model id
 * is part of the URL, so it is not in the body. Choices made where the IR and Converse differ:
 * - turns must alternate user/assistant and start with the user's: `tool` messages become user turns
 *   with toolResult blocks (placed before any other block of that turn), consecutive turns of one role
 *   are merged, and a conversation that starts with the assistant gets a minimal user turn first;
 * - images: only base64 bytes (png, jpeg, gif, webp). Converse cannot fetch image URLs and codecs
 *   never fetch, so an image URL is refused with invalid_request naming the message;
 * - a failed tool result gets `status: error` (Converse documents the field for Claude models only,
 *   so it is not sent for successful results);
 * - reasoning parts go back as reasoningContent only when they carry a signature (or redacted data):
 *   Claude rejects unsigned thinking;
 * - tool_choice: auto -> {auto}, required -> {any}, named -> {tool}; none -> no toolChoice, and no
 *   toolConfig at all unless the conversation already holds tool blocks (Converse then requires the
 *   tools to be declared; the model may still call one). Tools used in the history but no longer
 *   offered are declared with an open object schema for the same reason;
 * - top_k and thinking have no Converse field: they go in `additionalModelRequestFields` with the
 *   names Anthropic's models use (`top_k`, `thinking: {type: enabled, budget_tokens}`); other model
 *   families ignore or reject them upstream. The thinking budget comes from `reasoning` (effort table
 *   below, at least 1024); `maxTokens` must exceed it: when unset it becomes budget + 4096, and when
 *   the client's cap is too small the budget shrinks to half of it (still at least 1024) and the cap
 *   grows only if it must;
 * - response formats: Converse has no JSON mode here, so json_schema is a forced tool named
 *   `json_response` whose input schema is the schema (the response decoders turn its input back into
 *   text), and json_object appends an instruction to the system prompt.
 */
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, ContentPart, ImagePart, Message, ReasoningEffort } from '../../core/ir.ts';
import { isRecord, type Json, parseDataUrl, parseToolArguments, thinkingBudget } from '../upstream-common.ts';

export const BEDROCK_JSON_TOOL_NAME = 'json_response';
export const BEDROCK_JSON_OBJECT_INSTRUCTION = 'Respond with a single JSON object and nothing else.';
export const BEDROCK_LEADING_USER_TEXT = '(continued)';
export const BEDROCK_THINKING_BUDGETS: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};
export const MIN_THINKING_BUDGET = 1024;
/** Room left for the answer when thinking is on and the client set no cap. */
export const THINKING_ANSWER_ROOM = 4096;

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

interface Turn {
  role: 'user' | 'assistant';
  content: Json[];
}

export function encodeBedrockRequest(request: ChatRequest): Json {
  const turns = encodeTurns(request.messages);
  const body: Json = { messages: turns };

  const system = request.system.map((part) => ({ text: part.text }));
  if (request.responseFormat?.type === 'json_object') system.push({ text: BEDROCK_JSON_OBJECT_INSTRUCTION });
  if (system.length > 0) body.system = system;

  const additional: Json = {};
  const inference: Json = {};
  let maxTokens = request.maxOutputTokens;
  const requested = thinkingBudget(request.reasoning, BEDROCK_THINKING_BUDGETS);
  if (requested !== undefined) {
    const fitted = fitThinking(Math.max(MIN_THINKING_BUDGET, requested), maxTokens);
    maxTokens = fitted.maxTokens;
    additional.thinking = { type: 'enabled', budget_tokens: fitted.budget };
  }
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  if (request.temperature !== undefined) inference.temperature = request.temperature;
  if (request.topP !== undefined) inference.topP = request.topP;
  if (request.stop && request.stop.length > 0) inference.stopSequences = request.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  if (request.topK !== undefined) additional.top_k = request.topK;
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;

  const toolConfig = encodeToolConfig(request, turns);
  if (toolConfig) body.toolConfig = toolConfig;
  return body;
}

export function fitThinking(
  budget: number,
  maxTokens: number | undefined,
): { budget: number; maxTokens: number } {
  if (maxTokens === undefined) return { budget, maxTokens: budget + THINKING_ANSWER_ROOM };
  if (maxTokens > budget) return { budget, maxTokens };
  const shrunk = Math.max(MIN_THINKING_BUDGET, Math.floor(maxTokens / 2));
  return { budget: shrunk, maxTokens: Math.max(maxTokens, shrunk + 1) };
}

function toolSpec(name: string, description: string | undefined, schema: Json): Json {
  return { toolSpec: { name, ...(description ? { description } : {}), inputSchema: { json: schema } } };
}

function encodeToolConfig(request: ChatRequest, turns: readonly Turn[]): Json | undefined {
  const tools = (request.tools ?? []).map((tool) => toolSpec(tool.name, tool.description, tool.parameters));
  const historyTools = toolsInHistory(turns);
  const declared = new Set((request.tools ?? []).map((tool) => tool.name));
  for (const name of historyTools) {
    if (!declared.has(name)) tools.push(toolSpec(name, undefined, { type: 'object', properties: {} }));
  }
  const format = request.responseFormat;
  if (format?.type === 'json_schema') {
    tools.push(
      toolSpec(BEDROCK_JSON_TOOL_NAME, format.description ?? `Respond with ${format.name}`, format.schema),
    );
    return { tools, toolChoice: { tool: { name: BEDROCK_JSON_TOOL_NAME } } };
  }
  if (tools.length === 0) return undefined;
  const choice = request.toolChoice;
  if (choice?.type === 'none' && historyTools.size === 0) return undefined;
  const config: Json = { tools };
  if (choice?.type === 'auto') config.toolChoice = { auto: {} };
  if (choice?.type === 'required') config.toolChoice = { any: {} };
  if (choice?.type === 'tool') config.toolChoice = { tool: { name: choice.name } };
  return config;
}

/** Names of the tools the conversation already called (tool results need them declared too). */
function toolsInHistory(turns: readonly Turn[]): Set<string> {
  const names = new Set<string>();
  for (const turn of turns) {
    for (const block of turn.content) {
      const use = block.toolUse;
      if (isRecord(use) && typeof use.name === 'string') names.add(use.name);
    }
  }
  return names;
}

function encodeTurns(messages: readonly Message[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const content =
      role === 'assistant' ? assistantBlocks(message.content, index) : userBlocks(message.content, index);
    if (content.length === 0) return;
    const previous = turns[turns.length - 1];
    if (previous && previous.role === role) previous.content.push(...content);
    else turns.push({ role, content });
  });
  for (const turn of turns) {
    // Tool results answer the previous assistant turn and must come first in the user's turn.
    if (turn.role === 'user') turn.content.sort((a, b) => rank(a) - rank(b));
  }
  if (turns[0]?.role !== 'user')
    turns.unshift({ role: 'user', content: [{ text: BEDROCK_LEADING_USER_TEXT }] });
  return turns;
}

function rank(block: Json): number {
  return block.toolResult === undefined ? 1 : 0;
}

function userBlocks(content: readonly ContentPart[], index: number): Json[] {
  const blocks: Json[] = [];
  content.forEach((part, partIndex) => {
    const param = `messages[${index}].content[${partIndex}]`;
    if (part.type === 'text' && part.text !== '') blocks.push({ text: part.text });
    else if (part.type === 'image') blocks.push(encodeImage(part, param));
    else if (part.type === 'tool_result') {
      const result: Json[] = [];
      part.content.forEach((item, itemIndex) => {
        if (item.type === 'text') result.push({ text: item.text });
        else result.push(encodeImage(item, `${param}.content[${itemIndex}]`));
      });
      blocks.push({
        toolResult: {
          toolUseId: part.toolCallId,
          content: result,
          ...(part.isError ? { status: 'error' } : {}),
        },
      });
    }
  });
  return blocks;
}

function assistantBlocks(content: readonly ContentPart[], index: number): Json[] {
  const blocks: Json[] = [];
  content.forEach((part, partIndex) => {
    if (part.type === 'text' && part.text !== '') blocks.push({ text: part.text });
    else if (part.type === 'tool_call') {
      const input = parseToolArguments(part.arguments, `messages[${index}].content[${partIndex}].arguments`);
      blocks.push({ toolUse: { toolUseId: part.id, name: part.name, input } });
    } else if (part.type === 'reasoning') {
      if (part.redactedData) blocks.push({ reasoningContent: { redactedContent: part.redactedData } });
      else if (part.signature)
        blocks.push({ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } });
    }
  });
  return blocks;
}

function encodeImage(part: ImagePart, param: string): Json {
  const source =
    part.source.kind === 'base64'
      ? { mediaType: part.source.mediaType, data: part.source.data }
      : parseDataUrl(part.source.url);
  if (!source) {
    throw new GatewayError(
      'invalid_request',
      `${param}: Bedrock Converse accepts images only as base64 data, not URLs; send the image as a data URL`,
      { param },
    );
  }
  const format = IMAGE_FORMATS[source.mediaType.toLowerCase()];
  if (!format) {
    throw new GatewayError(
      'invalid_request',
      `${param}: Bedrock Converse accepts png, jpeg, gif and webp images (got ${source.mediaType})`,
      { param },
    );
  }
  return { image: { format, source: { bytes: source.data } } };
}
