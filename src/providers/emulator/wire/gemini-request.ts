/**
 * Reads Gemini generateContent request bodies into the engine's neutral shape, refusing what the
 * Gemini API refuses with its 400 INVALID_ARGUMENT wording. Written from
 * https://ai.google.dev/api/generate-content (GenerateContentRequest, GenerationConfig,
 * ThinkingConfig), https://ai.google.dev/api/caching#Content (Content, Part, FunctionCall,
 * FunctionResponse, Tool, ToolConfig, FunctionCallingConfig, Schema) and
 * https://ai.google.dev/gemini-api/docs/function-calling (a function-call turn is answered by one
 * function response per call, in the very next turn).
 *
 * A `parameters` / `responseSchema` Schema is the OpenAPI subset Gemini documents: any other
 * keyword (`additionalProperties`, `$ref`, `oneOf`, ...) is refused as Gemini's proto parser does
 * ("Unknown name ... Cannot find field"). `parametersJsonSchema` / `responseJsonSchema` take full
 * JSON Schema.
 */
import type {
  EngineMessage,
  EngineRequest,
  EngineResponseFormat,
  EngineTool,
  EngineToolChoice,
} from '../engine.ts';
import { isObject, type Json } from './common.ts';
import { WireError } from './types.ts';

export interface GenerateCall {
  engine: EngineRequest;
  /** `thinkingConfig.includeThoughts`: reasoning is returned as thought parts, not only counted. */
  includeThoughts: boolean;
}

const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;
const MAX_STOP_SEQUENCES = 5;
const SCHEMA_FIELDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

export function parseGenerateRequest(body: unknown, model: string): GenerateCall {
  if (!isObject(body)) throw invalid('Invalid JSON payload received. Expected an object.');
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    throw invalid('* GenerateContentRequest.contents: contents is not specified');
  }
  const messages: EngineMessage[] = [...parseSystem(body.systemInstruction ?? body.system_instruction)];
  contents.forEach((content, index) => {
    messages.push(...parseContent(content, index, contents));
  });
  const tools = parseTools(body.tools);
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  const candidates = config.candidateCount;
  if (candidates !== undefined && candidates !== 1) {
    throw invalid(
      '* GenerateContentRequest.generation_config.candidate_count: the emulator produces one candidate',
    );
  }
  const engine: EngineRequest = {
    model,
    messages,
    tools,
    toolChoice: parseToolConfig(body.toolConfig, tools),
    parallelToolCalls: true,
    responseFormat: parseResponseFormat(config),
    stop: parseStopSequences(config.stopSequences),
  };
  const maxTokens = config.maxOutputTokens;
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw invalid(
        '* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer',
      );
    }
    engine.maxTokens = maxTokens;
  }
  if (typeof config.seed === 'number' && Number.isInteger(config.seed)) engine.seed = config.seed;
  const thinking = isObject(config.thinkingConfig) ? config.thinkingConfig : {};
  const includeThoughts = thinking.includeThoughts === true;
  if (includeThoughts) engine.reasoning = true;
  return { engine, includeThoughts };
}

function parseSystem(value: unknown): EngineMessage[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value) || !Array.isArray(value.parts)) {
    throw invalid('* GenerateContentRequest.system_instruction: parts is not specified');
  }
  const text = value.parts
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .join('\n');
  return text.length > 0 ? [{ role: 'system', text }] : [];
}

