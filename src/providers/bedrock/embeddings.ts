/**
 * Embeddings on Bedrock go through InvokeModel (`POST /model/{modelId}/invoke`), whose body is the
 * model vendor's own; the family is chosen by the model id:
 * - Amazon Titan text embeddings (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html):
 *   one input per request, `{inputText, dimensions?, normalize: true}` for v2 (v1 takes inputText
 *   only), answered with `{embedding, inputTextTokenCount}`;
 * - Cohere Embed (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html):
 *   up to 96 texts, `{texts, input_type, output_dimension?}`, answered with `{embeddings}`.
 * Model ids may carry a cross-region prefix (`us.cohere.embed-v4:0`) or be an inference profile ARN,
 * so the family is found anywhere in the id.
 */
import { GatewayError } from '../../core/errors.ts';
import { COHERE_DEFAULT_INPUT_TYPE, COHERE_EMBED_BATCH, cohereVectors } from '../cohere/embeddings.ts';
import { type InputType, numberList } from '../embedding-support.ts';

export type EmbeddingFamily = 'titan' | 'titan-v1' | 'cohere';

export function embeddingFamily(model: string): EmbeddingFamily {
  if (/amazon\.titan-embed-text-v1/.test(model)) return 'titan-v1';
  if (/amazon\.titan-embed-/.test(model)) return 'titan';
  if (/cohere\.embed-/.test(model)) return 'cohere';
  throw new GatewayError(
    'invalid_request',
    `Embeddings on Bedrock support Amazon Titan (amazon.titan-embed-*) and Cohere (cohere.embed-*) models, not "${model}"`,
    { param: 'model' },
  );
}

/** Texts per InvokeModel request. */
export function batchSize(family: EmbeddingFamily): number {
  return family === 'cohere' ? COHERE_EMBED_BATCH : 1;
}

export function invokeBody(
  family: EmbeddingFamily,
  texts: string[],
  inputType: InputType | undefined,
  dimensions: number | undefined,
): Record<string, unknown> {
  if (family === 'cohere') {
    return {
      texts,
      input_type: inputType ?? COHERE_DEFAULT_INPUT_TYPE,
      ...(dimensions !== undefined ? { output_dimension: dimensions } : {}),
    };
  }
  const inputText = texts[0] ?? '';
  if (family === 'titan-v1') {
    if (dimensions !== undefined) {
      throw new GatewayError('invalid_request', 'dimensions: amazon.titan-embed-text-v1 has a fixed size', {
        param: 'dimensions',
      });
    }
    return { inputText };
  }
  return { inputText, normalize: true, ...(dimensions !== undefined ? { dimensions } : {}) };
}

function malformed(what: string): GatewayError {
  return new GatewayError(
    'upstream_error',
    `Malformed embeddings response from upstream (bedrock): ${what}`,
    {
      code: 'upstream_invalid_response',
    },
  );
}

export function invokeVectors(
  family: EmbeddingFamily,
  body: Record<string, unknown>,
  expected: number,
): number[][] {
  if (family === 'cohere') return cohereVectors(body, expected);
  const vector = numberList(body.embedding);
  if (!vector) throw malformed('embedding is not a list of numbers');
  return [vector];
}

/** Titan reports its count in the body; InvokeModel also reports it in a response header. */
export function reportedInputTokens(
  body: Record<string, unknown>,
  headers: Record<string, string | string[] | undefined>,
): number | undefined {
  if (typeof body.inputTextTokenCount === 'number' && body.inputTextTokenCount >= 0) {
    return Math.floor(body.inputTextTokenCount);
  }
  const header = headers['x-amzn-bedrock-input-token-count'];
  const value = Number(Array.isArray(header) ? header[0] : header);
  return header !== undefined && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}
