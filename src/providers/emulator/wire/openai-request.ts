/**
 * Reads OpenAI Chat Completions and Embeddings request bodies into the engine's neutral shapes,
 * refusing what the OpenAI API refuses with a 400 that names the field (`messages[2].content`).
 * Written from the OpenAI API reference, independently of the gateway's own OpenAI codecs.
 */
import type {
  EngineMessage,
  EngineRequest,
  EngineResponseFormat,
  EngineTool,
  EngineToolCallInput,
  EngineToolChoice,
} from '../engine.ts';
import { WireError } from './types.ts';

type Json = Record<string, unknown>;

export interface ChatCall {
  engine: EngineRequest;
  stream: boolean;
  includeUsage: boolean;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_STOP_SEQUENCES = 4;

export function parseChatRequest(body: unknown): ChatCall {
  const request = requireObject(body, null, 'The request body must be a JSON object.');
  const model = requireModel(request);
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw messages === undefined
      ? missing('messages')
      : invalid("'messages' must be a non-empty array.", 'messages');
  }
  const stream = optionalBoolean(request.stream, 'stream') ?? false;
  const streamOptions = request.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !stream) {
    throw invalid(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
    );
  }
  const includeUsage =
    streamOptions === undefined || streamOptions === null
      ? false
      : (optionalBoolean(
          requireObject(streamOptions, 'stream_options', "'stream_options' must be an object.").include_usage,
          'stream_options.include_usage',
        ) ?? false);
  const n = request.n;
  if (n !== undefined && n !== null && n !== 1) {
    throw invalid('The emulator produces one choice per request; n must be 1.', 'n');
  }
  const tools = parseTools(request.tools);
  const engine: EngineRequest = {
    model,
    messages: messages.map(parseMessage),
    tools,
    toolChoice: parseToolChoice(request.tool_choice, tools),
    parallelToolCalls: optionalBoolean(request.parallel_tool_calls, 'parallel_tool_calls') ?? true,
    responseFormat: parseResponseFormat(request.response_format),
    stop: parseStop(request.stop),
  };
  const maxTokens =
    optionalPositiveInteger(request.max_completion_tokens, 'max_completion_tokens') ??
    optionalPositiveInteger(request.max_tokens, 'max_tokens');
  if (maxTokens !== undefined) engine.maxTokens = maxTokens;
  // Mistral's name for the seed is `random_seed`; OpenAI-compatible servers accept either.
  const seedField = request.seed !== undefined && request.seed !== null ? 'seed' : 'random_seed';
  const seed = request[seedField];
  if (seed !== undefined && seed !== null) {
    if (typeof seed !== 'number' || !Number.isInteger(seed))
      throw invalid(`'${seedField}' must be an integer.`, seedField);
    engine.seed = seed;
  }
  return { engine, stream, includeUsage };
}

function parseMessage(value: unknown, index: number): EngineMessage {
  const at = `messages[${index}]`;
  const message = requireObject(value, at, `'${at}' must be an object.`);
  const role = message.role;
  switch (role) {
    case 'system':
    case 'developer':
      return { role: 'system', text: textOf(message.content, `${at}.content`, false).text };
    case 'user': {
      const { text, images } = textOf(message.content, `${at}.content`, false);
      return images > 0 ? { role: 'user', text, images } : { role: 'user', text };
    }
    case 'assistant': {
      const toolCalls = parseToolCalls(message.tool_calls, `${at}.tool_calls`);
      const content = message.content;
      const optional = toolCalls.length > 0 || content === null;
      const text = content === undefined && optional ? '' : textOf(content, `${at}.content`, optional).text;
      return toolCalls.length > 0 ? { role: 'assistant', text, toolCalls } : { role: 'assistant', text };
    }
    case 'tool': {
      const toolCallId = message.tool_call_id;
      if (typeof toolCallId !== 'string' || toolCallId.length === 0) {
        throw missing(`${at}.tool_call_id`);
      }
      return { role: 'tool', text: textOf(message.content, `${at}.content`, false).text, toolCallId };
    }
    case 'function':
      return { role: 'tool', text: textOf(message.content, `${at}.content`, true).text, toolCallId: '' };
    default:
      throw role === undefined
        ? missing(`${at}.role`)
        : invalid(
            `Invalid value for '${at}.role': expected one of 'system', 'developer', 'user', 'assistant', 'tool'.`,
            `${at}.role`,
          );
  }
}

