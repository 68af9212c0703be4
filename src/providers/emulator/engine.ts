/**
 * The emulator's model: a pure function from a neutral request to a deterministic completion. Wire
 * formats (wire/*.ts) and the in-process provider translate to and from these shapes; none of them
 * decides what the "model" says.
 */
import { createHash } from 'node:crypto';
import { type Directives, parseDirectives } from './directives.ts';
import { valueForSchema } from './json-schema-values.ts';
import { type Random, randomFromDigest, updateField } from './random.ts';
import {
  countTextTokens,
  PER_IMAGE_TOKENS,
  PER_MESSAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  splitJsonFragments,
  splitWords,
} from './tokens.ts';
import { sentencePieces, wordPieces } from './words.ts';

export interface EngineToolCallInput {
  id: string;
  name: string;
  arguments: string;
}

export interface EngineMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  /** Number of images in the message; each costs a flat number of prompt tokens. */
  images?: number;
  /** Calls an assistant message made. */
  toolCalls?: EngineToolCallInput[];
  /** For a tool message: the call it answers. */
  toolCallId?: string;
}

export interface EngineTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export type EngineToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type EngineResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; schema: Record<string, unknown> };

export interface EngineRequest {
  model: string;
  messages: EngineMessage[];
  tools: EngineTool[];
  toolChoice: EngineToolChoice;
  parallelToolCalls: boolean;
  responseFormat: EngineResponseFormat;
  /** Limit on output tokens (reasoning included). */
  maxTokens?: number;
  stop: string[];
  seed?: number;
  /** The request asks for visible reasoning (Anthropic `thinking`, Gemini `includeThoughts`, ...). */
  reasoning?: boolean;
}

export interface EngineToolCall {
  id: string;
  name: string;
  /** The arguments JSON text (cut short when the token limit was reached). */
  arguments: string;
  /** `arguments` split into the fragments a stream sends, one output token each. */
  fragments: string[];
}

export type EngineFinishReason = 'stop' | 'length' | 'tool_calls';

export interface EngineResult {
  /** Reasoning pieces, one token each; empty unless `[[emulator:reasoning]]` was given. */
  reasoning: string[];
  /** Reply text pieces, one token each; empty when the reply is tool calls. */
  text: string[];
  toolCalls: EngineToolCall[];
  finishReason: EngineFinishReason;
  /** The stop sequence that ended the text, when one did. */
  stopSequence?: string;
  usage: EngineUsage;
}

export interface EngineUsage {
  /** Every prompt token, cached ones included. */
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** Prompt tokens read from the prompt cache (`[[emulator:cached=N]]`), at most promptTokens. */
  cachedTokens: number;
  /** Prompt tokens written to the prompt cache (`[[emulator:cache_write=N]]`), at most the uncached rest. */
  cacheWriteTokens: number;
}

/** The model ids the emulator lists; it serves any other name it is sent too. */
export const BUILT_IN_MODELS = ['emulator-chat', 'emulator-embed'] as const;

/** How much of a tool's result the follow-up reply quotes. */
const TOOL_RESULT_QUOTE_CHARS = 100;

export function generate(request: EngineRequest): EngineResult {
  const last = request.messages.at(-1);
  const lastUser = request.messages.findLast((message) => message.role === 'user');
  const { directives, text: userText } = parseDirectives(lastUser?.text ?? '');
  const random = randomFromDigest(promptDigest(request));

  const reasoning = directives.reasoning || request.reasoning === true ? sentencePieces(random) : [];
  let text: string[] = [];
  let toolCalls: EngineToolCall[] = [];
  if (last?.role === 'tool') {
    text = splitWords(toolResultReply(request.messages));
  } else if (last?.role === 'user' && request.tools.length > 0 && request.toolChoice !== 'none') {
    toolCalls = chooseTools(request, directives, userText).map((tool) => toolCall(tool, random));
  } else {
    text = replyPieces(request.responseFormat, directives, userText, random);
  }

  const stopped = applyStop(text, request.stop);
  const limited = applyLimit({ reasoning, text: stopped.pieces, toolCalls }, request.maxTokens);
  const finishReason: EngineFinishReason = limited.cut
    ? 'length'
    : toolCalls.length > 0
      ? 'tool_calls'
      : 'stop';
  const reasoningTokens = limited.reasoning.length;
  const completionTokens =
    reasoningTokens +
    limited.text.length +
    limited.toolCalls.reduce((sum, call) => sum + call.fragments.length, 0);
  const promptTokens = countPromptTokens(request);
  const cachedTokens = Math.min(directives.cached ?? 0, promptTokens);
  const cacheWriteTokens = Math.min(directives.cacheWrite ?? 0, promptTokens - cachedTokens);
  const result: EngineResult = {
    reasoning: limited.reasoning,
    text: limited.text,
    toolCalls: limited.toolCalls,
    finishReason,
    usage: { promptTokens, completionTokens, reasoningTokens, cachedTokens, cacheWriteTokens },
  };
  if (!limited.cut && stopped.sequence !== undefined) result.stopSequence = stopped.sequence;
  return result;
}

