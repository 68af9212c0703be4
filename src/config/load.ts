import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { defaultRoutes, providersFromEnv } from './env-providers.ts';
import { InterpolationError, interpolate } from './interpolate.ts';
import { configSchema, type SwitchyardConfig } from './schema.ts';

/** A config problem, with every issue as `path: message` so an operator can fix them all at once. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`Invalid configuration in ${file}:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: SwitchyardConfig;
  /** The file it came from, or undefined when running on defaults. */
  file: string | undefined;
}

export const DEFAULT_CONFIG_FILES = ['switchyard.yaml', 'switchyard.yml'];

/** Finds the config file: an explicit path, SWITCHYARD_CONFIG, or switchyard.yaml in the working directory. */
export function findConfigFile(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): string | undefined {
  const chosen = explicit ?? env.SWITCHYARD_CONFIG;
  if (chosen) {
    const path = resolve(cwd, chosen);
    if (!existsSync(path)) throw new ConfigError(path, ['file not found']);
    return path;
  }
  return DEFAULT_CONFIG_FILES.map((file) => resolve(cwd, file)).find((path) => existsSync(path));
}

export function loadConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const file = findConfigFile(options.file, env, options.cwd);
  const raw = file ? readYaml(file) : {};
  return { config: parseConfig(raw, env, file ?? '(defaults)'), file };
}

function readYaml(file: string): unknown {
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => error.message.split('\n')[0] ?? error.message),
    );
  }
  return document.toJS() ?? {};
}

/** Validates a parsed config object: interpolation, env-enabled providers, defaults, cross references. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, source = '(inline)'): SwitchyardConfig {
  let interpolated: unknown;
  try {
    interpolated = interpolate(raw, env);
  } catch (error) {
    if (error instanceof InterpolationError) throw new ConfigError(source, [error.message]);
    throw error;
  }
  if (interpolated === null || typeof interpolated !== 'object' || Array.isArray(interpolated)) {
    throw new ConfigError(source, [`(root): expected a mapping of settings, got ${describe(interpolated)}`]);
  }
  const withDefaults = applyImplicitProviders(interpolated as Record<string, unknown>, env);
  const result = configSchema.safeParse(withDefaults);
  if (!result.success) throw new ConfigError(source, formatIssues(result.error, withDefaults));
  const config = result.data;
  if (config.routes.length === 0) {
    const routes = configSchema.shape.routes.parse(defaultRoutes(config.providers));
    config.routes = routes;
  }
  return config;
}

/** Adds the emulator and env-enabled providers unless the file declares its own provider list. */
function applyImplicitProviders(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  if (raw.providers !== undefined) return raw;
  return { ...raw, providers: [{ name: 'emulator', type: 'emulator' }, ...providersFromEnv(env)] };
}

function formatIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('')
      .replace(/^\./, '');
    const got = valueAt(input, issue.path);
    const suffix = got === undefined || issue.code === 'custom' ? '' : ` (got ${describe(got)})`;
    return `${path || '(root)'}: ${issue.message}${suffix}`;
  });
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
