import { z } from 'zod';
import { googleCredentialProblem } from './vertex-credentials.ts';

/** Sizes accept bytes or a string with a unit: "20mb", "512kb", "1gb". */
const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(b|kb|kib|mb|mib|gb|gib)?$/i, 'a size such as 20mb, 512kb or a number of bytes')
    .transform(parseByteSize),
]);

function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const value = Number(match?.[1] ?? 0);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const factor =
    unit === 'kb' || unit === 'kib'
      ? 1024
      : unit === 'mb' || unit === 'mib'
        ? 1024 ** 2
        : unit === 'gb' || unit === 'gib'
          ? 1024 ** 3
          : 1;
  return Math.round(value * factor);
}

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/,
    'letters, digits and . _ : / @ - (starting with a letter or digit)',
  );

export const PROVIDER_TYPES = [
  'emulator',
  'openai',
  'openai-compatible',
  'azure-openai',
  'anthropic',
  'gemini',
  'mistral',
  'cohere',
  'bedrock',
] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Per-token price overrides for negotiated rates: decimal strings in USD per million tokens. */
const decimal = z.union([
  z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal such as "2.50"'),
  z
    .number()
    .nonnegative()
    .transform((n) => String(n)),
]);
export const priceOverrideSchema = z.strictObject({
  input_per_million: decimal.optional(),
  output_per_million: decimal.optional(),
  cache_read_per_million: decimal.optional(),
  cache_write_per_million: decimal.optional(),
});
export type PriceOverride = z.infer<typeof priceOverrideSchema>;

const emulatorSettings = z.strictObject({
  /** Time to first token, in milliseconds. */
  ttft_ms: z.number().int().nonnegative().default(0),
  /** Output speed; 0 sends every token at once. */
  tokens_per_second: z.number().nonnegative().default(0),
});

export const providerSchema = z.strictObject({
  name,
  type: z.enum(PROVIDER_TYPES),
  api_key: z.string().optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Where the provider processes data; routing rules use it. */
  region: z.string().min(1).optional(),
  /** A preset for openai-compatible servers: ollama, vllm, together, groq, fireworks, deepseek, xai, lmstudio. */
  preset: z.string().optional(),
  /** Static headers added to every upstream request (e.g. an organization id). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Upstream models this provider serves as routes of the same name; `provider/model` always works. */
  models: z.array(z.string().min(1)).default([]),
  timeout_ms: z.number().int().positive().default(600_000),
  connect_timeout_ms: z.number().int().positive().default(10_000),
  max_connections: z.number().int().positive().default(128),
  /** azure-openai: a dated `api-version` (default 2024-10-21) or `v1` for the v1 API. */
  api_version: z.string().optional(),
  /** azure-openai: a Microsoft Entra ID bearer token used instead of `api_key`. */
  azure_ad_token: z.string().optional(),
  /** azure-openai: Microsoft Entra ID client credentials (all three, or none). */
  azure_tenant_id: z.string().optional(),
  azure_client_id: z.string().optional(),
  azure_client_secret: z.string().optional(),
  /** azure-openai: the Entra ID authority (sovereign clouds), default https://login.microsoftonline.com */
  azure_authority_host: z.url({ protocol: /^https?$/ }).optional(),
  /** azure-openai: the token scope, default https://cognitiveservices.azure.com/.default */
  azure_token_scope: z.string().optional(),
  /** anthropic: the `anthropic-version` header, default 2023-06-01. */
  anthropic_version: z.string().optional(),
  /** bedrock */
  aws_region: z.string().optional(),
  aws_access_key_id: z.string().optional(),
  aws_secret_access_key: z.string().optional(),
  aws_session_token: z.string().optional(),
  /** gemini on Vertex AI */
  project: z.string().optional(),
  location: z.string().optional(),
  /** gemini on Vertex AI: an OAuth access token sent as `Authorization: Bearer` (static; see docs/providers.md). */
  access_token: z.string().optional(),
  /** gemini on Vertex AI: path of a service-account JSON key; tokens are fetched and refreshed with it. */
  credentials_file: z.string().optional(),
  /** gemini on Vertex AI: the same service-account JSON key, inline (e.g. `${GOOGLE_CREDENTIALS}`). */
  credentials_json: z.string().optional(),
  /** gemini on Vertex AI: `metadata` takes tokens from the GCP metadata server (GKE, Cloud Run, GCE). */
  google_auth: z.enum(['metadata']).optional(),
  /** gemini with google_auth: metadata: the metadata server's base URL, default http://metadata.google.internal */
  google_metadata_url: z.url({ protocol: /^https?$/ }).optional(),
  emulator: emulatorSettings.optional(),
  /** Percent off the catalog's list prices for every model of this provider (an enterprise agreement). */
  discount_percent: z.number().min(0).max(100).optional(),
});
export type ProviderConfig = z.infer<typeof providerSchema>;

export const targetSchema = z.strictObject({
  provider: name,
  model: z.string().min(1),
  weight: z.number().nonnegative().default(1),
  region: z.string().min(1).optional(),
  tags: z.array(z.string()).default([]),
  timeout_ms: z.number().int().positive().optional(),
  price: priceOverrideSchema.optional(),
});
export type TargetConfig = z.infer<typeof targetSchema>;

export const retrySchema = z.strictObject({
  /** Attempts on one target before moving on, the first included. */
  max_attempts: z.number().int().min(1).max(10).default(2),
  initial_backoff_ms: z.number().int().nonnegative().default(100),
  max_backoff_ms: z.number().int().nonnegative().default(5_000),
});

