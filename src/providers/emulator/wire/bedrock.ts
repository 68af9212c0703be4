/**
 * The AWS Bedrock Runtime wire format: Converse, ConverseStream (AWS's binary event stream) and
 * InvokeModel for embedding models, with Bedrock's errors (`x-amzn-errortype`, `{"message"}`).
 * Written from the Bedrock API reference:
 * - Converse: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * - ConverseStream and its events (messageStart, contentBlockStart/Delta/Stop, messageStop,
 *   metadata; exception events): https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 *   and https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 * - The event-stream framing (prelude, headers, payload, CRCs; `:event-type`, `:message-type`,
 *   `:exception-type`): https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html
 * - InvokeModel and its token-count headers: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
 * - Titan text embeddings: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * - Cohere embeddings on Bedrock: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 * - Common errors (`x-amzn-errortype`, signature errors): https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 * - SigV4 `Authorization` header: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * - Bedrock API keys (`Authorization: Bearer`): https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html
 * Frames are encoded with @smithy/core's EventStreamCodec, the library the AWS SDKs use. InvokeModel for
 * embedding models is in bedrock-embeddings.ts.
 */
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { type EngineResult, generate } from '../engine.ts';
import { cohereEmbedding, titanEmbedding } from './bedrock-embeddings.ts';
import { parseConverseRequest } from './bedrock-request.ts';
import {
  bearerToken,
  decodeSegment,
  header,
  idSource,
  isObject,
  renameCallId,
  signReasoning,
} from './common.ts';
import type { JsonReply, StreamChunk, StreamReply, WireFormat, WireRequest, WireRoute } from './types.ts';
import { WireError } from './types.ts';

const PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;
/** `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=..., Signature=hex`. */
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/\d{8}\/[a-z0-9-]+\/[a-z0-9-]+\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;
const ERROR_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.bedrock/';
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const padding = idSource('');

const EXCEPTIONS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Default messages (our own wording) for statuses a fault rule may send. */
const DEFAULT_MESSAGES: Record<string, string> = {
  ValidationException: 'The input fails to satisfy the constraints specified by the emulated service.',
  AccessDeniedException: 'You do not have access to the model with the specified model ID.',
  ResourceNotFoundException: 'The requested resource could not be found.',
  ModelTimeoutException: 'The model took too long to respond.',
  ModelErrorException: 'The model failed to process the request.',
  ThrottlingException: 'Too many requests, please wait before trying again.',
  InternalServerException: 'An internal server error occurred.',
  ServiceUnavailableException: 'The service is temporarily unavailable.',
};

