import type { ResponseFormat, ToolChoice, ToolDefinition } from '../../core/ir.ts';
import {
  got,
  invalid,
  optionalArray,
  optionalBoolean,
  optionalRecord,
  optionalString,
  requireNonEmptyString,
  requireOneOf,
  requireRecord,
} from './validate.ts';

/** Decoders for the structured request options: tools, tool_choice, response_format and stop. */

const TOOL_CHOICE_MODES = ['auto', 'none', 'required'] as const;
const RESPONSE_FORMATS = ['text', 'json_object', 'json_schema'] as const;
const MAX_STOP_SEQUENCES = 4;

/** Omitting `parameters` defines a function without arguments (per the API reference). */
function noParameters(): Record<string, unknown> {
  return { type: 'object', properties: {} };
}

export function decodeTools(value: unknown): ToolDefinition[] | undefined {
  const tools = optionalArray(value, 'tools');
  if (tools === undefined) return undefined;
  return tools.map((item, i) => {
    const param = `tools[${i}]`;
    const tool = requireRecord(item, param);
    if (tool.type !== 'function') {
      throw invalid(`${param}.type`, `${param}.type must be function (got ${got(tool.type)})`);
    }
    const fn = requireRecord(tool.function, `${param}.function`);
    const definition: ToolDefinition = {
      name: requireNonEmptyString(fn.name, `${param}.function.name`),
      parameters: optionalRecord(fn.parameters, `${param}.function.parameters`) ?? noParameters(),
    };
    const description = optionalString(fn.description, `${param}.function.description`);
    if (description !== undefined) definition.description = description;
    const strict = optionalBoolean(fn.strict, `${param}.function.strict`);
    if (strict !== undefined) definition.strict = strict;
    return definition;
  });
}

export function decodeToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { type: requireOneOf(value, 'tool_choice', TOOL_CHOICE_MODES) };
  const choice = requireRecord(value, 'tool_choice');
  if (choice.type !== 'function') {
    throw invalid(
      'tool_choice.type',
      `tool_choice must be one of auto, none, required or {"type":"function","function":{"name":...}} (got type ${got(choice.type)})`,
    );
  }
  const fn = requireRecord(choice.function, 'tool_choice.function');
  return { type: 'tool', name: requireNonEmptyString(fn.name, 'tool_choice.function.name') };
}

export function decodeResponseFormat(value: unknown): ResponseFormat | undefined {
  const format = optionalRecord(value, 'response_format');
  if (format === undefined) return undefined;
  const type = requireOneOf(format.type, 'response_format.type', RESPONSE_FORMATS);
  if (type !== 'json_schema') return { type };
  const spec = requireRecord(format.json_schema, 'response_format.json_schema');
  const decoded: ResponseFormat = {
    type: 'json_schema',
    name: requireNonEmptyString(spec.name, 'response_format.json_schema.name'),
    // The API reference makes `schema` optional; an absent schema constrains nothing.
    schema: optionalRecord(spec.schema, 'response_format.json_schema.schema') ?? {},
  };
  const strict = optionalBoolean(spec.strict, 'response_format.json_schema.strict');
  if (strict !== undefined) decoded.strict = strict;
  const description = optionalString(spec.description, 'response_format.json_schema.description');
  if (description !== undefined) decoded.description = description;
  return decoded;
}

export function decodeStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value))
    throw invalid('stop', `stop must be a string or an array of strings (got ${got(value)})`);
  if (value.length > MAX_STOP_SEQUENCES) {
    throw invalid('stop', `stop may hold at most ${MAX_STOP_SEQUENCES} sequences (got ${value.length})`);
  }
  value.forEach((entry, i) => {
    if (typeof entry !== 'string')
      throw invalid(`stop[${i}]`, `stop[${i}] must be a string (got ${got(entry)})`);
  });
  return value as string[];
}
