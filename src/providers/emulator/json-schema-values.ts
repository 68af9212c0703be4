/**
 * Builds a JSON value that satisfies a JSON Schema, deterministically: the same schema always gives
 * the same value, so tests can assert tool arguments exactly. It covers what tool and response
 * schemas use in practice (types, enum/const, formats, bounds, arrays, tuples, nested objects, local
 * $ref, anyOf/oneOf/allOf); `pattern`, `not` and conditional keywords are not solved.
 */
type Schema = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Past this depth only required properties are filled, and recursion through $ref stops. */
const OPTIONAL_PROPERTY_DEPTH = 4;
const MAX_DEPTH = 12;

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '12:00:00',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uuid: '00000000-0000-4000-8000-000000000000',
  duration: 'PT1H',
};

export function valueForSchema(schema: unknown): Json {
  const root = isSchema(schema) ? schema : {};
  return generate(root, { root, depth: 0, key: undefined, variant: 0 });
}

interface Context {
  root: Schema;
  depth: number;
  /** The property name the value is for, used to make strings readable. */
  key: string | undefined;
  /** Which element of an array this is, so uniqueItems arrays get distinct values. */
  variant: number;
}

function generate(schema: Schema, context: Context): Json {
  if (context.depth > MAX_DEPTH) return null;
  if ('const' in schema) return schema.const as Json;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[context.variant % schema.enum.length] as Json;
  }
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(context.root, schema.$ref);
    return generate(target ?? {}, { ...context, depth: context.depth + 1 });
  }
  const choice = firstSchema(schema.anyOf) ?? firstSchema(schema.oneOf);
  if (choice) return generate({ ...withoutKeys(schema, ['anyOf', 'oneOf']), ...choice }, context);
  if (Array.isArray(schema.allOf)) return generate(mergeAllOf(schema), context);
  switch (typeOf(schema)) {
    case 'object':
      return objectValue(schema, context);
    case 'array':
      return arrayValue(schema, context);
    case 'integer':
      return numberValue(schema, context, true);
    case 'number':
      return numberValue(schema, context, false);
    case 'boolean':
      return context.variant % 2 === 0;
    case 'null':
      return null;
    default:
      return stringValue(schema, context);
  }
}

function typeOf(schema: Schema): string {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const concrete = type.find((entry) => entry !== 'null');
    return typeof concrete === 'string' ? concrete : 'null';
  }
  if (isSchema(schema.properties) || schema.additionalProperties !== undefined) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  return 'string';
}

function objectValue(schema: Schema, context: Context): Json {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter(isString) : []);
  const includeOptional = context.depth < OPTIONAL_PROPERTY_DEPTH;
  const value: { [key: string]: Json } = {};
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!required.has(key) && !includeOptional) continue;
    value[key] = generate(isSchema(propertySchema) ? propertySchema : {}, {
      root: context.root,
      depth: context.depth + 1,
      key,
      variant: 0,
    });
  }
  // A required name without a property schema still has to be present.
  for (const key of required) {
    if (!(key in value)) value[key] = stringValue({}, { ...context, key });
  }
  return value;
}

function arrayValue(schema: Schema, context: Context): Json {
  const child = (itemSchema: unknown, variant: number): Json =>
    generate(isSchema(itemSchema) ? itemSchema : {}, {
      root: context.root,
      depth: context.depth + 1,
      key: context.key,
      variant,
    });
  const minItems = nonNegativeInteger(schema.minItems) ?? 0;
  const maxItems = nonNegativeInteger(schema.maxItems);
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  let count = Math.max(minItems, prefix.length, 1);
  if (maxItems !== undefined) count = Math.min(count, maxItems);
  const items: Json[] = [];
  // Tuple positions have their own schemas; repeated items vary so uniqueItems holds.
  for (let i = 0; i < count; i++)
    items.push(i < prefix.length ? child(prefix[i], 0) : child(schema.items, i));
  return items;
}

function numberValue(schema: Schema, context: Context, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let low = finite(schema.minimum);
  // Draft 4 wrote exclusive bounds as booleans beside minimum/maximum.
  if (schema.exclusiveMinimum === true && low !== undefined) low += step;
  const exclusiveLow = finite(schema.exclusiveMinimum);
  if (exclusiveLow !== undefined) low = Math.max(low ?? -Infinity, exclusiveLow + (integer ? 1 : step));
  let high = finite(schema.maximum);
  if (schema.exclusiveMaximum === true && high !== undefined) high -= step;
  const exclusiveHigh = finite(schema.exclusiveMaximum);
  if (exclusiveHigh !== undefined) high = Math.min(high ?? Infinity, exclusiveHigh - (integer ? 1 : step));
  let value = (low ?? (high !== undefined && high < 1 ? high : integer ? 1 : 1.5)) + context.variant * step;
  if (integer) value = Math.ceil(value);
  const multipleOf = finite(schema.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0) {
    let multiple = Math.ceil(value / multipleOf);
    if (high !== undefined && multiple * multipleOf > high) multiple = Math.floor(high / multipleOf);
    // Rounded so 0.1-style steps do not print as 1.5000000000000002.
    return Number((multiple * multipleOf).toPrecision(12));
  }
  if (high !== undefined && value > high) value = integer ? Math.floor(high) : high;
  return value;
}

function stringValue(schema: Schema, context: Context): string {
  const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  if (format) return format;
  let value = context.key ? `example ${context.key}` : 'example';
  if (context.variant > 0) value += ` ${context.variant + 1}`;
  const minLength = nonNegativeInteger(schema.minLength) ?? 0;
  const maxLength = nonNegativeInteger(schema.maxLength);
  if (value.length < minLength) value = value.padEnd(minLength, 'x');
  if (maxLength !== undefined && value.length > maxLength) value = value.slice(0, maxLength);
  return value;
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node)) return undefined;
    node = node[key];
  }
  return isSchema(node) ? node : undefined;
}

/** allOf members' properties and required lists merged into one object schema. */
function mergeAllOf(schema: Schema): Schema {
  const merged: Schema = withoutKeys(schema, ['allOf']);
  const properties: Schema = isSchema(schema.properties) ? { ...schema.properties } : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter(isString) : []);
  for (const member of schema.allOf as unknown[]) {
    if (!isSchema(member)) continue;
    Object.assign(merged, withoutKeys(member, ['properties', 'required']));
    if (isSchema(member.properties)) Object.assign(properties, member.properties);
    if (Array.isArray(member.required)) for (const key of member.required.filter(isString)) required.add(key);
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

function firstSchema(value: unknown): Schema | undefined {
  if (!Array.isArray(value)) return undefined;
  // Prefer a non-null branch: `anyOf: [{type: null}, {...}]` is how optional fields are often written.
  const concrete = value.find((entry) => isSchema(entry) && entry.type !== 'null');
  return isSchema(concrete) ? concrete : isSchema(value[0]) ? value[0] : undefined;
}

function withoutKeys(schema: Schema, keys: string[]): Schema {
  const copy: Schema = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
