/**
 * The AWS Bedrock Converse dialect (upstream only): `POST /model/{modelId}/converse` and
 * `/model/{modelId}/converse-stream` on Bedrock Runtime. The mapping choices are documented where
 * they are made: bedrock/request.ts, bedrock/response.ts.
 *
 * References:
 * - https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * - https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * - https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html (and
 *   ToolResultBlock, ImageBlock, ReasoningContentBlock, ToolConfiguration, ToolChoice, TokenUsage,
 *   ConverseStreamOutput, MessageStopEvent)
 * - https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html
 * - https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html
 * - https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html (cache token counts)
 * - https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
 * - https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html (x-amzn-errortype)
 */
import type { ErrorKind, GatewayError } from '../core/errors.ts';
import { encodeBedrockRequest } from './bedrock/request.ts';
import { createBedrockStreamDecoder, decodeBedrockResponse } from './bedrock/response.ts';
import type { UpstreamDialect } from './types.ts';
import { firstHeader, type Headers, isRecord, textOf, upstreamError } from './upstream-common.ts';

export {
  BEDROCK_JSON_OBJECT_INSTRUCTION,
  BEDROCK_JSON_TOOL_NAME,
  BEDROCK_LEADING_USER_TEXT,
  BEDROCK_THINKING_BUDGETS,
  fitThinking,
  MIN_THINKING_BUDGET,
  THINKING_ANSWER_ROOM,
} from './bedrock/request.ts';

/** Errors that mean the gateway's AWS credentials (or their permissions) are wrong. */
const CREDENTIAL_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

/**
 * What an error name says beyond its status. A quota error is a 400 on the wire but not the caller's
 * mistake, and another target may well have room; a stream error asks to be retried.
 */
const OVERRIDES: Record<string, { kind?: ErrorKind; retryable?: boolean }> = {
  ThrottlingException: { kind: 'rate_limited', retryable: true },
  ServiceQuotaExceededException: { kind: 'rate_limited', retryable: true },
  ModelNotReadyException: { retryable: true },
  ModelStreamErrorException: { kind: 'upstream_error', retryable: true },
};

/** HTTP statuses the API reference gives each error, for exceptions that arrive inside a stream. */
const STREAM_EXCEPTION_STATUS: Record<string, number> = {
  ValidationException: 400,
  ThrottlingException: 429,
  ModelStreamErrorException: 424,
  ModelTimeoutException: 408,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** `ThrottlingException:http://internal.amazon.com/...` -> `ThrottlingException`. */
function errorName(raw: string | undefined): string | undefined {
  const name = raw?.split(':')[0]?.split('#').pop()?.trim();
  return name ? name : undefined;
}

function messageOf(body: unknown): string | undefined {
  if (isRecord(body)) {
    for (const key of ['message', 'Message', 'originalMessage']) {
      const value = body[key];
      if (typeof value === 'string') return value;
    }
    return undefined;
  }
  return textOf(body);
}

export function decodeBedrockError(status: number, body: unknown, headers?: Headers): GatewayError {
  const name =
    errorName(firstHeader(headers, 'x-amzn-errortype')) ??
    (isRecord(body) && typeof body.__type === 'string' ? errorName(body.__type) : undefined);
  const override = name ? OVERRIDES[name] : undefined;
  return upstreamError({
    dialect: 'bedrock-converse',
    status,
    message: messageOf(body),
    headers,
    credentialFailure: name !== undefined && CREDENTIAL_ERRORS.has(name),
    ...(name === undefined ? {} : { code: name }),
    ...(override?.kind ? { kind: override.kind } : {}),
    ...(override?.retryable === undefined ? {} : { retryable: override.retryable }),
  });
}

/** An exception event inside a ConverseStream (`throttlingException`, ...) as a GatewayError. */
export function decodeBedrockStreamException(type: string, payload: unknown): GatewayError {
  const name = type.charAt(0).toUpperCase() + type.slice(1);
  const original =
    isRecord(payload) && typeof payload.originalStatusCode === 'number'
      ? payload.originalStatusCode
      : undefined;
  const status = STREAM_EXCEPTION_STATUS[name] ?? original ?? 500;
  return decodeBedrockError(status, payload, { 'x-amzn-errortype': name });
}

export const bedrockConverse: UpstreamDialect = {
  name: 'bedrock-converse',
  encodeRequest: (request) => encodeBedrockRequest(request),
  decodeResponse: decodeBedrockResponse,
  createStreamDecoder: () => createBedrockStreamDecoder(decodeBedrockStreamException),
  decodeError: decodeBedrockError,
};
