import type { ProviderConfig, RouteConfig } from './schema.ts';

/**
 * Providers switched on by their standard environment variables when the config file declares none
 * of that type, so `OPENAI_API_KEY=... npm start` just works. Values are validated like file config.
 */
export function providersFromEnv(env: NodeJS.ProcessEnv): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  if (env.OPENAI_API_KEY) {
    found.push({
      name: 'openai',
      type: 'openai',
      api_key: env.OPENAI_API_KEY,
      ...optional('base_url', env.OPENAI_BASE_URL),
    });
  }
  if (env.ANTHROPIC_API_KEY)
    found.push({ name: 'anthropic', type: 'anthropic', api_key: env.ANTHROPIC_API_KEY });
  const azureEntra = env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET;
  if (env.AZURE_OPENAI_ENDPOINT && (env.AZURE_OPENAI_API_KEY || azureEntra)) {
    found.push({
      name: 'azure-openai',
      type: 'azure-openai',
      base_url: env.AZURE_OPENAI_ENDPOINT,
      ...optional('api_key', env.AZURE_OPENAI_API_KEY),
      ...(azureEntra && !env.AZURE_OPENAI_API_KEY
        ? {
            azure_tenant_id: env.AZURE_TENANT_ID,
            azure_client_id: env.AZURE_CLIENT_ID,
            azure_client_secret: env.AZURE_CLIENT_SECRET,
          }
        : {}),
      ...optional('api_version', env.OPENAI_API_VERSION),
    });
  }
  const geminiKey = env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY;
  if (geminiKey) found.push({ name: 'gemini', type: 'gemini', api_key: geminiKey });
  if (env.MISTRAL_API_KEY) found.push({ name: 'mistral', type: 'mistral', api_key: env.MISTRAL_API_KEY });
  if (env.COHERE_API_KEY) found.push({ name: 'cohere', type: 'cohere', api_key: env.COHERE_API_KEY });
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    found.push({
      name: 'bedrock',
      type: 'bedrock',
      aws_region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      aws_access_key_id: env.AWS_ACCESS_KEY_ID,
      aws_secret_access_key: env.AWS_SECRET_ACCESS_KEY,
      ...optional('aws_session_token', env.AWS_SESSION_TOKEN),
    });
  }
  if (env.OLLAMA_BASE_URL) {
    found.push({
      name: 'ollama',
      type: 'openai-compatible',
      preset: 'ollama',
      base_url: env.OLLAMA_BASE_URL,
    });
  }
  return found;
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value ? { [key]: value } : {};
}

/** The model each provider type serves for the default routes when the operator declares none. */
const DEFAULT_CHAT_MODEL: Partial<Record<string, string>> = {
  emulator: 'emulator-chat',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  gemini: 'gemini-2.5-flash',
  mistral: 'mistral-small-latest',
  cohere: 'command-r-08-2024',
  bedrock: 'anthropic.claude-3-5-haiku-20241022-v1:0',
};
const DEFAULT_EMBEDDING_MODEL: Partial<Record<string, string>> = {
  emulator: 'emulator-embed',
  openai: 'text-embedding-3-small',
  gemini: 'gemini-embedding-001',
  mistral: 'mistral-embed',
  cohere: 'embed-v4.0',
};

/**
 * With no routes declared: `chat-default` and `embed-default` point at the first real provider that
 * has a default model (the emulator otherwise), so the quickstart and a keys-only setup both work.
 */
export function defaultRoutes(
  providers: ProviderConfig[],
): Array<Pick<RouteConfig, 'name'> & { targets: unknown[] }> {
  const real = providers.filter((p) => p.type !== 'emulator');
  const pick = (table: Partial<Record<string, string>>) => {
    const provider = real.find((p) => table[p.type]) ?? providers.find((p) => table[p.type]);
    return provider ? { provider: provider.name, model: table[provider.type] as string } : undefined;
  };
  const routes: Array<Pick<RouteConfig, 'name'> & { targets: unknown[] }> = [];
  const chat = pick(DEFAULT_CHAT_MODEL);
  if (chat) routes.push({ name: 'chat-default', targets: [chat] });
  const embed = pick(DEFAULT_EMBEDDING_MODEL);
  if (embed) routes.push({ name: 'embed-default', targets: [embed] });
  return routes;
}
