/**
 * The intermediate representation: one internal shape for chat requests, responses and streams that
 * OpenAI Chat, Anthropic Messages, Gemini, Cohere and Bedrock Converse all map into without losing
 * meaning. Conventions:
 * - `Usage.inputTokens` is ALL input tokens, cached ones included (OpenAI's convention); the cache
 *   fields say how many of them were read from or written to a prompt cache.
 * - Tool-call arguments are kept as the JSON text the model produced (it may be partial or invalid).
 * - `extra` holds fields of the source dialect that have no IR meaning; an encoder of the same
 *   dialect writes them back untouched, other encoders ignore them.
 */

export interface TextPart {
  type: 'text';
  text: string;
  /** Anthropic prompt-caching marker, kept so it survives Anthropic -> Anthropic. */
  cacheControl?: { type: 'ephemeral'; ttl?: string };
}

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's `detail` hint: auto | low | high. */
  detail?: string;
}

export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  /** The arguments as JSON text. */
  arguments: string;
}

export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  content: Array<TextPart | ImagePart>;
  isError?: boolean;
}

export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  /** Anthropic's thinking signature, needed to send the block back in a later turn. */
  signature?: string;
  /** Anthropic's redacted_thinking payload. */
  redactedData?: string;
}

export type ContentPart = TextPart | ImagePart | ToolCallPart | ToolResultPart | ReasoningPart;

export type Role = 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  content: ContentPart[];
  /** OpenAI's optional participant name. */
  name?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      strict?: boolean;
      description?: string;
    };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

export interface ChatRequest {
  /** The model name the client asked for (a route name); providers get the upstream name separately. */
  model: string;
  system: TextPart[];
  messages: Message[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  responseFormat?: ResponseFormat;
  reasoning?: { effort?: ReasoningEffort; budgetTokens?: number };
  stream: boolean;
  /** The client wants usage reported in the stream (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
  user?: string;
  metadata?: Record<string, string>;
  /** Client headers that a same-dialect upstream honours (e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
  extra: Record<string, unknown>;
  /** The request as the client sent it, for same-dialect pass-through. */
  source: { dialect: DialectName; body: Record<string, unknown> };
}

export type DialectName = 'openai-chat' | 'anthropic-messages' | 'gemini' | 'cohere' | 'bedrock-converse';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

export interface ChatResponse {
  id: string;
  /** The upstream model that produced the answer. */
  model: string;
  /** Unix seconds. */
  created: number;
  content: ContentPart[];
  finishReason: FinishReason;
  /** The provider's own stop reason or stop sequence, when it said one. */
  stopSequence?: string;
  usage: Usage;
  extra: Record<string, unknown>;
  /** The dialect the response was decoded from: an encoder of the same dialect writes `extra` back. */
  sourceDialect?: DialectName;
}

export type StreamEvent =
  | { type: 'start'; id: string; model: string; created: number }
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string; signature?: string; redactedData?: string }
  /** `index` numbers tool calls in the order they start, from 0. */
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; argumentsDelta: string }
  | { type: 'tool_call_end'; index: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; stopSequence?: string };

/**
 * One upstream stream event decoded: the IR events it carries and, for same-dialect relays, the
 * upstream's own data so it can be passed through byte for byte.
 */
export interface StreamFrame {
  events: StreamEvent[];
  raw?: { dialect: DialectName; event?: string; data: string };
}

export interface EmbeddingRequest {
  model: string;
  /** Strings, or pre-tokenized input as arrays of token ids. */
  input: string[] | number[][];
  dimensions?: number;
  encodingFormat?: 'float' | 'base64';
  /** Cohere/Gemini-style task hint: search_document, search_query, classification, clustering. */
  inputType?: string;
  user?: string;
  extra: Record<string, unknown>;
  source: { dialect: 'openai-embeddings'; body: Record<string, unknown> };
}

export interface EmbeddingResponse {
  model: string;
  /** One vector per input, in input order. Base64 strings when the upstream returned them so. */
  data: Array<number[] | string>;
  usage: { inputTokens: number };
}
