import type { ProviderConfig } from '../config/schema.ts';
import type { CatalogTarget, Platform } from './types.ts';

/** How one `litellm_provider` value of the public price table maps onto the catalog. */
export interface SourceProvider {
  provider: string;
  platform?: Platform;
  /** Routing prefixes the table puts in front of the model name; the longest match is stripped. */
  prefixes: string[];
  /** A leading path segment naming a region or deployment zone with its own prices. */
  regionSegment?: RegExp;
}

const AWS_REGION = /^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d)$/;
const AZURE_ZONE = /^(?:eu|us|global|global-standard)$/;

function host(provider: string, ...prefixes: string[]): SourceProvider {
  return { provider, prefixes };
}

function vertex(...prefixes: string[]): SourceProvider {
  return { provider: 'gemini', platform: 'vertex', prefixes: ['vertex_ai/', ...prefixes] };
}

/**
 * The table's providers the catalog covers: every provider type Switchyard speaks to, plus hosted
 * OpenAI-compatible services (named by their preset). Providers missing here (own wire formats the
 * gateway does not speak, per-second or per-hour pricing) are left out on purpose.
 */
export const SOURCE_PROVIDERS: Record<string, SourceProvider> = {
  openai: host('openai', 'openai/'),
  'text-completion-openai': host('openai', 'text-completion-openai/', 'openai/'),
  azure: { provider: 'azure-openai', prefixes: ['azure/'], regionSegment: AZURE_ZONE },
  azure_text: { provider: 'azure-openai', prefixes: ['azure_text/', 'azure/'], regionSegment: AZURE_ZONE },
  anthropic: host('anthropic', 'anthropic/'),
  gemini: { provider: 'gemini', platform: 'google-ai', prefixes: ['gemini/'] },
  vertex_ai: vertex(),
  'vertex_ai-language-models': vertex(),
  'vertex_ai-embedding-models': vertex(),
  'vertex_ai-text-models': vertex(),
  'vertex_ai-anthropic_models': vertex(),
  'vertex_ai-mistral_models': vertex(),
  'vertex_ai-llama_models': vertex(),
  'vertex_ai-ai21_models': vertex(),
  'vertex_ai-qwen_models': vertex(),
  'vertex_ai-deepseek_models': vertex(),
  'vertex_ai-openai_models': vertex(),
  'vertex_ai-zai_models': vertex(),
  'vertex_ai-minimax_models': vertex(),
  'vertex_ai-moonshot_models': vertex(),
  mistral: host('mistral', 'mistral/'),
  cohere: host('cohere', 'cohere/'),
  cohere_chat: host('cohere', 'cohere_chat/', 'cohere/'),
  bedrock: { provider: 'bedrock', prefixes: ['bedrock/invoke/', 'bedrock/'], regionSegment: AWS_REGION },
  bedrock_converse: {
    provider: 'bedrock',
    prefixes: ['bedrock/converse/', 'bedrock_converse/', 'bedrock/'],
    regionSegment: AWS_REGION,
  },
  groq: host('groq', 'groq/'),
  together_ai: host('together', 'together_ai/'),
  fireworks_ai: host('fireworks', 'fireworks_ai/'),
  'fireworks_ai-embedding-models': host('fireworks', 'fireworks_ai/'),
  deepseek: host('deepseek', 'deepseek/'),
  xai: host('xai', 'xai/'),
  ollama: host('ollama', 'ollama/'),
  azure_ai: host('azure-ai', 'azure_ai/'),
  openrouter: host('openrouter', 'openrouter/'),
  deepinfra: host('deepinfra', 'deepinfra/'),
  perplexity: host('perplexity', 'perplexity/'),
  cerebras: host('cerebras', 'cerebras/'),
  sambanova: host('sambanova', 'sambanova/'),
  nebius: host('nebius', 'nebius/'),
  novita: host('novita', 'novita/'),
  hyperbolic: host('hyperbolic', 'hyperbolic/'),
  lambda_ai: host('lambda', 'lambda_ai/'),
  moonshot: host('moonshot', 'moonshot/'),
  dashscope: host('dashscope', 'dashscope/'),
  zai: host('zai', 'zai/'),
  minimax: host('minimax', 'minimax/'),
  nvidia_nim: host('nvidia-nim', 'nvidia_nim/'),
  meta_llama: host('meta-llama', 'meta_llama/'),
  vercel_ai_gateway: host('vercel-ai-gateway', 'vercel_ai_gateway/'),
  scaleway: host('scaleway', 'scaleway/'),
  ovhcloud: host('ovhcloud', 'ovhcloud/'),
  featherless_ai: host('featherless', 'featherless_ai/'),
  friendliai: host('friendliai', 'friendliai/'),
  baseten: host('baseten', 'baseten/'),
  nscale: host('nscale', 'nscale/'),
  wandb: host('wandb', 'wandb/'),
  gmi: host('gmi', 'gmi/'),
  volcengine: host('volcengine', 'volcengine/'),
  cloudflare: host('cloudflare', 'cloudflare/'),
  gradient_ai: host('gradient-ai', 'gradient_ai/'),
  heroku: host('heroku', 'heroku/'),
  crusoe: host('crusoe', 'crusoe/'),
  databricks: host('databricks', 'databricks/'),
};

