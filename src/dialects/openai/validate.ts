import { GatewayError } from '../../core/errors.ts';

/**
 * Validation helpers for inbound OpenAI bodies. Every failure is a 400 naming the field in `param`
 * and saying what was expected and what arrived, e.g. `temperature must be a number between 0 and 2
 * (got "hot")`. Optional fields accept `null` as "not set", because the official SDKs serialize
 * unset fields of earlier responses as null when clients echo them back.
 */

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalid(param: string | undefined, message: string): GatewayError {
  return new GatewayError('invalid_request', message, param === undefined ? {} : { param });
}

/** A short, safe description of a wrong value for an error message. */
export function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function fail(param: string, expected: string, value: unknown): GatewayError {
  return invalid(param, `${param} must be ${expected} (got ${got(value)})`);
}

export function requireRecord(value: unknown, param: string): Json {
  if (value === undefined) throw invalid(param, `${param} is required`);
  if (!isRecord(value)) throw fail(param, 'an object', value);
  return value;
}

export function optionalRecord(value: unknown, param: string): Json | undefined {
  return value === undefined || value === null ? undefined : requireRecord(value, param);
}

export function requireString(value: unknown, param: string): string {
  if (value === undefined) throw invalid(param, `${param} is required`);
  if (typeof value !== 'string') throw fail(param, 'a string', value);
  return value;
}

export function requireNonEmptyString(value: unknown, param: string): string {
  const text = requireString(value, param);
  if (text.length === 0) throw invalid(param, `${param} must not be empty`);
  return text;
}

export function optionalString(value: unknown, param: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, param);
}

export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw fail(param, 'a boolean', value);
  return value;
}

export function optionalNumber(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw fail(param, `a number between ${min} and ${max}`, value);
  }
  return value;
}

export function optionalInteger(
  value: unknown,
  param: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail(param, integerRange(min, max), value);
  }
  return value;
}

function integerRange(min: number, max: number): string {
  const lowOpen = min === Number.MIN_SAFE_INTEGER;
  const highOpen = max === Number.MAX_SAFE_INTEGER;
  if (lowOpen && highOpen) return 'an integer';
  if (min === 1 && highOpen) return 'a positive integer';
  if (highOpen) return `an integer of at least ${min}`;
  if (lowOpen) return `an integer of at most ${max}`;
  return `an integer between ${min} and ${max}`;
}

export function requireOneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    if (value === undefined) throw invalid(param, `${param} is required`);
    throw fail(param, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

export function optionalOneOf<T extends string>(
  value: unknown,
  param: string,
  allowed: readonly T[],
): T | undefined {
  return value === undefined || value === null ? undefined : requireOneOf(value, param, allowed);
}

export function optionalArray(value: unknown, param: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw fail(param, 'an array', value);
  return value;
}

/** An object whose values are all strings (OpenAI `metadata`). */
export function optionalStringMap(value: unknown, param: string): Record<string, string> | undefined {
  const record = optionalRecord(value, param);
  if (record === undefined) return undefined;
  for (const [key, entry] of Object.entries(record)) {
    if (typeof entry !== 'string') throw fail(`${param}.${key}`, 'a string', entry);
  }
  return record as Record<string, string>;
}