/** The text of a string or content-part array; image parts are counted, other media ignored. */
function textOf(content: unknown, at: string, nullable: boolean): { text: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  if (content === null && nullable) return { text: '', images: 0 };
  if (!Array.isArray(content)) {
    throw content === undefined || content === null
      ? missing(at)
      : invalid(`Invalid type for '${at}': expected a string or an array of content parts.`, at);
  }
  const texts: string[] = [];
  let images = 0;
  content.forEach((part, index) => {
    const partAt = `${at}[${index}]`;
    const object = requireObject(part, partAt, `'${partAt}' must be an object.`);
    switch (object.type) {
      case 'text':
        if (typeof object.text !== 'string') throw missing(`${partAt}.text`);
        texts.push(object.text);
        break;
      case 'refusal':
        if (typeof object.refusal === 'string') texts.push(object.refusal);
        break;
      case 'image_url':
        images++;
        break;
      case 'input_audio':
      case 'file':
        break;
      default:
        throw invalid(`Invalid value for '${partAt}.type'.`, `${partAt}.type`);
    }
  });
  return { text: texts.join('\n'), images };
}

function parseToolCalls(value: unknown, at: string): EngineToolCallInput[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`'${at}' must be an array.`, at);
  return value.map((entry, index) => {
    const callAt = `${at}[${index}]`;
    const call = requireObject(entry, callAt, `'${callAt}' must be an object.`);
    const fn = requireObject(
      call.function,
      `${callAt}.function`,
      `Missing required parameter: '${callAt}.function'.`,
    );
    if (typeof call.id !== 'string') throw missing(`${callAt}.id`);
    if (typeof fn.name !== 'string') {
      throw missing(`${callAt}.function.name`);
    }
    if (typeof fn.arguments !== 'string') {
      throw missing(`${callAt}.function.arguments`);
    }
    return { id: call.id, name: fn.name, arguments: fn.arguments };
  });
}

function parseTools(value: unknown): EngineTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid("'tools' must be an array.", 'tools');
  return value.map((entry, index) => {
    const at = `tools[${index}]`;
    const tool = requireObject(entry, at, `'${at}' must be an object.`);
    if (tool.type !== 'function')
      throw invalid(`Invalid value for '${at}.type': expected 'function'.`, `${at}.type`);
    const fn = requireObject(
      tool.function,
      `${at}.function`,
      `Missing required parameter: '${at}.function'.`,
    );
    if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
      throw invalid(
        `Invalid '${at}.function.name': expected 1 to 64 letters, digits, underscores or dashes.`,
        `${at}.function.name`,
      );
    }
    const parameters =
      fn.parameters === undefined
        ? {}
        : requireObject(
            fn.parameters,
            `${at}.function.parameters`,
            `'${at}.function.parameters' must be an object.`,
          );
    return typeof fn.description === 'string'
      ? { name: fn.name, description: fn.description, parameters }
      : { name: fn.name, parameters };
  });
}

function parseToolChoice(value: unknown, tools: EngineTool[]): EngineToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (tools.length === 0) {
    throw invalid(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  }
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  // Mistral's original name for `required`.
  if (value === 'any') return 'required';
  if (typeof value === 'object' && !Array.isArray(value)) {
    const choice = value as Json;
    const fn = choice.function;
    const name = typeof fn === 'object' && fn !== null ? (fn as Json).name : undefined;
    if (choice.type === 'function' && typeof name === 'string') {
      if (!tools.some((tool) => tool.name === name)) {
        throw invalid(
          `Invalid value for 'tool_choice': no function named '${name}' was specified in 'tools'.`,
          'tool_choice',
        );
      }
      return { name };
    }
  }
  throw invalid(
    "Invalid value for 'tool_choice': expected 'none', 'auto', 'required', 'any' or a named function.",
    'tool_choice',
  );
}

