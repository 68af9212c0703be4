/**
 * What the Gemini, Cohere and Bedrock adapters share when they serve an OpenAI-shaped embeddings
 * request from an API of another shape: input checks, task-type names, vector encoding, batching and
 * a local token estimate for upstreams that report no usage.
 */
import { createRequire } from 'node:module';
import { GatewayError } from '../core/errors.ts';
import type { EmbeddingRequest } from '../core/ir.ts';
import type { EmbeddingResult } from './types.ts';

/** The inputs as text. Token-id arrays only make sense to the tokenizer they were made with. */
export function embeddingTexts(request: EmbeddingRequest, provider: string): string[] {
  return request.input.map((item, index) => {
    if (typeof item === 'string') return item;
    throw new GatewayError(
      'invalid_request',
      `input[${index}]: provider "${provider}" embeds text only; send strings instead of token ids`,
      { param: `input[${index}]` },
    );
  });
}

/**
 * Task hints by one name each. Clients send Cohere's names (`search_document`) or Gemini's
 * (`RETRIEVAL_DOCUMENT`); both arrive here as the lower-case Cohere-style name.
 */
export type InputType =
  | 'search_document'
  | 'search_query'
  | 'classification'
  | 'clustering'
  | 'semantic_similarity'
  | 'question_answering'
  | 'fact_verification'
  | 'code_retrieval_query';

const INPUT_TYPES: Record<string, InputType> = {
  search_document: 'search_document',
  retrieval_document: 'search_document',
  search_query: 'search_query',
  retrieval_query: 'search_query',
  classification: 'classification',
  clustering: 'clustering',
  semantic_similarity: 'semantic_similarity',
  question_answering: 'question_answering',
  fact_verification: 'fact_verification',
  code_retrieval_query: 'code_retrieval_query',
};

/** The request's task hint, or undefined when it has none; a name nobody knows is refused. */
export function inputTypeOf(
  request: EmbeddingRequest,
  supported: readonly InputType[],
): InputType | undefined {
  if (request.inputType === undefined) return undefined;
  const known = INPUT_TYPES[request.inputType.toLowerCase()];
  if (known === undefined || !supported.includes(known)) {
    throw new GatewayError(
      'invalid_request',
      `input_type: "${request.inputType}" is not one of ${supported.join(', ')}`,
      { param: 'input_type' },
    );
  }
  return known;
}

/** Vectors as the client asked for them: numbers, or OpenAI's base64 of little-endian float32. */
export function formatVectors(
  vectors: number[][],
  format: EmbeddingRequest['encodingFormat'],
): Array<number[] | string> {
  if (format !== 'base64') return vectors;
  return vectors.map((vector) => {
    const bytes = Buffer.alloc(vector.length * 4);
    for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
    return bytes.toString('base64');
  });
}

/** What one upstream call embedded: its vectors in input order, and the input tokens it cost. */
export interface EmbeddedBatch {
  vectors: number[][];
  inputTokens: number;
}

/** Batches answered separately, as one answer: their vectors in order, their token counts summed. */
export function joinEmbeddedBatches(
  model: string,
  batches: readonly EmbeddedBatch[],
  format: EmbeddingRequest['encodingFormat'],
): EmbeddingResult {
  return {
    response: {
      model,
      data: formatVectors(
        batches.flatMap((batch) => batch.vectors),
        format,
      ),
      usage: { inputTokens: batches.reduce((sum, batch) => sum + batch.inputTokens, 0) },
    },
  };
}

/** Runs `call` on consecutive slices of at most `size` items, `parallel` slices at a time, in order. */
export async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  parallel: number,
  call: (batch: T[]) => Promise<R[]>,
): Promise<R[]> {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  const results: R[][] = [];
  for (let start = 0; start < batches.length; start += parallel) {
    const wave = batches.slice(start, start + parallel);
    results.push(...(await Promise.all(wave.map(call))));
  }
  return results.flat();
}

/** A list of numbers, or undefined when `value` is anything else. */
export function numberList(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'number') ? value : undefined;
}

type Encode = (text: string, options: { disallowedSpecial: Set<string> }) => number[];
let encode: Encode | undefined;
/** Special-token markers in user text are counted as ordinary text instead of being refused. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * An ESTIMATE of the input tokens of texts whose upstream reports no count: o200k token counts,
 * close to (not equal to) what Google or Cohere bill. The tables take about 70 MB, so they are
 * loaded on first use only.
 */
export function estimateTokens(texts: readonly string[]): number {
  encode ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { encode: Encode })
    .encode;
  let total = 0;
  for (const text of texts) if (text.length > 0) total += encode(text, AS_PLAIN_TEXT).length;
  return total;
}
