/**
 * Embeddings on Gemini, as request bodies and answers:
 * - Gemini API `models/{model}:batchEmbedContents` (https://ai.google.dev/api/embeddings): one
 *   EmbedContentRequest per input (`model`, `content.parts[].text`, `taskType`,
 *   `outputDimensionality`), answered with `embeddings[].values` and no token counts, so usage is an
 *   o200k ESTIMATE (see estimateTokens);
 * - Vertex AI `:predict` (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api):
 *   `instances[]` of `{content, task_type}` and `parameters.outputDimensionality`, answered with
 *   `predictions[].embeddings.values` and `statistics.token_count`, which is used when present.
 */
import { GatewayError } from '../../core/errors.ts';
import { estimateTokens, type InputType, numberList } from '../embedding-support.ts';

/** The task hints Gemini knows, and their Gemini names. */
export const GEMINI_TASK_TYPES: Record<InputType, string> = {
  search_document: 'RETRIEVAL_DOCUMENT',
  search_query: 'RETRIEVAL_QUERY',
  classification: 'CLASSIFICATION',
  clustering: 'CLUSTERING',
  semantic_similarity: 'SEMANTIC_SIMILARITY',
  question_answering: 'QUESTION_ANSWERING',
  fact_verification: 'FACT_VERIFICATION',
  code_retrieval_query: 'CODE_RETRIEVAL_QUERY',
};

/** batchEmbedContents takes at most 100 requests. */
export const AI_STUDIO_BATCH = 100;

/** Vertex AI's gemini-embedding models take one instance per request; the older text models more. */
export function vertexBatchSize(model: string): number {
  return /(^|\/)gemini-embedding/.test(model) ? 1 : 64;
}

export interface EmbedOptions {
  model: string;
  taskType?: string;
  dimensions?: number;
}

export interface Embedded {
  vectors: number[][];
  inputTokens: number;
}

export function batchEmbedBody(texts: string[], options: EmbedOptions): Record<string, unknown> {
  const model = options.model.startsWith('models/') ? options.model : `models/${options.model}`;
  return {
    requests: texts.map((text) => ({
      model,
      content: { parts: [{ text }] },
      ...(options.taskType ? { taskType: options.taskType } : {}),
      ...(options.dimensions !== undefined ? { outputDimensionality: options.dimensions } : {}),
    })),
  };
}

export function vertexPredictBody(texts: string[], options: EmbedOptions): Record<string, unknown> {
  return {
    instances: texts.map((content) => ({
      content,
      ...(options.taskType ? { task_type: options.taskType } : {}),
    })),
    ...(options.dimensions !== undefined ? { parameters: { outputDimensionality: options.dimensions } } : {}),
  };
}

function malformed(what: string): GatewayError {
  return new GatewayError('upstream_error', `Malformed embeddings response from upstream (gemini): ${what}`, {
    code: 'upstream_invalid_response',
  });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function decodeBatchEmbed(body: Record<string, unknown>, texts: string[]): Embedded {
  const embeddings = Array.isArray(body.embeddings) ? body.embeddings : [];
  if (embeddings.length !== texts.length) {
    throw malformed(`${embeddings.length} embeddings for ${texts.length} inputs`);
  }
  const vectors = embeddings.map((item, index) => {
    const values = numberList(record(item)?.values);
    if (!values) throw malformed(`embeddings[${index}].values is not a list of numbers`);
    return values;
  });
  return { vectors, inputTokens: estimateTokens(texts) };
}

export function decodeVertexPredict(body: Record<string, unknown>, texts: string[]): Embedded {
  const predictions = Array.isArray(body.predictions) ? body.predictions : [];
  if (predictions.length !== texts.length) {
    throw malformed(`${predictions.length} predictions for ${texts.length} inputs`);
  }
  let inputTokens = 0;
  const vectors = predictions.map((item, index) => {
    const embeddings = record(record(item)?.embeddings);
    const values = numberList(embeddings?.values);
    if (!values) throw malformed(`predictions[${index}].embeddings.values is not a list of numbers`);
    const counted = record(embeddings?.statistics)?.token_count;
    inputTokens +=
      typeof counted === 'number' && counted >= 0
        ? Math.floor(counted)
        : estimateTokens([texts[index] ?? '']);
    return values;
  });
  return { vectors, inputTokens };
}
