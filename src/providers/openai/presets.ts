/**
 * OpenAI-compatible servers differ only in where they live and a few quirks. A preset fills in the
 * base URL and quirks; everything else is the OpenAI dialect.
 */
export interface CompatiblePreset {
  baseUrl: string;
  /** Environment variable conventionally holding the key (for docs and auto-configuration). */
  apiKeyEnv?: string;
  /** Whether the server honours `stream_options.include_usage`; when false usage is counted locally. */
  streamUsage: boolean;
  /** Whether the server accepts the `seed` parameter. */
  seed: boolean;
}

export const PRESETS: Record<string, CompatiblePreset> = {
  ollama: { baseUrl: 'http://localhost:11434/v1', streamUsage: true, seed: true },
  vllm: { baseUrl: 'http://localhost:8000/v1', streamUsage: true, seed: true },
  lmstudio: { baseUrl: 'http://localhost:1234/v1', streamUsage: true, seed: true },
  together: {
    baseUrl: 'https://api.together.xyz/v1',
    apiKeyEnv: 'TOGETHER_API_KEY',
    streamUsage: true,
    seed: true,
  },
  groq: {
    baseUrl: 'https://api.groq.com/openai/v1',
    apiKeyEnv: 'GROQ_API_KEY',
    streamUsage: true,
    seed: true,
  },
  fireworks: {
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    apiKeyEnv: 'FIREWORKS_API_KEY',
    streamUsage: true,
    seed: false,
  },
  deepseek: {
    baseUrl: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    streamUsage: true,
    seed: false,
  },
  xai: { baseUrl: 'https://api.x.ai/v1', apiKeyEnv: 'XAI_API_KEY', streamUsage: true, seed: true },
};

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
