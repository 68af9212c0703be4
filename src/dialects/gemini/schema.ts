/**
 * JSON Schema (what OpenAI and Anthropic clients send for tool parameters and response formats)
 * narrowed to the OpenAPI 3.0 subset Gemini's `Schema` object accepts
 * (https://ai.google.dev/api/caching#Schema). Gemini rejects a request with any keyword it does not
 * know, so the narrowing is strict:
 * - kept: type, format (only the ones Gemini lists: enum, date-time, int32, int64, float, double),
 *   title, description, nullable, enum (string values only), items, properties, required (only names
 *   that are properties), anyOf, minItems, maxItems, minProperties, maxProperties, minLength,
 *   maxLength, pattern, minimum, maximum, example, default, propertyOrdering;
 * - rewritten: `type: [T, "null"]` -> `type: T, nullable: true` (several types -> anyOf); `const` ->
 *   a one-value enum (strings only); `oneOf` -> anyOf; `anyOf` with a `null` branch -> nullable;
 *   `allOf` -> its members merged; local `$ref`s (`#/$defs/...`, `#/definitions/...`) -> inlined;
 * - dropped: $schema, $id, $defs, definitions, $comment, additionalProperties, patternProperties,
 *   unevaluatedProperties, propertyNames, dependencies, not, if/then/else, exclusiveMinimum,
 *   exclusiveMaximum, multipleOf, uniqueItems, contains, prefixItems, examples, readOnly,
 *   writeOnly, deprecated, other formats (email, uri, ...) and anything else unknown;
 * - a recursive `$ref` (or one nested deeper than MAX_REF_DEPTH) cannot be inlined and becomes a
 *   schema that only keeps its description; an object with no properties loses its empty
 *   `properties` (Gemini rejects `properties: {}`).
 */
import { isRecord, type Json } from '../upstream-common.ts';

const MAX_REF_DEPTH = 8;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(['enum', 'date-time']),
  integer: new Set(['int32', 'int64']),
  number: new Set(['float', 'double']),
};

const PASSTHROUGH = [
  'title',
  'description',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'example',
  'default',
  'propertyOrdering',
] as const;

/** `schema` narrowed to Gemini's subset. The input is never modified. */
export function toGeminiSchema(schema: Json): Json {
  return narrow(schema, { root: schema, expanding: [] });
}

interface Context {
  root: Json;
  /** The `$ref`s being inlined on the current path: a repeat means recursion. */
  expanding: string[];
}

function narrow(node: unknown, context: Context): Json {
  if (!isRecord(node)) return {};
  const resolved = resolveRef(node, context);
  if (resolved === undefined) return descriptionOnly(node);
  const { schema, context: inner } = resolved;
  const merged = mergeAllOf(schema, inner);
  const out: Json = {};

  applyType(merged, out, inner);
  for (const key of PASSTHROUGH) if (merged[key] !== undefined) out[key] = merged[key];
  if (merged.nullable === true) out.nullable = true;

  const values = merged.enum ?? (merged.const === undefined ? undefined : [merged.const]);
  if (Array.isArray(values) && values.length > 0 && values.every((value) => typeof value === 'string')) {
    out.enum = values;
    if (out.type === undefined && out.anyOf === undefined) out.type = 'string';
  }

  const type = typeof out.type === 'string' ? out.type : undefined;
  if (typeof merged.format === 'string' && type && FORMATS[type]?.has(merged.format))
    out.format = merged.format;

  if (merged.items !== undefined) {
    out.items = Array.isArray(merged.items)
      ? { anyOf: merged.items.map((item) => narrow(item, inner)) }
      : narrow(merged.items, inner);
  }

  if (isRecord(merged.properties)) {
    const properties: Json = {};
    for (const [name, property] of Object.entries(merged.properties))
      properties[name] = narrow(property, inner);
    if (Object.keys(properties).length > 0) {
      out.properties = properties;
      if (Array.isArray(merged.required)) {
        const required = merged.required.filter(
          (name): name is string => typeof name === 'string' && name in properties,
        );
        if (required.length > 0) out.required = required;
      }
    }
  }
  return out;
}

/** Resolves a local `$ref` (siblings of the `$ref` win over the target); undefined when it cannot be inlined. */
function resolveRef(node: Json, context: Context): { schema: Json; context: Context } | undefined {
  const ref = node.$ref;
  if (typeof ref !== 'string') return { schema: node, context };
  if (context.expanding.includes(ref) || context.expanding.length >= MAX_REF_DEPTH) return undefined;
  const target = lookup(context.root, ref);
  if (!target) return undefined;
  const { $ref: _ignored, ...siblings } = node;
  const inner = { root: context.root, expanding: [...context.expanding, ref] };
  // The target may itself be a $ref; resolve it in the deeper context.
  const next = resolveRef(target, inner);
  if (!next) return undefined;
  return { schema: { ...next.schema, ...siblings }, context: next.context };
}

function lookup(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

function descriptionOnly(node: Json): Json {
  return typeof node.description === 'string' ? { description: node.description } : {};
}

/** `allOf` members folded into one schema: properties and required lists unite, the first value of any other keyword wins. */
function mergeAllOf(node: Json, context: Context): Json {
  if (!Array.isArray(node.allOf)) return node;
  const { allOf, ...rest } = node;
  let merged: Json = { ...rest };
  for (const member of allOf) {
    if (!isRecord(member)) continue;
    const resolved = resolveRef(member, context);
    if (!resolved) continue;
    const part = mergeAllOf(resolved.schema, resolved.context);
    const properties = {
      ...(isRecord(part.properties) ? part.properties : {}),
      ...(isRecord(merged.properties) ? merged.properties : {}),
    };
    const required = [...new Set([...arrayOfStrings(merged.required), ...arrayOfStrings(part.required)])];
    merged = { ...part, ...merged };
    if (Object.keys(properties).length > 0) merged.properties = properties;
    if (required.length > 0) merged.required = required;
  }
  return merged;
}

function arrayOfStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Sets `type`/`nullable`/`anyOf` on `out` from `type`, `oneOf` and `anyOf`. */
function applyType(node: Json, out: Json, context: Context): void {
  const types = (Array.isArray(node.type) ? node.type : [node.type]).filter(
    (type): type is string => typeof type === 'string',
  );
  const nullable = types.includes('null');
  const concrete = types.filter((type) => TYPES.has(type));
  if (concrete.length === 1) out.type = concrete[0];
  else if (concrete.length > 1) out.anyOf = concrete.map((type) => ({ type }));
  if (nullable) out.nullable = true;

  const branches = Array.isArray(node.anyOf)
    ? node.anyOf
    : Array.isArray(node.oneOf)
      ? node.oneOf
      : undefined;
  if (!branches) return;
  const isNull = (branch: unknown) => isRecord(branch) && branch.type === 'null';
  const rest = branches.filter((branch) => !isNull(branch));
  if (rest.length < branches.length) out.nullable = true;
  if (rest.length === 1) {
    // `anyOf: [X, {type: null}]` is how JSON Schema says "nullable X".
    Object.assign(out, narrow(rest[0], context));
  } else if (rest.length > 1) {
    out.anyOf = rest.map((branch) => narrow(branch, context));
  }
}
