import { GatewayError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { ChatResponse, ContentPart } from '../../core/ir.ts';
import { errorFromPayload } from './errors.ts';
import { finishFromOpenAI, finishToOpenAI, usageFromOpenAI, usageToOpenAI } from './usage.ts';
import { isRecord, type Json } from './validate.ts';

/**
 * `chat.completion` bodies <-> IR. Only the first choice is modelled. Fields without an IR meaning go
 * to `extra`: top-level ones under their own names, the choice's under `extra.choice` and its
 * message's under `extra.message` (e.g. `refusal`, `annotations`), so an OpenAI client served by an
 * OpenAI-compatible upstream gets them back where they were.
 */

const TOP_LEVEL = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const CHOICE_FIELDS = new Set(['index', 'message', 'finish_reason']);
const MESSAGE_FIELDS = new Set([
  'role',
  'content',
  'tool_calls',
  'function_call',
  'reasoning_content',
  'reasoning',
]);
/** Keys of `extra` that this module writes back into the choice, not the top level. */
const NESTED_EXTRA = new Set(['choice', 'message']);

function malformed(what: string): GatewayError {
  return new GatewayError('upstream_error', `The upstream returned a malformed chat completion: ${what}`, {
    code: 'upstream_invalid_response',
  });
}

export function decodeChatResponse(body: unknown): ChatResponse {
  if (!isRecord(body)) throw malformed('the body is not a JSON object');
  if (isRecord(body.error)) throw errorFromPayload(body);
  if (!Array.isArray(body.choices) || body.choices.length === 0) throw malformed('it has no choices');
  const choice = body.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) throw malformed('choices[0].message is missing');
  const message = choice.message;
  const content = messageContent(message);
  const hasToolCalls = content.some((part) => part.type === 'tool_call');
  let finishReason = finishFromOpenAI(choice.finish_reason);
  // Some compatible servers answer tool calls with finish_reason "stop"; other dialects rely on it.
  if (hasToolCalls && finishReason === 'stop') finishReason = 'tool_calls';
  const response: ChatResponse = {
    id: typeof body.id === 'string' && body.id ? body.id : newId('chatcmpl'),
    model: typeof body.model === 'string' ? body.model : '',
    created: typeof body.created === 'number' ? body.created : Math.floor(Date.now() / 1000),
    content,
    finishReason,
    usage: usageFromOpenAI(body.usage),
    extra: {},
    sourceDialect: 'openai-chat',
  };
  // vLLM names the stop string that ended generation.
  if (typeof choice.stop_reason === 'string') response.stopSequence = choice.stop_reason;
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) response.extra[key] = body[key];
  const choiceExtra = pick(choice, CHOICE_FIELDS);
  if (choiceExtra) response.extra.choice = choiceExtra;
  const messageExtra = pick(message, MESSAGE_FIELDS);
  if (messageExtra) response.extra.message = messageExtra;
  return response;
}

function messageContent(message: Json): ContentPart[] {
  const parts: ContentPart[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning) parts.push({ type: 'reasoning', text: reasoning });
  if (typeof message.content === 'string') {
    if (message.content) parts.push({ type: 'text', text: message.content });
  } else if (Array.isArray(message.content)) {
    for (const part of message.content) {
      if (isRecord(part) && typeof part.text === 'string') parts.push({ type: 'text', text: part.text });
    }
  }
  // A refusal is the whole answer; clients of other dialects only see it as text.
  if (typeof message.refusal === 'string' && message.refusal && !parts.some((part) => part.type === 'text')) {
    parts.push({ type: 'text', text: message.refusal });
  }
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call, i) => {
      if (!isRecord(call) || !isRecord(call.function)) throw malformed(`tool_calls[${i}] has no function`);
      const fn = call.function;
      if (typeof fn.name !== 'string') throw malformed(`tool_calls[${i}].function.name is missing`);
      parts.push({
        type: 'tool_call',
        id: typeof call.id === 'string' && call.id ? call.id : newId('call'),
        name: fn.name,
        arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
      });
    });
  }
  return parts;
}

/** The fields of `record` outside `known` (nulls dropped), or undefined when there are none. */
function pick(record: Json, known: Set<string>): Json | undefined {
  let out: Json | undefined;
  for (const key of Object.keys(record)) {
    if (known.has(key) || record[key] === null || record[key] === undefined) continue;
    out ??= {};
    out[key] = record[key];
  }
  return out;
}

export function encodeChatResponse(response: ChatResponse, extension?: Record<string, unknown>): Json {
  const sameDialect = response.sourceDialect === 'openai-chat';
  const extra = response.extra;
  const messageExtra = sameDialect && isRecord(extra.message) ? extra.message : undefined;
  const choiceExtra = sameDialect && isRecord(extra.choice) ? extra.choice : undefined;
  const refusal = typeof messageExtra?.refusal === 'string' ? messageExtra.refusal : null;

  let text = '';
  let reasoning = '';
  const toolCalls: Json[] = [];
  for (const part of response.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
    else if (part.type === 'tool_call') {
      toolCalls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments },
      });
    }
  }
  // The decoder turned a refusal into text for other dialects; here it goes back to its own field.
  if (refusal !== null && text === refusal) text = '';
  const message: Json = {
    role: 'assistant',
    content: text || (toolCalls.length > 0 || refusal !== null ? null : ''),
    refusal,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // DeepSeek's field name, which reasoning-aware OpenAI clients read; others ignore it.
  if (reasoning) message.reasoning_content = reasoning;
  if (messageExtra)
    for (const key of Object.keys(messageExtra)) if (!(key in message)) message[key] = messageExtra[key];

  const choice: Json = {
    index: 0,
    message,
    logprobs: null,
    finish_reason: finishToOpenAI(response.finishReason),
  };
  if (choiceExtra) for (const key of Object.keys(choiceExtra)) choice[key] = choiceExtra[key];
  const body: Json = {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: [choice],
    usage: usageToOpenAI(response.usage),
  };
  if (sameDialect) {
    for (const key of Object.keys(extra))
      if (!NESTED_EXTRA.has(key) && !(key in body)) body[key] = extra[key];
  }
  if (extension !== undefined) body.switchyard = extension;
  return body;
}