function parseResponseFormat(value: unknown): EngineResponseFormat {
  if (value === undefined || value === null) return { type: 'text' };
  const format = requireObject(value, 'response_format', "'response_format' must be an object.");
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const spec = requireObject(
        format.json_schema,
        'response_format.json_schema',
        "Missing required parameter: 'response_format.json_schema'.",
      );
      if (typeof spec.name !== 'string' || spec.name.length === 0) {
        throw missing('response_format.json_schema.name');
      }
      const schema =
        spec.schema === undefined
          ? {}
          : requireObject(
              spec.schema,
              'response_format.json_schema.schema',
              "'response_format.json_schema.schema' must be an object.",
            );
      return { type: 'json_schema', schema };
    }
    default:
      throw invalid(
        "Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'.",
        'response_format.type',
      );
  }
}

function parseStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (
    Array.isArray(value) &&
    value.length <= MAX_STOP_SEQUENCES &&
    value.every((entry) => typeof entry === 'string')
  ) {
    return value as string[];
  }
  throw invalid(`'stop' must be a string or an array of at most ${MAX_STOP_SEQUENCES} strings.`, 'stop');
}

export interface EmbeddingCall {
  model: string;
  /** Texts, or pre-tokenized inputs as arrays of token ids. */
  inputs: Array<string | number[]>;
  dimensions: number | undefined;
  encoding: 'float' | 'base64';
}

/** Token-id arrays: OpenAI accepts input as token ids as well as text. */
const MAX_EMBEDDING_INPUTS = 2048;
const MAX_DIMENSIONS = 16_384;

export function parseEmbeddingRequest(body: unknown): EmbeddingCall {
  const request = requireObject(body, null, 'The request body must be a JSON object.');
  const model = requireModel(request);
  const inputs = parseEmbeddingInput(request.input);
  const encoding = request.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    throw invalid("Invalid value for 'encoding_format': expected 'float' or 'base64'.", 'encoding_format');
  }
  const dimensions = request.dimensions;
  if (
    dimensions !== undefined &&
    dimensions !== null &&
    (typeof dimensions !== 'number' ||
      !Number.isInteger(dimensions) ||
      dimensions < 1 ||
      dimensions > MAX_DIMENSIONS)
  ) {
    throw invalid(`'dimensions' must be an integer from 1 to ${MAX_DIMENSIONS}.`, 'dimensions');
  }
  return { model, inputs, dimensions: typeof dimensions === 'number' ? dimensions : undefined, encoding };
}

function parseEmbeddingInput(input: unknown): Array<string | number[]> {
  if (input === undefined || input === null) throw missing('input');
  const isTokens = (value: unknown): value is number[] =>
    Array.isArray(value) && value.length > 0 && value.every((entry) => Number.isInteger(entry) && entry >= 0);
  let inputs: Array<string | number[]>;
  if (typeof input === 'string') inputs = [input];
  else if (isTokens(input)) inputs = [input];
  else if (
    Array.isArray(input) &&
    input.length > 0 &&
    input.every((entry) => typeof entry === 'string' || isTokens(entry))
  ) {
    inputs = input as Array<string | number[]>;
  } else {
    throw invalid("'input' must be a string, an array of strings, or token ids.", 'input');
  }
  if (inputs.length > MAX_EMBEDDING_INPUTS) {
    throw invalid(`'input' may hold at most ${MAX_EMBEDDING_INPUTS} items.`, 'input');
  }
  const empty = inputs.findIndex((entry) => entry.length === 0);
  if (empty >= 0)
    throw invalid(
      `'input[${empty}]' must not be empty.`,
      typeof input === 'string' ? 'input' : `input[${empty}]`,
    );
  return inputs;
}

function requireModel(request: Json): string {
  const model = request.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw model === undefined ? missing('model') : invalid("'model' must be a non-empty string.", 'model');
  }
  return model;
}

function requireObject(value: unknown, param: string | null, message: string): Json {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  throw invalid(message, param);
}

function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`'${param}' must be a boolean.`, param);
  return value;
}

function optionalPositiveInteger(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(`'${param}' must be a positive integer.`, param);
  }
  return value;
}

function invalid(message: string, param: string | null): WireError {
  return new WireError(400, message, param, param === null ? null : 'invalid_value');
}

function missing(param: string): WireError {
  return new WireError(400, `Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}