function exceptionName(status: number, error?: WireError): string {
  if (error?.code && /^[A-Z][A-Za-z]+Exception$/.test(error.code)) return error.code;
  return EXCEPTIONS[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
}

const modelOf = (request: WireRequest) => decodeSegment(PATH.exec(request.path)?.[1] ?? '');

function converseRoute(stream: boolean): WireRoute {
  return {
    needsBody: true,
    model: modelOf,
    streams: () => stream,
    handle(request) {
      const call = parseConverseRequest(request.body, modelOf(request));
      const result = generate(call.engine);
      return stream
        ? renderStream(result, call.wantsStopSequence)
        : renderResponse(result, call.wantsStopSequence);
    },
  };
}

const converse = converseRoute(false);
const converseStream = converseRoute(true);

const invoke: WireRoute = {
  needsBody: true,
  model: modelOf,
  streams: () => false,
  handle(request): JsonReply {
    const model = modelOf(request);
    if (/amazon\.titan-embed-/.test(model)) return titanEmbedding(model, request.body);
    if (/cohere\.embed-/.test(model)) return cohereEmbedding(model, request.body);
    throw new WireError(
      400,
      `The emulator's InvokeModel serves embedding models (amazon.titan-embed-*, cohere.embed-*), not ${model}; use Converse.`,
      null,
      'ValidationException',
    );
  },
};

export const bedrockWire: WireFormat = {
  name: 'bedrock',
  route(method, path) {
    const match = method === 'POST' ? PATH.exec(path) : null;
    if (!match) return undefined;
    return match[2] === 'converse' ? converse : match[2] === 'converse-stream' ? converseStream : invoke;
  },
  /**
   * A SigV4 `Authorization` header whose access key id is the emulator's key (the signature itself
   * is not verified: the emulator has no secret key), or a Bedrock API key as a bearer token.
   */
  authorized(headers, apiKey) {
    if (bearerToken(headers) === apiKey) return true;
    const match = SIGV4.exec(header(headers, 'authorization') ?? '');
    return match !== null && match[1] === apiKey && header(headers, 'x-amz-date') !== undefined;
  },
  unauthorized(headers) {
    const value = header(headers, 'authorization');
    if (value === undefined)
      return new WireError(403, 'Missing Authentication Token', null, 'MissingAuthenticationTokenException');
    if (
      value.startsWith('AWS4-HMAC-SHA256') &&
      (!SIGV4.test(value) || header(headers, 'x-amz-date') === undefined)
    ) {
      return new WireError(
        403,
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters, and the request an 'X-Amz-Date' header.",
        null,
        'IncompleteSignatureException',
      );
    }
    return new WireError(
      403,
      'The security token included in the request is invalid.',
      null,
      'UnrecognizedClientException',
    );
  },
  errorBody(status, error) {
    return { message: error?.message ?? DEFAULT_MESSAGES[exceptionName(status, error)] ?? 'Error.' };
  },
  errorHeaders(status, error) {
    return { 'x-amzn-errortype': `${exceptionName(status, error)}:${ERROR_NAMESPACE}` };
  },
  streamError(body, status) {
    const name = exceptionName(status);
    const message =
      isObject(body) && typeof body.message === 'string' ? body.message : DEFAULT_MESSAGES[name];
    return frame(
      {
        ':exception-type': `${name.charAt(0).toLowerCase()}${name.slice(1)}`,
        ':content-type': 'application/json',
        ':message-type': 'exception',
      },
      { message },
    );
  },
  responseHeaders(requestId) {
    return { 'x-amzn-requestid': requestId };
  },
};

function frame(headers: Record<string, string>, payload: unknown): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, { type: 'string', value }]),
    ),
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** One event message; Bedrock pads each payload with a `p` field of varying length. */
function event(type: string, payload: Record<string, unknown>, tokens = 0): StreamChunk {
  const pad = padding();
  return {
    text: frame(
      { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
      { ...payload, p: pad.slice(0, 1 + (pad.length % 17)) },
    ),
    tokens,
  };
}

function stopReason(result: EngineResult): string {
  if (result.finishReason === 'length') return 'max_tokens';
  if (result.finishReason === 'tool_calls') return 'tool_use';
  return result.stopSequence === undefined ? 'end_turn' : 'stop_sequence';
}

function usageObject(result: EngineResult): Record<string, unknown> {
  const { promptTokens, completionTokens, cachedTokens, cacheWriteTokens } = result.usage;
  const input = promptTokens - cachedTokens - cacheWriteTokens;
  const usage: Record<string, unknown> = {
    inputTokens: input,
    outputTokens: completionTokens,
    totalTokens: promptTokens + completionTokens,
  };
  if (cachedTokens > 0 || cacheWriteTokens > 0) {
    usage.cacheReadInputTokens = cachedTokens;
    usage.cacheWriteInputTokens = cacheWriteTokens;
  }
  return usage;
}

function responseFields(
  result: EngineResult,
  wantsStopSequence: boolean,
): Record<string, unknown> | undefined {
  return wantsStopSequence ? { stop_sequence: result.stopSequence ?? null } : undefined;
}

function toolInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function renderResponse(result: EngineResult, wantsStopSequence: boolean): JsonReply {
  const content: Array<Record<string, unknown>> = [];
  if (result.reasoning.length > 0) {
    const text = result.reasoning.join('');
    content.push({ reasoningContent: { reasoningText: { text, signature: signReasoning(text) } } });
  }
  if (result.text.length > 0) content.push({ text: result.text.join('') });
  for (const call of result.toolCalls) {
    content.push({
      toolUse: {
        toolUseId: renameCallId(call.id, 'tooluse_'),
        name: call.name,
        input: toolInput(call.arguments),
      },
    });
  }
  const body: Record<string, unknown> = {
    output: { message: { role: 'assistant', content } },
    stopReason: stopReason(result),
    usage: usageObject(result),
    metrics: { latencyMs: 1 + result.usage.completionTokens },
  };
  const fields = responseFields(result, wantsStopSequence);
  if (fields) body.additionalModelResponseFields = fields;
  return { kind: 'json', status: 200, tokens: result.usage.completionTokens, body };
}

/**
 * The event stream: messageStart; reasoning deltas then a signature delta; text deltas (text
 * blocks open with their first delta, as Bedrock's do); each tool use as contentBlockStart, input
 * deltas and contentBlockStop; messageStop with the stop reason; metadata with usage and metrics.
 */
function renderStream(result: EngineResult, wantsStopSequence: boolean): StreamReply {
  const chunks: StreamChunk[] = [event('messageStart', { role: 'assistant' })];
  let index = 0;
  if (result.reasoning.length > 0) {
    for (const piece of result.reasoning) {
      chunks.push(
        event(
          'contentBlockDelta',
          { contentBlockIndex: index, delta: { reasoningContent: { text: piece } } },
          1,
        ),
      );
    }
    chunks.push(
      event('contentBlockDelta', {
        contentBlockIndex: index,
        delta: { reasoningContent: { signature: signReasoning(result.reasoning.join('')) } },
      }),
    );
    chunks.push(event('contentBlockStop', { contentBlockIndex: index++ }));
  }
  if (result.text.length > 0) {
    for (const piece of result.text)
      chunks.push(event('contentBlockDelta', { contentBlockIndex: index, delta: { text: piece } }, 1));
    chunks.push(event('contentBlockStop', { contentBlockIndex: index++ }));
  }
  for (const call of result.toolCalls) {
    chunks.push(
      event('contentBlockStart', {
        contentBlockIndex: index,
        start: { toolUse: { toolUseId: renameCallId(call.id, 'tooluse_'), name: call.name } },
      }),
    );
    for (const fragment of call.fragments) {
      chunks.push(
        event('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: fragment } } }, 1),
      );
    }
    chunks.push(event('contentBlockStop', { contentBlockIndex: index++ }));
  }
  const stop: Record<string, unknown> = { stopReason: stopReason(result) };
  const fields = responseFields(result, wantsStopSequence);
  if (fields) stop.additionalModelResponseFields = fields;
  chunks.push(event('messageStop', stop));
  chunks.push(
    event('metadata', {
      usage: usageObject(result),
      metrics: { latencyMs: 1 + result.usage.completionTokens },
    }),
  );
  return { kind: 'stream', chunks, trailer: '', contentType: 'application/vnd.amazon.eventstream' };
}
