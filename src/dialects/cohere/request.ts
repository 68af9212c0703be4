/**
 * IR -> Cohere v2 Chat request (`POST /v2/chat`, https://docs.cohere.com/reference/chat). Choices
 * made where the IR and Cohere differ:
 * - system parts -> one leading `system` message; tool results (from `tool` messages, or inside user
 *   messages as Anthropic sends them) -> `tool` messages with the text as content, placed before the
 *   rest of that turn. Cohere has no error flag for a tool result, so a failed call's text is sent
 *   as it is; images inside tool results cannot be sent and are dropped;
 * - assistant text beside tool calls is Cohere's `tool_plan`; without tool calls it is `content`.
 *   Reasoning parts are not sent back (Cohere documents no way to return them);
 * - images: URLs and base64 (as a data URL) -> `image_url` content parts;
 * - tool_choice: required -> REQUIRED, none -> NONE, auto -> omitted (Cohere's default). Cohere
 *   cannot name the tool to call, so a named choice becomes REQUIRED with only that tool offered;
 * - top_p -> `p`, clamped to Cohere's documented 0.01..0.99 (OpenAI clients commonly send 1);
 *   top_k -> `k`, clamped to 0..500;
 * - json_object -> `response_format: {type: json_object}`; json_schema -> the same plus `json_schema`;
 * - reasoning -> `thinking: {type: enabled, token_budget}`, budgets from effort as below.
 */
import type {
  ChatRequest,
  ContentPart,
  ImagePart,
  Message,
  ReasoningEffort,
  ToolResultPart,
} from '../../core/ir.ts';
import { type Json, joinText, textOfParts, thinkingBudget } from '../upstream-common.ts';

export const COHERE_THINKING_BUDGETS: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};

export const COHERE_P_RANGE = { min: 0.01, max: 0.99 } as const;
export const COHERE_MAX_K = 500;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function encodeCohereRequest(request: ChatRequest, model: string): Json {
  const messages: Json[] = [];
  if (request.system.length > 0) messages.push({ role: 'system', content: joinText(request.system) });
  for (const message of request.messages) messages.push(...encodeMessage(message));

  const body: Json = { model, messages, stream: request.stream };
  let tools = request.tools ?? [];
  const choice = request.toolChoice;
  if (choice?.type === 'tool') tools = tools.filter((tool) => tool.name === choice.name);
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.parameters,
      },
    }));
    if (choice?.type === 'required' || choice?.type === 'tool') body.tool_choice = 'REQUIRED';
    if (choice?.type === 'none') body.tool_choice = 'NONE';
  }
  if (request.maxOutputTokens !== undefined) body.max_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.p = clamp(request.topP, COHERE_P_RANGE.min, COHERE_P_RANGE.max);
  if (request.topK !== undefined) body.k = clamp(request.topK, 0, COHERE_MAX_K);
  if (request.stop && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  const format = request.responseFormat;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema')
    body.response_format = { type: 'json_object', json_schema: format.schema };
  if (request.reasoning) {
    const budget = thinkingBudget(request.reasoning, COHERE_THINKING_BUDGETS);
    body.thinking = { type: 'enabled', ...(budget === undefined ? {} : { token_budget: budget }) };
  }
  return body;
}

function encodeMessage(message: Message): Json[] {
  switch (message.role) {
    case 'assistant':
      return encodeAssistant(message.content);
    case 'tool':
      return toolMessages(message.content);
    case 'user': {
      // Tool results go first: they answer the previous assistant turn, the rest is the user's next say.
      const encoded = toolMessages(message.content);
      const content = encodeUserContent(message.content);
      if (content !== undefined) encoded.push({ role: 'user', content });
      return encoded;
    }
  }
}

function toolMessages(content: readonly ContentPart[]): Json[] {
  return content
    .filter((part): part is ToolResultPart => part.type === 'tool_result')
    .map((part) => ({ role: 'tool', tool_call_id: part.toolCallId, content: textOfParts(part.content) }));
}

function encodeUserContent(content: readonly ContentPart[]): string | Json[] | undefined {
  const parts: Json[] = [];
  for (const part of content) {
    if (part.type === 'text') parts.push({ type: 'text', text: part.text });
    else if (part.type === 'image') parts.push(encodeImage(part));
  }
  if (parts.length === 0) return undefined;
  // A plain string is the form every Cohere model accepts; parts are needed only for images.
  if (parts.every((part) => part.type === 'text')) return parts.map((part) => part.text).join('');
  return parts;
}

function encodeImage(part: ImagePart): Json {
  const source = part.source;
  const url = source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
  return { type: 'image_url', image_url: { url, ...(part.detail ? { detail: part.detail } : {}) } };
}

function encodeAssistant(content: readonly ContentPart[]): Json[] {
  const text = content
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('');
  const toolCalls = content
    .filter((part) => part.type === 'tool_call')
    .map((part) => ({
      id: part.id,
      type: 'function',
      function: { name: part.name, arguments: part.arguments },
    }));
  if (toolCalls.length > 0) {
    return [{ role: 'assistant', ...(text ? { tool_plan: text } : {}), tool_calls: toolCalls }];
  }
  return text ? [{ role: 'assistant', content: text }] : [];
}
