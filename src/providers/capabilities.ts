import type { ProviderType } from '../config/schema.ts';
import type { ChatRequest } from '../core/ir.ts';

/** Request parameters (by their OpenAI names) that a provider's API has no way to honour. */
type Param =
  | 'seed'
  | 'frequency_penalty'
  | 'presence_penalty'
  | 'top_k'
  | 'parallel_tool_calls'
  | 'n'
  | 'logprobs';

const UNSUPPORTED: Record<ProviderType, readonly Param[]> = {
  emulator: [],
  openai: ['top_k'],
  'openai-compatible': [],
  'azure-openai': ['top_k'],
  anthropic: ['seed', 'frequency_penalty', 'presence_penalty', 'n', 'logprobs'],
  gemini: ['parallel_tool_calls', 'n', 'logprobs'],
  mistral: ['top_k', 'logprobs'],
  cohere: ['parallel_tool_calls', 'n', 'logprobs'],
  bedrock: ['seed', 'frequency_penalty', 'presence_penalty', 'n', 'logprobs'],
};

/**
 * The parameters of `request` the provider would silently ignore. Same-dialect requests are sent as
 * the client wrote them, so the upstream itself judges them; only translated requests are checked.
 */
export function unsupportedParams(
  request: ChatRequest,
  type: ProviderType,
  upstreamDialect: string,
): Param[] {
  if (request.source.dialect === upstreamDialect) return [];
  const unsupported = UNSUPPORTED[type];
  if (unsupported.length === 0) return [];
  const present: Param[] = [];
  const extra = request.extra;
  if (request.seed !== undefined) present.push('seed');
  if (request.frequencyPenalty !== undefined && request.frequencyPenalty !== 0)
    present.push('frequency_penalty');
  if (request.presencePenalty !== undefined && request.presencePenalty !== 0)
    present.push('presence_penalty');
  if (request.topK !== undefined) present.push('top_k');
  if (request.parallelToolCalls === false) present.push('parallel_tool_calls');
  if (typeof extra.n === 'number' && extra.n > 1) present.push('n');
  if (extra.logprobs === true) present.push('logprobs');
  return present.filter((param) => unsupported.includes(param));
}