/**
 * Keys that are not models: size-bracket price rules ("together-ai-up-to-4b") and provisioned
 * throughput commitments, which are billed per hour, not per token.
 */
const NOT_A_MODEL = [/^together-ai-/, /^fireworks-ai-/, /(?:^|\/)\d+-month-commitment\//, /^bedrock\/\*\//];

export interface SourceKey {
  id: string;
  region?: string;
}

/** The catalog id (and region, for region-priced keys) of a table key, or undefined to skip it. */
export function parseSourceKey(key: string, source: SourceProvider): SourceKey | undefined {
  if (NOT_A_MODEL.some((pattern) => pattern.test(key))) return undefined;
  const prefix = source.prefixes
    .filter((candidate) => key.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  let id = prefix ? key.slice(prefix.length) : key;
  let region: string | undefined;
  const slash = id.indexOf('/');
  if (source.regionSegment && slash > 0 && source.regionSegment.test(id.slice(0, slash))) {
    region = id.slice(0, slash);
    id = id.slice(slash + 1);
  }
  if (id === '') return undefined;
  return region === undefined ? { id } : { id, region };
}

/** Preset names of openai-compatible providers that differ from their catalog provider. */
const PRESET_PROVIDERS: Record<string, string | undefined> = {
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  // Self-hosted servers run whatever weights they are given; a public price means nothing there.
  vllm: undefined,
  lmstudio: undefined,
};

/**
 * The catalog target for a configured provider: its type, or for an openai-compatible provider its
 * preset; Gemini with a project or location runs on Vertex. Undefined when the catalog cannot price
 * the provider (a self-hosted server without a preset, the emulator).
 */
export function catalogTargetOf(
  config: Pick<ProviderConfig, 'type' | 'preset' | 'project' | 'location' | 'aws_region' | 'region'>,
): CatalogTarget | undefined {
  switch (config.type) {
    case 'emulator':
      return undefined;
    case 'openai-compatible': {
      if (!config.preset) return undefined;
      const preset = config.preset.toLowerCase();
      const provider = preset in PRESET_PROVIDERS ? PRESET_PROVIDERS[preset] : preset;
      return provider === undefined ? undefined : { provider };
    }
    case 'gemini':
      return { provider: 'gemini', platform: config.project || config.location ? 'vertex' : 'google-ai' };
    case 'bedrock':
      return config.aws_region ? { provider: 'bedrock', region: config.aws_region } : { provider: 'bedrock' };
    default:
      return { provider: config.type };
  }
}

/**
 * Names a reference may start with to pick a provider: `groq/llama-3.1-8b-instant`. `vertex/` picks
 * Gemini on Vertex AI.
 */
export function targetOfRefPrefix(prefix: string): CatalogTarget | undefined {
  const lower = prefix.toLowerCase();
  if (lower === 'vertex' || lower === 'vertex_ai') return { provider: 'gemini', platform: 'vertex' };
  if (lower === 'google-ai') return { provider: 'gemini', platform: 'google-ai' };
  return { provider: lower };
}

/** The short, unique name of an entry: `openai/gpt-4o`, `vertex/gemini-2.5-pro`. */
export function refOf(entry: { provider: string; platform?: Platform; id: string }): string {
  const provider = entry.provider === 'gemini' && entry.platform === 'vertex' ? 'vertex' : entry.provider;
  return `${provider}/${entry.id}`;
}

/**
 * When a bare model name exists at several providers, the model's own vendor wins, then the big
 * clouds, then every other host in alphabetical order.
 */
const PRECEDENCE = [
  'openai',
  'anthropic',
  'gemini:google-ai',
  'mistral',
  'cohere',
  'deepseek',
  'xai',
  'azure-openai',
  'bedrock',
  'gemini:vertex',
];

export function precedenceOf(entry: { provider: string; platform?: Platform }): number {
  const key = entry.platform ? `${entry.provider}:${entry.platform}` : entry.provider;
  const index = PRECEDENCE.indexOf(key);
  return index === -1 ? PRECEDENCE.length : index;
}
