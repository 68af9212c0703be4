import { GatewayError } from '../../core/errors.ts';

/**
 * Validation helpers for inbound Anthropic bodies. Messages follow the Messages API's own wording
 * ("<field>: Field required", "<field>: Input should be ...") so SDK users recognise them, and
 * every error names the field in `param`.
 */

export function invalid(param: string | undefined, detail: string): GatewayError {
  return new GatewayError(
    'invalid_request',
    param === undefined ? detail : `${param}: ${detail}`,
    param === undefined ? {} : { param },
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireRecord(value: unknown, param: string): Record<string, unknown> {
  if (value === undefined) throw invalid(param, 'Field required');
  if (!isRecord(value)) throw invalid(param, 'Input should be a valid dictionary');
  return value;
}

export function requireArray(value: unknown, param: string): unknown[] {
  if (value === undefined) throw invalid(param, 'Field required');
  if (!Array.isArray(value)) throw invalid(param, 'Input should be a valid list');
  return value;
}

export function requireString(value: unknown, param: string): string {
  if (value === undefined) throw invalid(param, 'Field required');
  if (typeof value !== 'string') throw invalid(param, 'Input should be a valid string');
  return value;
}

export function optionalString(value: unknown, param: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, param);
}

export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(param, 'Input should be a valid boolean');
  return value;
}

export function requireInteger(value: unknown, param: string, min: number): number {
  if (value === undefined) throw invalid(param, 'Field required');
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(param, 'Input should be a valid integer');
  }
  if (value < min) throw invalid(param, `Input should be greater than or equal to ${min}`);
  return value;
}

export function optionalInteger(value: unknown, param: string, min: number): number | undefined {
  return value === undefined || value === null ? undefined : requireInteger(value, param, min);
}

export function optionalNumberInRange(
  value: unknown,
  param: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(param, 'Input should be a valid number');
  }
  if (value < min) throw invalid(param, `Input should be greater than or equal to ${min}`);
  if (value > max) throw invalid(param, `Input should be less than or equal to ${max}`);
  return value;
}

/** "Input should be 'a', 'b' or 'c'", the phrasing of an enum mismatch. */
export function expectedOneOf(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  const last = quoted.pop();
  return `Input should be ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}`;
}
