// Azure OpenAI: the OpenAI Chat Completions and Embeddings APIs on an Azure resource.
// Vendor documentation this adapter follows:
// - REST reference (deployment URLs, `api-version`, `api-key` and Entra ID auth):
//   https://learn.microsoft.com/en-us/azure/ai-services/openai/reference
// - API versions and the v1 API (`/openai/v1/...`, model = deployment name):
//   https://learn.microsoft.com/en-us/azure/foundry/openai/api-version-lifecycle
// - Content filtering (`prompt_filter_results`, `content_filter_results`, `finish_reason:
//   content_filter`, HTTP 400 with code `content_filter`):
//   https://learn.microsoft.com/en-us/azure/ai-services/openai/concepts/content-filter
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { bearerHeaders, forgetTokenOnRefusal } from '../oauth-token.ts';
import { type OpenAIEndpoint, OpenAIShapedProvider } from '../openai/provider.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { EntraTokenSource } from './entra-token.ts';
import { startFromCompletionChunk } from './stream.ts';

/** The newest GA `api-version` of the classic deployment API when this adapter was written. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
/** `api_version: v1` selects the v1 API, which takes no `api-version` and the deployment as `model`. */
export const AZURE_V1_API = 'v1';
/** Dated versions before this one reject `stream_options` and `max_completion_tokens`. */
const FIRST_MODERN_VERSION = '2024-09-01';

export class AzureOpenAIProvider implements Provider {
  readonly dialect = 'openai-chat' as const;
  private readonly inner: OpenAIShapedProvider;
  private readonly tokens: EntraTokenSource | undefined;

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
  ) {
    const auth = azureAuth(config, context);
    this.tokens = auth.tokens;
    this.inner = new OpenAIShapedProvider(config, context, azureEndpoint(config, auth.headers));
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    // A token Azure refuses (revoked, or the clock was off) is dropped so the next call gets a new one.
    const result = await forgetTokenOnRefusal(this.tokens, () => this.inner.chat(request, target, signal));
    return result.kind === 'stream'
      ? { kind: 'stream', frames: startFromCompletionChunk(result.frames) }
      : result;
  }

  embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    return forgetTokenOnRefusal(this.tokens, () => this.inner.embed(request, target, signal));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function createAzureOpenAIProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new AzureOpenAIProvider(config, context);
}

/**
 * Where requests go. `base_url` is the resource endpoint (https://<resource>.openai.azure.com); a
 * trailing `/openai` or `/openai/v1`, as some portals show it, is tolerated. With a dated
 * `api_version` the target's model is the deployment name in the path; with `v1` it is the body's
 * `model` (the OpenAI encoder always writes the target's model there).
 */
export function azureEndpoint(
  config: ProviderConfig,
  authHeaders: () => Record<string, string> | Promise<Record<string, string>>,
): OpenAIEndpoint {
  if (!config.base_url) {
    throw configError(
      config,
      'needs base_url: the resource endpoint, e.g. https://<resource>.openai.azure.com',
    );
  }
  const resource = config.base_url.replace(/\/+$/, '').replace(/\/openai(?:\/v1)?$/i, '');
  const apiVersion = config.api_version ?? DEFAULT_AZURE_API_VERSION;
  const legacy = isLegacyVersion(apiVersion);
  const url =
    apiVersion === AZURE_V1_API
      ? (operation: string) => () => `${resource}/openai/v1/${operation}`
      : (operation: string) => (deployment: string) =>
          `${resource}/openai/deployments/${encodeURIComponent(deployment)}/${operation}?api-version=${encodeURIComponent(apiVersion)}`;
  return {
    chatUrl: url('chat/completions'),
    embeddingsUrl: url('embeddings'),
    // Neither API lists deployments (that is Azure Resource Manager's job), and deployment names
    // are what targets use, so there is no models URL: operators list deployments under `models:`.
    authHeaders,
    streamUsage: !legacy,
    ...(legacy ? { adjustBody: toLegacyBody } : {}),
  };
}

/** Dated versions before 2024-09-01 (previews included) predate `max_completion_tokens`. */
export function isLegacyVersion(apiVersion: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return date !== undefined && date < FIRST_MODERN_VERSION;
}

function toLegacyBody(body: Record<string, unknown>): void {
  if (body.max_completion_tokens === undefined) return;
  body.max_tokens ??= body.max_completion_tokens;
  delete body.max_completion_tokens;
}

interface AzureAuth {
  headers: () => Record<string, string> | Promise<Record<string, string>>;
  tokens?: EntraTokenSource;
}

const CLIENT_CREDENTIAL_FIELDS = ['azure_tenant_id', 'azure_client_id', 'azure_client_secret'] as const;

/**
 * One way to authenticate, in this order: Entra ID client credentials (a token fetched and
 * refreshed here), a static Entra ID token (`azure_ad_token`), or the resource key (`api_key`).
 */
function azureAuth(config: ProviderConfig, context: ProviderContext): AzureAuth {
  const given = CLIENT_CREDENTIAL_FIELDS.filter((field) => config[field]);
  if (given.length > 0 && given.length < CLIENT_CREDENTIAL_FIELDS.length) {
    const missing = CLIENT_CREDENTIAL_FIELDS.filter((field) => !config[field]);
    throw configError(config, `uses Entra ID client credentials but lacks ${missing.join(', ')}`);
  }
  const { azure_tenant_id: tenantId, azure_client_id: clientId, azure_client_secret: clientSecret } = config;
  if (tenantId && clientId && clientSecret) {
    const tokens = new EntraTokenSource(
      {
        tenantId,
        clientId,
        clientSecret,
        ...(config.azure_authority_host ? { authorityHost: config.azure_authority_host } : {}),
        ...(config.azure_token_scope ? { scope: config.azure_token_scope } : {}),
      },
      {
        provider: config.name,
        clock: context.clock,
        ...(context.dispatcher ? { dispatcher: context.dispatcher } : {}),
      },
    );
    return { headers: () => bearerHeaders(tokens), tokens };
  }
  const staticToken = config.azure_ad_token;
  if (staticToken) return { headers: () => ({ authorization: `Bearer ${staticToken}` }) };
  const key = config.api_key;
  if (key) return { headers: () => ({ 'api-key': key }) };
  throw configError(
    config,
    'needs credentials: api_key, azure_ad_token, or azure_tenant_id + azure_client_id + azure_client_secret',
  );
}

function configError(config: ProviderConfig, detail: string): GatewayError {
  return new GatewayError('invalid_request', `Provider "${config.name}" (azure-openai) ${detail}`, {
    retryable: false,
  });
}