export const breakerSchema = z.strictObject({
  /** Consecutive failures that open a target's circuit. */
  failure_threshold: z.number().int().min(1).default(5),
  /** How long an open circuit rejects before letting one probe through. */
  cooldown_ms: z.number().int().positive().default(30_000),
});

export const routeSchema = z.strictObject({
  name,
  targets: z.array(targetSchema).min(1, 'a route needs at least one target'),
  /** Other routes to try, in order, when every target of this one failed with a retryable error. */
  fallbacks: z.array(name).default([]),
  retry: retrySchema.optional(),
  /** Per-attempt timeout; overrides the provider's. */
  timeout_ms: z.number().int().positive().optional(),
  /** Overall deadline across every attempt and fallback. */
  deadline_ms: z.number().int().positive().optional(),
  /** What to do with a parameter the serving provider does not support. */
  unsupported_params: z.enum(['drop', 'reject']).default('drop'),
});
export type RouteConfig = z.infer<typeof routeSchema>;

/** An empty value means "not set", so `${OTEL_EXPORTER_OTLP_ENDPOINT:-}` can switch tracing off. */
const optionalUrl = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.url({ protocol: /^https?$/ }).optional(),
);

export const telemetrySchema = z.strictObject({
  metrics: z
    .strictObject({
      /** Serve Prometheus metrics at GET /metrics on the gateway's port. */
      enabled: z.boolean().default(true),
      /** When set, scrapes must send `Authorization: Bearer <token>`. */
      token: z.string().min(16, 'at least 16 characters').optional(),
    })
    .prefault({}),
  otlp: z
    .strictObject({
      /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); tracing is off without it. */
      endpoint: optionalUrl,
      /** Headers sent with every export (e.g. a collector's API key). */
      headers: z.record(z.string(), z.string()).default({}),
    })
    .prefault({}),
});
export type TelemetryConfig = z.infer<typeof telemetrySchema>;

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(4000),
        body_limit: byteSize.default(20 * 1024 * 1024),
        /** Log one line per request. */
        log_requests: z.boolean().default(true),
        log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Name of this gateway in the loop-prevention header; requests that already carry it are refused. */
        instance_id: z.string().optional(),
      })
      .prefault({}),
    storage: z
      .strictObject({
        /** sqlite:<path> (default .switchyard/switchyard.db), sqlite::memory:, or postgres://... */
        url: z.string().default('sqlite:.switchyard/switchyard.db'),
      })
      .prefault({}),
    redis: z.strictObject({ url: z.string().optional() }).prefault({}),
    metering: z
      .strictObject({
        /** Record usage and cost of every request. */
        enabled: z.boolean().default(true),
        /** Where usage records are journaled before they reach the database (default: beside the SQLite file). */
        journal_dir: z.string().min(1).optional(),
        /** How often journaled records are written to the database. */
        flush_interval_ms: z.number().int().min(10).max(60_000).default(200),
      })
      .prefault({}),
    admin: z
      .strictObject({
        /** The master admin key; when unset one is generated on first start and printed once. */
        master_key: z.string().min(16, 'at least 16 characters').optional(),
        /**
         * How often this replica checks whether keys were created or revoked elsewhere (another
         * replica, the CLI); a revoked key stops working everywhere within about this long.
         */
        key_sync_interval_ms: z.number().int().min(100).max(300_000).default(1000),
      })
      .prefault({}),
    routing: z
      .strictObject({
        retry: retrySchema.prefault({}),
        circuit_breaker: breakerSchema.prefault({}),
        deadline_ms: z.number().int().positive().default(600_000),
      })
      .prefault({}),
    telemetry: telemetrySchema.prefault({}),
    catalog: z
      .strictObject({
        /** Where `catalog sync` keeps snapshots (default: `catalog/` beside the SQLite file). */
        snapshot_dir: z.string().min(1).optional(),
        /** Refuse models past their provider's retirement date instead of only warning. */
        block_retired: z.boolean().default(false),
      })
      .prefault({}),
    providers: z.array(providerSchema).default([]),
    routes: z.array(routeSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const providers = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (providers.has(provider.name))
        ctx.addIssue({
          code: 'custom',
          path: ['providers', index, 'name'],
          message: `duplicate provider name "${provider.name}"`,
        });
      providers.add(provider.name);
      const credentials = googleCredentialProblem(provider);
      if (credentials)
        ctx.addIssue({
          code: 'custom',
          path: ['providers', index, ...(credentials.field ? [credentials.field] : [])],
          message: credentials.problem,
        });
    });
    const routes = new Set(config.routes.map((route) => route.name));
    const seen = new Set<string>();
    config.routes.forEach((route, index) => {
      if (seen.has(route.name))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'name'],
          message: `duplicate route name "${route.name}"`,
        });
      seen.add(route.name);
      route.targets.forEach((target, t) => {
        if (!providers.has(target.provider))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', index, 'targets', t, 'provider'],
            message: `no provider named "${target.provider}" (declared: ${[...providers].join(', ') || 'none'})`,
          });
      });
      route.fallbacks.forEach((fallback, f) => {
        if (!routes.has(fallback) || fallback === route.name)
          ctx.addIssue({
            code: 'custom',
            path: ['routes', index, 'fallbacks', f],
            message:
              fallback === route.name ? 'a route cannot fall back to itself' : `no route named "${fallback}"`,
          });
      });
    });
  });

export type SwitchyardConfig = z.infer<typeof configSchema>;
