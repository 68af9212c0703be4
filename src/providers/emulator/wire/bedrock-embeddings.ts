/**
 * InvokeModel for the embedding models Bedrock hosts, with InvokeModel's token-count headers:
 * - InvokeModel: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
 * - Titan text embeddings: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * - Cohere embeddings on Bedrock: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 * Bodies are checked the way Bedrock's JSON-schema validation words its refusals (`Malformed input
 * request: #/dimensions: ...`).
 */
import { embeddingInputTokens, embeddingVector, vectorToNumbers } from '../embeddings.ts';
import { idSource, isObject } from './common.ts';
import type { JsonReply } from './types.ts';
import { WireError } from './types.ts';

const embeddingId = idSource('emu-');

function invokeReply(body: Record<string, unknown>, inputTokens: number): JsonReply {
  return {
    kind: 'json',
    status: 200,
    tokens: 0,
    body,
    headers: {
      'x-amzn-bedrock-input-token-count': String(inputTokens),
      'x-amzn-bedrock-invocation-latency': '1',
    },
  };
}

function validation(message: string): WireError {
  return new WireError(400, message, null, 'ValidationException');
}

/** Titan v2: `{inputText, dimensions: 256 | 512 | 1024, normalize}`; v1 takes inputText only (1536). */
export function titanEmbedding(model: string, body: unknown): JsonReply {
  if (!isObject(body) || typeof body.inputText !== 'string' || body.inputText.length === 0) {
    throw validation(
      'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.',
    );
  }
  const v1 = /titan-embed-text-v1/.test(model);
  const allowed = v1
    ? new Set(['inputText'])
    : new Set(['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
  const extra = Object.keys(body).find((key) => !allowed.has(key));
  if (extra)
    throw validation(
      `Malformed input request: #: extraneous key [${extra}] is not permitted, please reformat your input and try again.`,
    );
  const dimensions = body.dimensions ?? (v1 ? 1536 : 1024);
  if (!v1 && (typeof dimensions !== 'number' || ![256, 512, 1024].includes(dimensions))) {
    throw validation(
      `Malformed input request: #/dimensions: ${String(dimensions)} is not a valid enum value, please reformat your input and try again.`,
    );
  }
  const embedding = vectorToNumbers(embeddingVector(model, body.inputText, dimensions as number));
  const tokens = embeddingInputTokens(body.inputText);
  const reply: Record<string, unknown> = { embedding, inputTextTokenCount: tokens };
  if (!v1) reply.embeddingsByType = { float: embedding };
  return invokeReply(reply, tokens);
}

/** Cohere Embed on Bedrock: `{texts, input_type, embedding_types?, output_dimension? (v4)}`. */
export function cohereEmbedding(model: string, body: unknown): JsonReply {
  if (
    !isObject(body) ||
    !Array.isArray(body.texts) ||
    body.texts.length === 0 ||
    !body.texts.every((text) => typeof text === 'string')
  ) {
    throw validation(
      'Malformed input request: #: required key [texts] not found, please reformat your input and try again.',
    );
  }
  if (body.texts.length > 96)
    throw validation('Malformed input request: #/texts: expected maximum item count: 96');
  if (typeof body.input_type !== 'string') {
    throw validation(
      'Malformed input request: #: required key [input_type] not found, please reformat your input and try again.',
    );
  }
  const v4 = /embed-v4/.test(model);
  const dimensions = body.output_dimension ?? (v4 ? 1536 : 1024);
  if (
    body.output_dimension !== undefined &&
    (!v4 || ![256, 512, 1024, 1536].includes(dimensions as number))
  ) {
    throw validation(
      `Malformed input request: #/output_dimension: ${String(body.output_dimension)} is not a valid value for ${model}`,
    );
  }
  const texts = body.texts as string[];
  let tokens = 0;
  const vectors = texts.map((text) => {
    tokens += embeddingInputTokens(text);
    return vectorToNumbers(embeddingVector(model, text, dimensions as number));
  });
  const byType = Array.isArray(body.embedding_types);
  return invokeReply(
    {
      id: embeddingId(),
      embeddings: byType ? { float: vectors } : vectors,
      response_type: byType ? 'embeddings_by_type' : 'embeddings_floats',
      texts,
    },
    tokens,
  );
}
