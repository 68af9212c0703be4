import { createHash } from 'node:crypto';
import type { ChatRequest } from '../../core/ir.ts';

/**
 * Where Mistral's chat API differs from OpenAI's. Mistral validates bodies strictly: a field it does
 * not know, at the top level or inside a message, is a 422 `extra_forbidden`, so an OpenAI body is
 * cut down to the fields Mistral documents rather than stripped of the ones known to fail.
 *
 * Request quirks, applied after the OpenAI encoder ran (to a copy: nothing of the caller's body is
 * changed):
 * - `max_completion_tokens` is sent as `max_tokens` (Mistral only knows the latter).
 * - `seed` is sent as `random_seed`.
 * - tool_choice `required` is sent as `any`, Mistral's original name for it (newer versions accept
 *   both; `any` works everywhere). `auto`, `none` and a named function pass unchanged.
 * - `stream_options` is dropped: Mistral reports usage in the last chunk of every stream anyway.
 * - Top-level fields outside MISTRAL_CHAT_FIELDS are dropped: `reasoning_effort`, `user`,
 *   `logprobs`, `top_logprobs`, `logit_bias`, `store`, `service_tier`, `modalities`, `audio`,
 *   `prompt_cache_key`, ... `parallel_tool_calls`, `n`, `metadata` and `response_format` (with
 *   native `json_schema`) are Mistral fields and are kept.
 * - Messages keep only the fields Mistral knows for their role (OpenAI's `name` on user and
 *   assistant turns, `refusal`, `reasoning_content`, `audio` are dropped).
 * - Tool-call ids must be exactly 9 letters or digits. Ids from other providers (`call_...`,
 *   `toolu_...`) are replaced by a 9-character id derived from them, the same in the assistant's
 *   `tool_calls` and the `tool` message answering it, so the pairs still match.
 */

/** The top-level fields of Mistral's chat completion request. */
const MISTRAL_CHAT_FIELDS = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'metadata',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'prompt_mode',
  'safe_prompt',
]);

/** The fields Mistral accepts on a message, by role. */
const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};

const MISTRAL_TOOL_CALL_ID = /^[A-Za-z0-9]{9}$/;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Rewrites an encoded OpenAI chat body into what Mistral accepts (see above). */
export function adjustMistralBody(body: Record<string, unknown>, _request?: ChatRequest): void {
  if (body.max_completion_tokens !== undefined) {
    body.max_tokens ??= body.max_completion_tokens;
  }
  if (body.seed !== undefined) {
    body.random_seed ??= body.seed;
  }
  if (body.tool_choice === 'required') body.tool_choice = 'any';
  if (Array.isArray(body.messages)) body.messages = body.messages.map(mistralMessage);
  for (const key of Object.keys(body)) if (!MISTRAL_CHAT_FIELDS.has(key)) delete body[key];
}

function mistralMessage(message: unknown): unknown {
  if (typeof message !== 'object' || message === null) return message;
  const source = message as Record<string, unknown>;
  const allowed = typeof source.role === 'string' ? MESSAGE_FIELDS[source.role] : undefined;
  // An unknown role is Mistral's to reject, with its own message.
  if (!allowed) return message;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (allowed.has(key)) out[key] = source[key];
  if (Array.isArray(out.tool_calls)) out.tool_calls = out.tool_calls.map(mistralToolCall);
  if (typeof out.tool_call_id === 'string') out.tool_call_id = mistralToolCallId(out.tool_call_id);
  return out;
}

function mistralToolCall(call: unknown): unknown {
  if (typeof call !== 'object' || call === null) return call;
  const source = call as Record<string, unknown>;
  return typeof source.id === 'string' ? { ...source, id: mistralToolCallId(source.id) } : call;
}

/** A valid id is kept; any other maps to 9 base-62 characters of its SHA-256, the same every time. */
export function mistralToolCallId(id: string): string {
  if (MISTRAL_TOOL_CALL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ID_ALPHABET[(digest[i] ?? 0) % ID_ALPHABET.length];
  return out;
}

/** Mistral's embeddings request fields; OpenAI's `dimensions` is its `output_dimension`. */
const MISTRAL_EMBEDDING_FIELDS = new Set([
  'model',
  'input',
  'metadata',
  'output_dimension',
  'output_dtype',
  'encoding_format',
]);

/** An OpenAI embeddings body as Mistral takes it: `dimensions` renamed, `user` and the like dropped. */
export function mistralEmbeddingBody(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(body)) if (MISTRAL_EMBEDDING_FIELDS.has(key)) out[key] = body[key];
  if (body.dimensions !== undefined) out.output_dimension ??= body.dimensions;
  return out;
}
