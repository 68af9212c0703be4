/**
 * Cohere's Embed API v2 (https://docs.cohere.com/reference/embed) as request bodies and answers.
 * `input_type` is required for v3 models and later: a request without a task hint is embedded as
 * `search_document`, the hint for text stored in a vector database. Floats are always asked for
 * (`embedding_types: ['float']`); OpenAI's base64 is made from them locally, because Cohere's own
 * base64 type is a different encoding. Usage is `meta.billed_units.input_tokens`.
 */
import { GatewayError } from '../../core/errors.ts';
import { type InputType, numberList } from '../embedding-support.ts';

/** The task hints Cohere's embed models accept for text. */
export const COHERE_INPUT_TYPES: readonly InputType[] = [
  'search_document',
  'search_query',
  'classification',
  'clustering',
];

export const COHERE_DEFAULT_INPUT_TYPE: InputType = 'search_document';

/** The API's limit on texts per call. */
export const COHERE_EMBED_BATCH = 96;

export function cohereEmbedBody(
  texts: string[],
  model: string,
  inputType: InputType | undefined,
  dimensions: number | undefined,
): Record<string, unknown> {
  return {
    model,
    texts,
    input_type: inputType ?? COHERE_DEFAULT_INPUT_TYPE,
    embedding_types: ['float'],
    ...(dimensions !== undefined ? { output_dimension: dimensions } : {}),
  };
}

function malformed(what: string): GatewayError {
  return new GatewayError('upstream_error', `Malformed embeddings response from upstream (cohere): ${what}`, {
    code: 'upstream_invalid_response',
  });
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * The vectors of an answer: `embeddings.float` (embeddings_by_type), or `embeddings` itself when it
 * is a plain list (embeddings_floats, what Cohere models on Bedrock send when no type is asked for).
 */
export function cohereVectors(body: Record<string, unknown>, expected: number): number[][] {
  const list = Array.isArray(body.embeddings) ? body.embeddings : record(body.embeddings).float;
  if (!Array.isArray(list) || list.length !== expected) {
    throw malformed(`expected ${expected} float embeddings`);
  }
  return list.map((item, index) => {
    const vector = numberList(item);
    if (!vector) throw malformed(`embedding ${index} is not a list of numbers`);
    return vector;
  });
}

export function cohereBilledInputTokens(body: Record<string, unknown>): number | undefined {
  const tokens = record(record(body.meta).billed_units).input_tokens;
  return typeof tokens === 'number' && tokens >= 0 ? Math.floor(tokens) : undefined;
}
