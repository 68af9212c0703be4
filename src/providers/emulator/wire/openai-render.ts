/**
 * Renders engine answers as OpenAI Chat Completions and Embeddings bodies: the documented
 * `chat.completion`, `chat.completion.chunk` and `list` of `embedding` objects. Shared by the
 * OpenAI-shaped wires, which differ only in a few documented details (a flavour): Azure OpenAI
 * annotates answers with content-filter results and opens a stream with a filter-only chunk;
 * Mistral reports usage in the last chunk of every stream and uses 9-character tool-call ids.
 */
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  embeddingInputTokens,
  embeddingVector,
  vectorToBase64,
  vectorToNumbers,
} from '../embeddings.ts';
import type { EngineResult } from '../engine.ts';
import type { EmbeddingCall } from './openai-request.ts';
import type { JsonReply, StreamChunk, StreamReply } from './types.ts';

export interface OpenAIFlavour {
  /** Azure OpenAI: `prompt_filter_results` / `content_filter_results` annotations. */
  contentFilter?: boolean;
  /** Mistral: usage rides on the chunk with the finish reason, whatever `stream_options` says. */
  usageInFinalChunk?: boolean;
  /** OpenAI's extra fields (`service_tier`, `system_fingerprint`, `refusal`, `annotations`). */
  openaiExtras?: boolean;
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

const FINGERPRINT = 'fp_emulator';

/** Azure's verdict on text that passed every filter. */
const SAFE = { filtered: false, severity: 'safe' };
const CONTENT_FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: CONTENT_FILTER_RESULTS }];

export function renderCompletion(
  result: EngineResult,
  meta: CompletionMeta,
  flavour: OpenAIFlavour,
): JsonReply {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: result.toolCalls.length > 0 ? null : result.text.join(''),
  };
  if (flavour.openaiExtras) {
    message.refusal = null;
    message.annotations = [];
  }
  if (result.toolCalls.length > 0) {
    message.tool_calls = result.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  const choice: Record<string, unknown> = {
    index: 0,
    message,
    logprobs: null,
    finish_reason: result.finishReason,
  };
  if (flavour.contentFilter) choice.content_filter_results = CONTENT_FILTER_RESULTS;
  const body: Record<string, unknown> = {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [choice],
    usage: usageObject(result),
  };
  if (flavour.contentFilter) body.prompt_filter_results = PROMPT_FILTER_RESULTS;
  if (flavour.openaiExtras) {
    body.service_tier = 'default';
    body.system_fingerprint = FINGERPRINT;
  }
  return { kind: 'json', status: 200, tokens: result.usage.completionTokens, body };
}

/**
 * The stream as OpenAI sends it: a role chunk, one chunk per token (text, or tool-call start then
 * argument fragments), a chunk with the finish reason, the usage chunk when asked, then [DONE].
 * OpenAI never streams reasoning text; reasoning tokens delay the first chunk and are counted in usage.
 */
export function renderStream(
  result: EngineResult,
  meta: CompletionMeta,
  includeUsage: boolean,
  flavour: OpenAIFlavour,
): StreamReply {
  const extras = flavour.openaiExtras
    ? `,"service_tier":"default","system_fingerprint":"${FINGERPRINT}"`
    : '';
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)}${extras},"choices":`;
  const usageTail = includeUsage && !flavour.usageInFinalChunk;
  const tail = usageTail ? ',"usage":null}\n\n' : '}\n\n';
  const filter = flavour.contentFilter
    ? `,"content_filter_results":${JSON.stringify(CONTENT_FILTER_RESULTS)}`
    : '';
  const chunk = (
    delta: unknown,
    tokens: number,
    finish: string | null = null,
    usage?: string,
  ): StreamChunk => ({
    text: `${head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}${filter}}]${usage === undefined ? tail : `,"usage":${usage}}\n\n`}`,
    tokens,
  });
  const toolReply = result.toolCalls.length > 0;
  const chunks: StreamChunk[] = [];
  if (flavour.contentFilter) {
    // Azure opens with the prompt's filter verdict, in a chunk that names no completion.
    chunks.push({
      text: `data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS })}\n\n`,
      tokens: 0,
    });
  }
  const role: Record<string, unknown> = { role: 'assistant', content: toolReply ? null : '' };
  if (flavour.openaiExtras) role.refusal = null;
  chunks.push(chunk(role, result.reasoning.length));
  for (const piece of result.text) chunks.push(chunk({ content: piece }, 1));
  result.toolCalls.forEach((call, index) => {
    chunks.push(
      chunk(
        {
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        },
        0,
      ),
    );
    for (const fragment of call.fragments)
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }, 1));
  });
  const usage = JSON.stringify(usageObject(result));
  chunks.push(chunk({}, 0, result.finishReason, flavour.usageInFinalChunk ? usage : undefined));
  if (usageTail) chunks.push({ text: `${head}[],"usage":${usage}}\n\n`, tokens: 0 });
  return { kind: 'stream', chunks, trailer: 'data: [DONE]\n\n' };
}

export function usageObject(result: EngineResult): Record<string, unknown> {
  const { promptTokens, completionTokens, reasoningTokens, cachedTokens } = result.usage;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** One unit vector per input, in order, with OpenAI's usage; `model` is what the answer names. */
export function renderEmbeddings(call: EmbeddingCall, model: string): JsonReply {
  const dimensions = call.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  let promptTokens = 0;
  const data = call.inputs.map((input, index) => {
    promptTokens += embeddingInputTokens(input);
    const vector = embeddingVector(call.model, input, dimensions);
    const embedding = call.encoding === 'base64' ? vectorToBase64(vector) : vectorToNumbers(vector);
    return { object: 'embedding', index, embedding };
  });
  return {
    kind: 'json',
    status: 200,
    tokens: 0,
    body: { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
  };
}
