import type {
  ChatRequest,
  ImagePart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolResultPart,
} from '../../core/ir.ts';
import { isRecord, type Json } from './validate.ts';

/**
 * IR -> OpenAI Chat Completions request body for an upstream. A request that came in as OpenAI is
 * forwarded as the client wrote it (only the model changes), so fields the IR does not model still
 * reach the upstream.
 */
export function encodeChatRequest(request: ChatRequest, model: string): Json {
  return request.source.dialect === 'openai-chat' ? passThrough(request, model) : fromIr(request, model);
}

function passThrough(request: ChatRequest, model: string): Json {
  const body: Json = { ...request.source.body, model };
  if (request.stream) {
    // The gateway meters every stream; the client encoder drops the usage chunk if it was not asked for.
    const options = isRecord(body.stream_options) ? body.stream_options : {};
    body.stream_options = { ...options, include_usage: true };
  }
  return body;
}

function fromIr(request: ChatRequest, model: string): Json {
  const body: Json = { model, messages: encodeMessages(request) };
  if (request.maxOutputTokens !== undefined) body.max_completion_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => {
      const fn: Json = { name: tool.name };
      if (tool.description !== undefined) fn.description = tool.description;
      fn.parameters = tool.parameters;
      if (tool.strict !== undefined) fn.strict = tool.strict;
      return { type: 'function', function: fn };
    });
  }
  if (request.toolChoice !== undefined) body.tool_choice = toolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat !== undefined) body.response_format = responseFormat(request.responseFormat);
  // A thinking budget alone (Anthropic) has no OpenAI equivalent; only an explicit effort is sent.
  if (request.reasoning?.effort !== undefined) body.reasoning_effort = request.reasoning.effort;
  if (request.user !== undefined) body.user = request.user;
  // `metadata` is not sent: OpenAI accepts it only together with `store`, which the gateway never sets.
  if (request.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function toolChoice(choice: ToolChoice): unknown {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
}

function responseFormat(format: ResponseFormat): Json {
  if (format.type !== 'json_schema') return { type: format.type };
  const spec: Json = { name: format.name, schema: format.schema };
  if (format.strict !== undefined) spec.strict = format.strict;
  if (format.description !== undefined) spec.description = format.description;
  return { type: 'json_schema', json_schema: spec };
}

export function encodeMessages(request: ChatRequest): Json[] {
  const out: Json[] = [];
  if (request.system.length > 0) {
    out.push({ role: 'system', content: request.system.map((part) => part.text).join('\n\n') });
  }
  for (const message of request.messages) {
    if (message.role === 'assistant') out.push(assistantMessage(message));
    else userOrToolMessages(message, out);
  }
  return out;
}

/**
 * OpenAI carries tool results as `tool` messages of their own, right after the assistant's calls, so
 * results found inside a user message (Anthropic's shape) go first and the rest of it follows. Tool
 * messages hold text only: images a tool returned move into that following user message.
 */
function userOrToolMessages(message: Message, out: Json[]): void {
  const rest: Array<TextPart | ImagePart> = [];
  for (const part of message.content) {
    if (part.type === 'tool_result') {
      out.push(toolMessage(part));
      for (const inner of part.content) if (inner.type === 'image') rest.push(inner);
    } else if (part.type === 'text' || part.type === 'image') {
      rest.push(part);
    }
  }
  if (rest.length === 0) return;
  const user: Json = { role: 'user', content: userContent(rest) };
  if (message.role === 'user' && message.name !== undefined) user.name = message.name;
  out.push(user);
}

function toolMessage(part: ToolResultPart): Json {
  const texts: string[] = [];
  for (const inner of part.content) if (inner.type === 'text') texts.push(inner.text);
  // OpenAI has no error flag on tool results; saying it in the text keeps the model informed.
  if (part.isError) texts[0] = texts.length === 0 ? 'Error' : `Error: ${texts[0]}`;
  const content = texts.length <= 1 ? (texts[0] ?? '') : texts.map((text) => ({ type: 'text', text }));
  return { role: 'tool', tool_call_id: part.toolCallId, content };
}

function userContent(parts: Array<TextPart | ImagePart>): unknown {
  const only = parts[0];
  if (parts.length === 1 && only?.type === 'text') return only.text;
  return parts.map((part) => (part.type === 'text' ? { type: 'text', text: part.text } : imagePart(part)));
}

function imagePart(part: ImagePart): Json {
  const url =
    part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
  const image: Json = { url };
  if (part.detail !== undefined) image.detail = part.detail;
  return { type: 'image_url', image_url: image };
}

/**
 * Reasoning parts are left out (OpenAI does not take them back) and so are images (assistant messages
 * cannot hold them). Text is joined into one string, the form every OpenAI-compatible server accepts.
 */
function assistantMessage(message: Message): Json {
  const texts: string[] = [];
  const toolCalls: Json[] = [];
  for (const part of message.content) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'tool_call') {
      toolCalls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments === '' ? '{}' : part.arguments },
      });
    }
  }
  const out: Json = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '',
  };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  if (message.name !== undefined) out.name = message.name;
  return out;
}
