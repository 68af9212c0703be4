import type { ChatRequest, ReasoningEffort } from '../../core/ir.ts';
import { decodeMessages } from './decode-messages.ts';
import { decodeResponseFormat, decodeStop, decodeToolChoice, decodeTools } from './decode-options.ts';
import {
  invalid,
  isRecord,
  type Json,
  optionalArray,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalOneOf,
  optionalRecord,
  optionalString,
  optionalStringMap,
  requireNonEmptyString,
} from './validate.ts';

/**
 * An OpenAI Chat Completions request body -> IR. This is also the gateway's input validation for
 * `/v1/chat/completions`: anything malformed is a 400 naming the field.
 */

/** Every value the API reference lists; the IR knows four, the others map to the nearest below. */
const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
const VERBOSITIES = ['low', 'medium', 'high'] as const;

/** Fields with an IR meaning; every other top-level field is kept in `extra`. */
const MAPPED_FIELDS = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'stream',
  'stream_options',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'user',
  'metadata',
]);

export function decodeChatRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw invalid(undefined, 'The request body must be a JSON object');
  const model = requireNonEmptyString(body.model, 'model');
  rejectLegacyFunctions(body);
  const { system, messages } = decodeMessages(body.messages);
  checkPassThroughFields(body);
  const request: ChatRequest = {
    model,
    system,
    messages,
    stream: optionalBoolean(body.stream, 'stream') ?? false,
    includeUsage: false,
    extra: {},
    source: { dialect: 'openai-chat', body },
  };
  const streamOptions = optionalRecord(body.stream_options, 'stream_options');
  if (streamOptions) {
    request.includeUsage =
      optionalBoolean(streamOptions.include_usage, 'stream_options.include_usage') ?? false;
    optionalBoolean(streamOptions.include_obfuscation, 'stream_options.include_obfuscation');
  }
  const maxTokens = optionalInteger(body.max_tokens, 'max_tokens', 1);
  const maxCompletionTokens = optionalInteger(body.max_completion_tokens, 'max_completion_tokens', 1);
  setIfDefined(request, 'maxOutputTokens', maxCompletionTokens ?? maxTokens);
  setIfDefined(request, 'temperature', optionalNumber(body.temperature, 'temperature', 0, 2));
  setIfDefined(request, 'topP', optionalNumber(body.top_p, 'top_p', 0, 1));
  setIfDefined(
    request,
    'frequencyPenalty',
    optionalNumber(body.frequency_penalty, 'frequency_penalty', -2, 2),
  );
  setIfDefined(request, 'presencePenalty', optionalNumber(body.presence_penalty, 'presence_penalty', -2, 2));
  setIfDefined(request, 'seed', optionalInteger(body.seed, 'seed'));
  setIfDefined(request, 'stop', decodeStop(body.stop));
  setIfDefined(request, 'tools', decodeTools(body.tools));
  setIfDefined(request, 'toolChoice', decodeToolChoice(body.tool_choice));
  setIfDefined(
    request,
    'parallelToolCalls',
    optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls'),
  );
  setIfDefined(request, 'responseFormat', decodeResponseFormat(body.response_format));
  setIfDefined(request, 'user', optionalString(body.user, 'user'));
  setIfDefined(request, 'metadata', optionalStringMap(body.metadata, 'metadata'));
  const effort = irEffort(optionalOneOf(body.reasoning_effort, 'reasoning_effort', REASONING_EFFORTS));
  if (effort !== undefined) request.reasoning = { effort };
  for (const key of Object.keys(body)) {
    if (!MAPPED_FIELDS.has(key)) request.extra[key] = body[key];
  }
  return request;
}

function setIfDefined<K extends keyof ChatRequest>(
  request: ChatRequest,
  key: K,
  value: ChatRequest[K] | undefined,
): void {
  if (value !== undefined) request[key] = value;
}

/** `none` asks for no reasoning (the IR default); efforts above `high` are the IR's `high`. */
function irEffort(effort: (typeof REASONING_EFFORTS)[number] | undefined): ReasoningEffort | undefined {
  if (effort === undefined || effort === 'none') return undefined;
  if (effort === 'xhigh' || effort === 'max') return 'high';
  return effort;
}

/**
 * The deprecated `functions` / `function_call` parameters are refused rather than mapped: answering
 * them faithfully needs `function_call` in responses and streams, which only pre-2023 clients read.
 */
function rejectLegacyFunctions(body: Json): void {
  for (const field of ['functions', 'function_call'] as const) {
    if (body[field] !== undefined && body[field] !== null) {
      throw invalid(
        field,
        `${field} is the deprecated function-calling format; use tools and tool_choice instead`,
      );
    }
  }
}

/** Fields without an IR meaning still get their types checked, so a typo is a 400 here, not upstream. */
function checkPassThroughFields(body: Json): void {
  optionalInteger(body.n, 'n', 1, 128);
  optionalBoolean(body.logprobs, 'logprobs');
  optionalInteger(body.top_logprobs, 'top_logprobs', 0, 20);
  optionalBoolean(body.store, 'store');
  optionalString(body.service_tier, 'service_tier');
  optionalString(body.safety_identifier, 'safety_identifier');
  optionalString(body.prompt_cache_key, 'prompt_cache_key');
  optionalOneOf(body.verbosity, 'verbosity', VERBOSITIES);
  optionalArray(body.modalities, 'modalities');
  optionalRecord(body.audio, 'audio');
  optionalRecord(body.prediction, 'prediction');
  optionalRecord(body.web_search_options, 'web_search_options');
  const logitBias = optionalRecord(body.logit_bias, 'logit_bias');
  if (logitBias) {
    for (const [token, bias] of Object.entries(logitBias))
      optionalNumber(bias, `logit_bias.${token}`, -100, 100);
  }
}