function parseContent(value: unknown, index: number, all: readonly unknown[]): EngineMessage[] {
  const at = `contents[${index}]`;
  if (!isObject(value)) throw invalid(`* GenerateContentRequest.${at}: must be an object`);
  const role = value.role ?? 'user';
  if (role !== 'user' && role !== 'model' && role !== 'function') {
    throw invalid(`Please use a valid role: user, model.`);
  }
  const parts = value.parts;
  if (!Array.isArray(parts) || parts.length === 0) {
    throw invalid(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.`);
  }
  const objects = parts.map((part, partIndex) => {
    if (!isObject(part))
      throw invalid(`* GenerateContentRequest.${at}.parts[${partIndex}]: must be an object`);
    return part;
  });
  if (role === 'model') return [parseModelTurn(objects, index, all)];
  return parseUserTurn(objects, at);
}

function parseModelTurn(parts: Json[], index: number, all: readonly unknown[]): EngineMessage {
  const texts: string[] = [];
  const calls: Json[] = [];
  for (const part of parts) {
    if (isObject(part.functionCall)) calls.push(part.functionCall);
    else if (typeof part.text === 'string' && part.thought !== true) texts.push(part.text);
  }
  const message: EngineMessage = { role: 'assistant', text: texts.join('') };
  if (calls.length === 0) return message;
  const next = all[index + 1];
  if (next !== undefined) {
    const responses =
      isObject(next) && Array.isArray(next.parts)
        ? next.parts.filter((part) => isObject(part) && isObject(part.functionResponse)).length
        : 0;
    if (responses === 0) {
      throw invalid(
        'Please ensure that function response turn comes immediately after a function call turn.',
      );
    }
    if (responses !== calls.length) {
      throw invalid(
        'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
      );
    }
  }
  message.toolCalls = calls.map((call, callIndex) => {
    if (typeof call.name !== 'string')
      throw invalid(
        `* GenerateContentRequest.contents[${index}].parts[${callIndex}].function_call.name: name is not specified`,
      );
    return {
      id: typeof call.id === 'string' ? call.id : call.name,
      name: call.name,
      arguments: JSON.stringify(isObject(call.args) ? call.args : {}),
    };
  });
  return message;
}

/** Function responses become tool messages (first, in order); the rest of the turn a user message. */
function parseUserTurn(parts: Json[], at: string): EngineMessage[] {
  const results: EngineMessage[] = [];
  const texts: string[] = [];
  let images = 0;
  parts.forEach((part, index) => {
    if (typeof part.text === 'string') texts.push(part.text);
    else if (isObject(part.inlineData) || isObject(part.fileData)) {
      const data = (part.inlineData ?? part.fileData) as Json;
      if (typeof data.mimeType !== 'string') {
        throw invalid(`* GenerateContentRequest.${at}.parts[${index}].data: mime_type is not specified`);
      }
      if (data.mimeType.startsWith('image/')) images++;
    } else if (isObject(part.functionResponse)) {
      const response = part.functionResponse;
      if (typeof response.name !== 'string') {
        throw invalid(
          `* GenerateContentRequest.${at}.parts[${index}].function_response.name: name is not specified`,
        );
      }
      results.push({
        role: 'tool',
        text: responseText(response.response),
        toolCallId: typeof response.id === 'string' ? response.id : response.name,
      });
    }
  });
  if (texts.length === 0 && images === 0) return results;
  const user: EngineMessage = { role: 'user', text: texts.join('') };
  if (images > 0) user.images = images;
  return [...results, user];
}

/** A response object holding one text field is quoted as that text; anything else as JSON. */
function responseText(response: unknown): string {
  if (isObject(response)) {
    const values = Object.values(response);
    if (values.length === 1 && typeof values[0] === 'string') return values[0];
  }
  return JSON.stringify(response ?? {});
}

function parseTools(value: unknown): EngineTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('* GenerateContentRequest.tools: must be a list');
  const tools: EngineTool[] = [];
  value.forEach((tool, toolIndex) => {
    if (!isObject(tool)) return;
    const declarations = tool.functionDeclarations ?? tool.function_declarations;
    if (!Array.isArray(declarations)) return; // googleSearch, codeExecution, ...: not emulated.
    declarations.forEach((entry, index) => {
      const at = `tools[${toolIndex}].function_declarations[${index}]`;
      if (!isObject(entry)) throw invalid(`* GenerateContentRequest.${at}: must be an object`);
      if (typeof entry.name !== 'string' || !FUNCTION_NAME.test(entry.name)) {
        throw invalid(
          `* GenerateContentRequest.${at}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:) or dashes (-), with a maximum length of 64.`,
        );
      }
      let parameters: Json = {};
      if (entry.parametersJsonSchema !== undefined) {
        if (!isObject(entry.parametersJsonSchema))
          throw invalid(`* GenerateContentRequest.${at}.parameters_json_schema: must be an object`);
        parameters = entry.parametersJsonSchema;
      } else if (entry.parameters !== undefined) {
        parameters = openApiSchema(entry.parameters, `${at}.parameters`);
      }
      tools.push(
        typeof entry.description === 'string'
          ? { name: entry.name, description: entry.description, parameters }
          : { name: entry.name, parameters },
      );
    });
  });
  return tools;
}

/** Checks a Gemini Schema and returns it as lowercase-typed JSON Schema for the value generator. */
function openApiSchema(value: unknown, at: string): Json {
  if (!isObject(value)) throw invalid(`Invalid JSON payload received. '${at}' must be an object.`);
  const out: Json = {};
  for (const [key, field] of Object.entries(value)) {
    if (!SCHEMA_FIELDS.has(key)) {
      throw invalid(`Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`);
    }
    if (key === 'type' && typeof field === 'string') out.type = field.toLowerCase();
    else if (key === 'properties' && isObject(field)) {
      out.properties = Object.fromEntries(
        Object.entries(field).map(([name, schema]) => [
          name,
          openApiSchema(schema, `${at}.properties[${name}].value`),
        ]),
      );
    } else if (key === 'items') out.items = openApiSchema(field, `${at}.items`);
    else if (key === 'anyOf' && Array.isArray(field)) {
      out.anyOf = field.map((schema, index) => openApiSchema(schema, `${at}.any_of[${index}]`));
    } else out[key] = field;
  }
  return out;
}

function parseToolConfig(value: unknown, tools: EngineTool[]): EngineToolChoice {
  const config = isObject(value) && isObject(value.functionCallingConfig) ? value.functionCallingConfig : {};
  const mode = config.mode ?? 'AUTO';
  const allowed = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
  switch (mode) {
    case 'AUTO':
    case 'VALIDATED':
      return 'auto';
    case 'NONE':
      return 'none';
    case 'ANY': {
      const name = allowed[0];
      if (typeof name === 'string' && !tools.some((tool) => tool.name === name)) {
        throw invalid(
          `* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: function ${name} is not declared`,
        );
      }
      return typeof name === 'string' ? { name } : 'required';
    }
    default:
      throw invalid(
        `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${String(mode)}"`,
      );
  }
}

function parseResponseFormat(config: Json): EngineResponseFormat {
  const mime = config.responseMimeType;
  if (mime === undefined || mime === 'text/plain') return { type: 'text' };
  if (mime !== 'application/json' && mime !== 'text/x.enum') {
    throw invalid(
      `* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\`, \`application/xml\`, \`application/yaml\` and \`text/x.enum\`.`,
    );
  }
  if (isObject(config.responseJsonSchema)) return { type: 'json_schema', schema: config.responseJsonSchema };
  if (config.responseSchema !== undefined) {
    return {
      type: 'json_schema',
      schema: openApiSchema(config.responseSchema, 'generation_config.response_schema'),
    };
  }
  return { type: 'json_object' };
}

function parseStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (
    !Array.isArray(value) ||
    !value.every((entry) => typeof entry === 'string') ||
    value.length > MAX_STOP_SEQUENCES
  ) {
    throw invalid(
      `* GenerateContentRequest.generation_config.stop_sequences: at most ${MAX_STOP_SEQUENCES} strings`,
    );
  }
  return value as string[];
}

function invalid(message: string): WireError {
  return new WireError(400, message, null, 'INVALID_ARGUMENT');
}
