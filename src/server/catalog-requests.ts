/**
 * What the catalog API accepts: query strings and bodies checked with zod, so a bad value is a 400
 * naming the field as the client spelled it (`max_input_price`, `models[2]`).
 */
import { z } from 'zod';
import type { CatalogFilter } from '../catalog/queries.ts';
import { CATALOG_MODES, type CapabilityName, GEMINI_PLATFORMS } from '../catalog/types.ts';
import { CAPABILITY_WIRE_NAMES, parseCapability } from '../catalog/wire.ts';
import { GatewayError } from '../core/errors.ts';

/** Parses or throws a GatewayError whose `param` names the first field at fault. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: 'query' | 'body'): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? paramOf(issue) : undefined;
  throw new GatewayError('invalid_request', `${param ?? where}: ${issue?.message ?? 'invalid'}`, {
    ...(param ? { param } : {}),
    retryable: false,
  });
}

function paramOf(issue: z.core.$ZodIssue): string | undefined {
  const path: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? undefined : text;
}

/** Query values arrive as text; a repeated parameter arrives as a list. */
const integerText = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

const priceText = z
  .string()
  .regex(/^\d+(\.\d{1,12})?$/, 'expected USD per million tokens as a decimal, such as 2.50');

/** `a,b` or `x=a&x=b` (or both) as one list. */
const listText = z.union([z.string(), z.array(z.string())]).transform((value) =>
  (Array.isArray(value) ? value : [value])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);

const capabilityList = listText.transform((names, ctx) => {
  const parsed: CapabilityName[] = [];
  for (const name of names) {
    const capability = parseCapability(name);
    if (!capability) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown capability "${name}"; known: ${CAPABILITY_WIRE_NAMES.join(', ')}`,
      });
      return z.NEVER;
    }
    parsed.push(capability);
  }
  return parsed;
});

/** Empty search text means no search. */
const searchText = z
  .string()
  .max(200)
  .transform((text) => text.trim())
  .optional();

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

const listQuery = z.strictObject({
  provider: z.string().min(1).optional(),
  platform: z.enum(GEMINI_PLATFORMS).optional(),
  mode: z.enum(CATALOG_MODES).optional(),
  capability: capabilityList.optional(),
  max_input_price: priceText.optional(),
  max_output_price: priceText.optional(),
  min_context: integerText(0, Number.MAX_SAFE_INTEGER).optional(),
  exclude_retired: booleanText.optional(),
  q: searchText,
  limit: integerText(1, MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  offset: integerText(0, Number.MAX_SAFE_INTEGER).default(0),
});

export interface ListQuery {
  filter: CatalogFilter;
  search: string | undefined;
  limit: number;
  offset: number;
}

export function parseListQuery(query: unknown, now: number): ListQuery {
  const parsed = parseInput(listQuery, query, 'query');
  const filter: CatalogFilter = { now };
  if (parsed.provider !== undefined) filter.provider = parsed.provider;
  if (parsed.platform !== undefined) filter.platform = parsed.platform;
  if (parsed.mode !== undefined) filter.mode = parsed.mode;
  if (parsed.capability !== undefined) filter.capabilities = parsed.capability;
  if (parsed.max_input_price !== undefined) filter.maxInputPerMillion = parsed.max_input_price;
  if (parsed.max_output_price !== undefined) filter.maxOutputPerMillion = parsed.max_output_price;
  if (parsed.min_context !== undefined) filter.minContextWindow = parsed.min_context;
  if (parsed.exclude_retired) filter.excludeRetired = true;
  return { filter, search: parsed.q || undefined, limit: parsed.limit, offset: parsed.offset };
}

export const MAX_ALTERNATIVES = 50;

export const alternativesQuery = z.strictObject({
  limit: integerText(1, MAX_ALTERNATIVES).default(5),
  /** Only suggest models at these catalog providers. */
  provider: listText.optional(),
  include_free: booleanText.default(false),
});

/** Enough for any side-by-side view; a bound keeps one request cheap. */
const MAX_MODELS = 50;
const modelList = z.array(z.string().min(1).max(300)).min(1).max(MAX_MODELS);

export const compareBody = z.strictObject({ models: modelList });

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const estimateBody = z
  .strictObject({
    requests_per_day: count,
    /** Per request, cached input included. */
    input_tokens: count,
    output_tokens: count,
    /** Of the input tokens, how many are read from a prompt cache. */
    cached_input_tokens: count.default(0),
    days: z.number().int().min(1).max(3660).default(30),
    models: modelList,
  })
  .superRefine((body, ctx) => {
    if (body.cached_input_tokens > body.input_tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['cached_input_tokens'],
        message: 'cannot exceed input_tokens',
      });
    }
    // Costs are computed exactly in integers; beyond this the token counts would lose precision.
    const tokens = body.requests_per_day * body.days * Math.max(body.input_tokens, body.output_tokens, 1);
    if (!Number.isSafeInteger(tokens)) {
      ctx.addIssue({
        code: 'custom',
        path: ['requests_per_day'],
        message: 'the workload is too large to estimate exactly',
      });
    }
  });

export type EstimateBody = z.infer<typeof estimateBody>;

export const syncBody = z.strictObject({
  /** A file path on the gateway's host or an http(s) URL; absent: reload the stored current snapshot. */
  from: z.string().min(1).max(4096).optional(),
});
