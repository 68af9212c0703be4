import { GatewayError } from '../core/errors.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../core/ir.ts';
import { errorFromPayload } from './openai/errors.ts';
import {
  got,
  invalid,
  isRecord,
  type Json,
  optionalInteger,
  optionalOneOf,
  optionalString,
  requireNonEmptyString,
} from './openai/validate.ts';

/**
 * OpenAI Embeddings (`/v1/embeddings`): inbound validation and the codecs for OpenAI-shaped
 * upstreams. Pure.
 */

/** The API's limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;
const ENCODING_FORMATS = ['float', 'base64'] as const;
const MAPPED_FIELDS = new Set(['input', 'model', 'dimensions', 'encoding_format', 'user', 'input_type']);

export function decodeEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (!isRecord(body)) throw invalid(undefined, 'The request body must be a JSON object');
  const request: EmbeddingRequest = {
    model: requireNonEmptyString(body.model, 'model'),
    input: decodeInput(body.input),
    extra: {},
    source: { dialect: 'openai-embeddings', body },
  };
  const dimensions = optionalInteger(body.dimensions, 'dimensions', 1);
  if (dimensions !== undefined) request.dimensions = dimensions;
  const encodingFormat = optionalOneOf(body.encoding_format, 'encoding_format', ENCODING_FORMATS);
  if (encodingFormat !== undefined) request.encodingFormat = encodingFormat;
  const user = optionalString(body.user, 'user');
  if (user !== undefined) request.user = user;
  // Not an OpenAI field, but OpenAI-compatible embedding servers (NVIDIA NIM, Cohere's compat) use it.
  const inputType = optionalString(body.input_type, 'input_type');
  if (inputType !== undefined) request.inputType = inputType;
  for (const key of Object.keys(body)) if (!MAPPED_FIELDS.has(key)) request.extra[key] = body[key];
  return request;
}

/** string | string[] | number[] | number[][] -> one entry per input. */
function decodeInput(value: unknown): string[] | number[][] {
  if (value === undefined) throw invalid('input', 'input is required');
  if (typeof value === 'string') {
    if (value.length === 0) throw invalid('input', 'input must not be an empty string');
    return [value];
  }
  if (!Array.isArray(value)) {
    throw invalid(
      'input',
      `input must be a string, an array of strings or an array of token arrays (got ${got(value)})`,
    );
  }
  if (value.length === 0) throw invalid('input', 'input must not be an empty array');
  if (value.length > MAX_EMBEDDING_INPUTS) {
    throw invalid('input', `input may hold at most ${MAX_EMBEDDING_INPUTS} items (got ${value.length})`);
  }
  const first = value[0];
  if (typeof first === 'string') {
    value.forEach((item, i) => {
      if (typeof item !== 'string')
        throw invalid(`input[${i}]`, `input[${i}] must be a string like input[0] (got ${got(item)})`);
      if (item.length === 0) throw invalid(`input[${i}]`, `input[${i}] must not be an empty string`);
    });
    return value as string[];
  }
  if (typeof first === 'number') return [tokens(value, 'input')];
  if (Array.isArray(first)) return value.map((item, i) => tokens(item, `input[${i}]`));
  throw invalid(
    'input[0]',
    `input[0] must be a string, a token id or an array of token ids (got ${got(first)})`,
  );
}

function tokens(value: unknown, param: string): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(param, `${param} must be a non-empty array of token ids (got ${got(value)})`);
  }
  for (let j = 0; j < value.length; j++) {
    const token = value[j];
    if (typeof token !== 'number' || !Number.isInteger(token) || token < 0) {
      throw invalid(
        `${param}[${j}]`,
        `${param}[${j}] must be a token id, a non-negative integer (got ${got(token)})`,
      );
    }
  }
  return value as number[];
}

/** IR -> upstream body. An OpenAI client's body is forwarded as written, with the upstream's model. */
export function encodeEmbeddingRequest(request: EmbeddingRequest, model: string): Json {
  if (request.source.dialect === 'openai-embeddings') return { ...request.source.body, model };
  const body: Json = { model, input: request.input };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.encodingFormat !== undefined) body.encoding_format = request.encodingFormat;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

function malformed(what: string): GatewayError {
  return new GatewayError(
    'upstream_error',
    `The upstream returned a malformed embeddings response: ${what}`,
    {
      code: 'upstream_invalid_response',
    },
  );
}

export function decodeEmbeddingResponse(body: unknown): EmbeddingResponse {
  if (!isRecord(body)) throw malformed('the body is not a JSON object');
  if (isRecord(body.error)) throw errorFromPayload(body);
  if (!Array.isArray(body.data)) throw malformed('it has no data array');
  const rows = body.data.map((item, i) => {
    if (!isRecord(item)) throw malformed(`data[${i}] is not an object`);
    const embedding = item.embedding;
    const valid =
      typeof embedding === 'string' ||
      (Array.isArray(embedding) && embedding.every((x) => typeof x === 'number'));
    if (!valid) throw malformed(`data[${i}].embedding is neither a list of numbers nor base64`);
    return {
      index: typeof item.index === 'number' ? item.index : i,
      embedding: embedding as number[] | string,
    };
  });
  // Upstreams may list embeddings out of order; `index` says which input each belongs to.
  rows.sort((a, b) => a.index - b.index);
  const usage = isRecord(body.usage) ? body.usage : {};
  const promptTokens = usage.prompt_tokens;
  return {
    model: typeof body.model === 'string' ? body.model : '',
    data: rows.map((row) => row.embedding),
    usage: {
      inputTokens: typeof promptTokens === 'number' && promptTokens > 0 ? Math.floor(promptTokens) : 0,
    },
  };
}

export function encodeEmbeddingResponse(response: EmbeddingResponse, requestedModel?: string): Json {
  return {
    object: 'list',
    data: response.data.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: requestedModel ?? response.model,
    usage: { prompt_tokens: response.usage.inputTokens, total_tokens: response.usage.inputTokens },
  };
}
