import type { ProviderConfig, ProviderType } from '../config/schema.ts';
import { GatewayError } from '../core/errors.ts';
import { createAnthropicProvider } from './anthropic/provider.ts';
import { createAzureOpenAIProvider } from './azure/provider.ts';
import { createBedrockProvider } from './bedrock/provider.ts';
import { createCohereProvider } from './cohere/provider.ts';
import { createEmulatorProvider } from './emulator/provider.ts';
import { createGeminiProvider } from './gemini/provider.ts';
import { createMistralProvider } from './mistral/provider.ts';
import { createOpenAIProvider } from './openai/provider.ts';
import type { Provider, ProviderContext, ProviderFactory } from './types.ts';

const FACTORIES: Partial<Record<ProviderType, ProviderFactory>> = {
  openai: createOpenAIProvider,
  'openai-compatible': createOpenAIProvider,
  anthropic: createAnthropicProvider,
  'azure-openai': createAzureOpenAIProvider,
  mistral: createMistralProvider,
  gemini: createGeminiProvider,
  cohere: createCohereProvider,
  bedrock: createBedrockProvider,
  // The emulator runs in-process unless it is pointed at a running `switchyard emulate` server.
  emulator: (config, context) =>
    config.base_url ? createOpenAIProvider(config, context) : createEmulatorProvider(config, context),
};

export function createProvider(config: ProviderConfig, context: ProviderContext): Provider {
  const factory = FACTORIES[config.type];
  if (!factory) {
    throw new GatewayError(
      'invalid_request',
      `Provider "${config.name}": type "${config.type}" is not supported by this build`,
    );
  }
  return factory(config, context);
}

export function createProviders(configs: ProviderConfig[], context: ProviderContext): Map<string, Provider> {
  return new Map(configs.map((config) => [config.name, createProvider(config, context)]));
}