/** Everything the answer depends on: model, seed and the whole conversation. */
function promptDigest(request: EngineRequest): Buffer {
  const hash = createHash('sha256');
  updateField(hash, request.model);
  updateField(hash, request.seed === undefined ? '' : String(request.seed));
  for (const message of request.messages) {
    updateField(hash, message.role);
    updateField(hash, message.text);
    updateField(hash, message.toolCallId ?? '');
    for (const call of message.toolCalls ?? []) {
      updateField(hash, call.name);
      updateField(hash, call.arguments);
    }
  }
  return hash.digest();
}

export function countPromptTokens(request: EngineRequest): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of request.messages) {
    total += PER_MESSAGE_TOKENS + countTextTokens(message.text) + (message.images ?? 0) * PER_IMAGE_TOKENS;
    for (const call of message.toolCalls ?? []) {
      total += countTextTokens(call.name) + countTextTokens(call.arguments);
    }
  }
  for (const tool of request.tools) {
    total += countTextTokens(`${tool.name} ${tool.description ?? ''} ${JSON.stringify(tool.parameters)}`);
  }
  return total;
}

function replyPieces(
  format: EngineResponseFormat,
  directives: Directives,
  userText: string,
  random: Random,
): string[] {
  if (format.type === 'json_object') {
    return splitJsonFragments(JSON.stringify({ answer: sentencePieces(random).join('') }));
  }
  if (format.type === 'json_schema') return splitJsonFragments(JSON.stringify(valueForSchema(format.schema)));
  const echoed = directives.echo ? splitWords(userText) : undefined;
  if (directives.tokens === undefined) return echoed ?? sentencePieces(random);
  const wanted = directives.tokens;
  const pieces = (echoed ?? []).slice(0, wanted);
  if (pieces.length < wanted) {
    const filler = wordPieces(random, wanted - pieces.length);
    if (pieces.length > 0 && filler[0]) filler[0] = ` ${filler[0].toLowerCase()}`;
    pieces.push(...filler);
  }
  return pieces;
}

/** The reply after tool results: it quotes the results that follow the last assistant turn. */
function toolResultReply(messages: EngineMessage[]): string {
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) {
    results.unshift((messages[i]?.text ?? '').slice(0, TOOL_RESULT_QUOTE_CHARS));
  }
  return results.length === 1
    ? `The tool returned: ${results[0]}`
    : `The tools returned: ${results.join('; ')}`;
}

function chooseTools(request: EngineRequest, directives: Directives, userText: string): EngineTool[] {
  const { tools, toolChoice } = request;
  if (typeof toolChoice === 'object') {
    const named = tools.find((tool) => tool.name === toolChoice.name);
    return [named ?? (tools[0] as EngineTool)];
  }
  if (directives.parallel && request.parallelToolCalls) return tools.slice(0, 2);
  const lowered = userText.toLowerCase();
  const mentioned = tools.find((tool) => lowered.includes(tool.name.toLowerCase()));
  return [mentioned ?? (tools[0] as EngineTool)];
}

function toolCall(tool: EngineTool, random: Random): EngineToolCall {
  const value = valueForSchema(tool.parameters);
  // Arguments are always an object, even for a tool declared without a schema.
  const args = JSON.stringify(
    typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {},
  );
  let id = 'call_';
  while (id.length < 29) id += Math.floor(random() * 36).toString(36);
  return { id, name: tool.name, arguments: args, fragments: splitJsonFragments(args) };
}

function applyStop(pieces: string[], stops: string[]): { pieces: string[]; sequence?: string } {
  if (stops.length === 0 || pieces.length === 0) return { pieces };
  const text = pieces.join('');
  let cut = -1;
  let sequence: string | undefined;
  for (const stop of stops) {
    const at = stop.length > 0 ? text.indexOf(stop) : -1;
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      sequence = stop;
    }
  }
  if (cut < 0) return { pieces };
  const kept: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length <= cut) kept.push(piece);
    else {
      const partial = piece.slice(0, cut - length);
      if (partial.length > 0) kept.push(partial);
      break;
    }
    length += piece.length;
  }
  return sequence === undefined ? { pieces: kept } : { pieces: kept, sequence };
}

interface Output {
  reasoning: string[];
  text: string[];
  toolCalls: EngineToolCall[];
}

/** Cuts the output at `maxTokens`, reasoning first, then text or tool-call fragments. */
function applyLimit(output: Output, maxTokens: number | undefined): Output & { cut: boolean } {
  const total =
    output.reasoning.length +
    output.text.length +
    output.toolCalls.reduce((sum, call) => sum + call.fragments.length, 0);
  if (maxTokens === undefined || total <= maxTokens) return { ...output, cut: false };
  let budget = maxTokens;
  const take = (pieces: string[]): string[] => {
    const kept = pieces.slice(0, budget);
    budget -= kept.length;
    return kept;
  };
  const reasoning = take(output.reasoning);
  const text = take(output.text);
  const toolCalls: EngineToolCall[] = [];
  for (const call of output.toolCalls) {
    const fragments = take(call.fragments);
    if (fragments.length > 0) toolCalls.push({ ...call, fragments, arguments: fragments.join('') });
  }
  return { reasoning, text, toolCalls, cut: true };
}
