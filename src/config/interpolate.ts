/**
 * `${VAR}` and `${VAR:-default}` interpolation over parsed YAML values (never over the raw text, so a
 * variable's value cannot inject YAML structure). An unset `${VAR}` without a default is an error that
 * names the path, so a missing secret fails the start instead of sending an empty key upstream.
 */
export class InterpolationError extends Error {
  constructor(
    readonly path: string,
    readonly variable: string,
  ) {
    super(
      `${path}: environment variable ${variable} is not set (write \${${variable}:-} to make it optional)`,
    );
    this.name = 'InterpolationError';
  }
}

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$/g;

export function interpolateString(value: string, env: NodeJS.ProcessEnv, path: string): string {
  return value.replace(PATTERN, (match, variable: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const name = variable as string;
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    if (found === '') return '';
    throw new InterpolationError(path, name);
  });
}

export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path || '(root)');
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolate(item, env, path ? `${path}.${key}` : key);
    return out;
  }
  return value;
}
