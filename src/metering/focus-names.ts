/**
 * Names FOCUS asks for that Switchyard's records hold only as codes: who provides a provider type's
 * service, what the service is called, and who published a model.
 */

const PROVIDERS: Readonly<Record<string, { provider: string; service: string }>> = {
  openai: { provider: 'OpenAI', service: 'OpenAI API' },
  'azure-openai': { provider: 'Microsoft', service: 'Azure OpenAI' },
  anthropic: { provider: 'Anthropic', service: 'Anthropic API' },
  gemini: { provider: 'Google', service: 'Gemini API' },
  mistral: { provider: 'Mistral AI', service: 'Mistral AI API' },
  cohere: { provider: 'Cohere', service: 'Cohere API' },
  bedrock: { provider: 'Amazon Web Services', service: 'Amazon Bedrock' },
  emulator: { provider: 'Switchyard', service: 'Switchyard emulator' },
};

/**
 * The company a provider type stands for. An OpenAI-compatible server (vLLM, Ollama, a hosted API) is
 * known only by the name it was configured under, so that name is used.
 */
export function providerDisplayName(providerType: string | null, providerName: string | null): string {
  return (
    (providerType ? PROVIDERS[providerType]?.provider : undefined) ??
    providerName ??
    providerType ??
    'Unknown'
  );
}

export function serviceDisplayName(providerType: string | null, providerName: string | null): string {
  const known = providerType ? PROVIDERS[providerType]?.service : undefined;
  if (known) return known;
  const name = providerName ?? providerType ?? 'Unknown';
  return providerType === 'openai-compatible' ? `${name} (OpenAI-compatible)` : name;
}

/** Model families by the vendor that trains them, matched on the model id as providers spell it. */
const PUBLISHERS: ReadonlyArray<[RegExp, string]> = [
  [/claude|(^|\.)anthropic\./, 'Anthropic'],
  [
    /^(models\/)?(gemini|gemma|imagen)|(^|\.)google\.|^text-embedding-00|^text-multilingual-embedding/,
    'Google',
  ],
  [
    /^(ft:)?(gpt|o\d|chatgpt|text-embedding|dall-e|whisper|tts-|omni-moderation|davinci|babbage)|(^|\.)openai\./,
    'OpenAI',
  ],
  [/mistral|mixtral|codestral|ministral|pixtral|magistral|devstral/, 'Mistral AI'],
  [/^(command|embed-|rerank-|c4ai)|(^|\.)cohere\./, 'Cohere'],
  [/llama|(^|\.)meta\./, 'Meta'],
  [/(^|\.)amazon\.|nova-|titan-/, 'Amazon'],
  [/deepseek/, 'DeepSeek'],
  [/grok/, 'xAI'],
  [/qwen/, 'Alibaba Cloud'],
];

/**
 * Who published the model: Anthropic for a Claude model served by Bedrock, OpenAI for GPT on Azure.
 * A model no pattern knows is taken to be the provider's own.
 */
export function publisherName(model: string | null, providerDisplay: string): string {
  if (!model) return providerDisplay;
  const id = model.toLowerCase();
  for (const [pattern, publisher] of PUBLISHERS) if (pattern.test(id)) return publisher;
  return providerDisplay;
}
