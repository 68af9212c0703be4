/**
 * Gemini's embedding methods, answered with the emulator's deterministic unit vectors:
 * - embedContent / batchEmbedContents (Gemini API): https://ai.google.dev/api/embeddings
 * - `:predict` (Vertex AI text embeddings): https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 */
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  embeddingInputTokens,
  embeddingVector,
  vectorToNumbers,
} from '../embeddings.ts';
import { isObject } from './common.ts';
import type { JsonReply } from './types.ts';
import { WireError } from './types.ts';

interface EmbedInput {
  text: string;
  dimensions: number;
}

function embedInput(value: unknown, at: string): EmbedInput {
  if (!isObject(value) || !isObject(value.content) || !Array.isArray(value.content.parts)) {
    throw invalid(`* ${at}.content: content is not specified`);
  }
  const text = value.content.parts
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
  if (text.length === 0) throw invalid(`* ${at}.content: text content is empty`);
  const dimensions = value.outputDimensionality;
  if (
    dimensions !== undefined &&
    (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)
  ) {
    throw invalid(`* ${at}.output_dimensionality: must be a positive integer`);
  }
  return { text, dimensions: typeof dimensions === 'number' ? dimensions : DEFAULT_EMBEDDING_DIMENSIONS };
}

/** `models/{model}:embedContent`: one text, one vector. */
export function embedContentReply(model: string, body: unknown): JsonReply {
  const input = embedInput(body, 'EmbedContentRequest');
  const values = vectorToNumbers(embeddingVector(model, input.text, input.dimensions));
  return { kind: 'json', status: 200, tokens: 0, body: { embedding: { values } } };
}

/** `models/{model}:batchEmbedContents`: up to 100 requests, each naming the URL's model. */
export function batchEmbedContentsReply(model: string, body: unknown): JsonReply {
  const requests = isObject(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0)
    throw invalid('* BatchEmbedContentsRequest.requests: requests is not specified');
  if (requests.length > 100)
    throw invalid('* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch');
  const embeddings = requests.map((entry, index) => {
    const at = `BatchEmbedContentsRequest.requests[${index}]`;
    const named = isObject(entry) ? entry.model : undefined;
    if (named !== `models/${model}`) {
      throw invalid(
        `* ${at}.model: model name in the request (${String(named)}) must match the model in the URL (models/${model})`,
      );
    }
    const input = embedInput(entry, at);
    return { values: vectorToNumbers(embeddingVector(model, input.text, input.dimensions)) };
  });
  return { kind: 'json', status: 200, tokens: 0, body: { embeddings } };
}

/** Vertex AI's text embeddings (`:predict`): instances in, predictions with token statistics out. */
export function predictReply(model: string, raw: unknown): JsonReply {
  const body = isObject(raw) ? raw : {};
  if (!Array.isArray(body.instances) || body.instances.length === 0)
    throw invalid('instances is not specified');
  const parameters = isObject(body.parameters) ? body.parameters : {};
  const dimensions =
    typeof parameters.outputDimensionality === 'number'
      ? parameters.outputDimensionality
      : DEFAULT_EMBEDDING_DIMENSIONS;
  let characters = 0;
  const predictions = body.instances.map((instance, index) => {
    if (!isObject(instance) || typeof instance.content !== 'string')
      throw invalid(`instances[${index}].content is not specified`);
    characters += instance.content.length;
    return {
      embeddings: {
        values: vectorToNumbers(embeddingVector(model, instance.content, dimensions)),
        statistics: { token_count: embeddingInputTokens(instance.content), truncated: false },
      },
    };
  });
  return {
    kind: 'json',
    status: 200,
    tokens: 0,
    body: { predictions, metadata: { billableCharacterCount: characters } },
  };
}

function invalid(message: string): WireError {
  return new WireError(400, message, null, 'INVALID_ARGUMENT');
}
