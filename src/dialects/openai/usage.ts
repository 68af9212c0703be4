import type { FinishReason, Usage } from '../../core/ir.ts';
import { isRecord, type Json } from './validate.ts';

/** Usage and finish reasons between OpenAI's wire names and the IR, for responses and streams alike. */

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** OpenAI `usage` -> IR; fields an upstream left out count as zero. */
export function usageFromOpenAI(value: unknown): Usage {
  if (!isRecord(value))
    return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  const prompt = isRecord(value.prompt_tokens_details) ? value.prompt_tokens_details : undefined;
  const completion = isRecord(value.completion_tokens_details) ? value.completion_tokens_details : undefined;
  return {
    inputTokens: count(value.prompt_tokens),
    outputTokens: count(value.completion_tokens),
    // DeepSeek reports cache hits as `prompt_cache_hit_tokens` beside the usual fields.
    cacheReadTokens: count(prompt?.cached_tokens ?? value.prompt_cache_hit_tokens),
    cacheWriteTokens: count(prompt?.cache_write_tokens),
    reasoningTokens: count(completion?.reasoning_tokens),
  };
}

export function usageToOpenAI(usage: Usage): Json {
  const promptDetails: Json = { cached_tokens: usage.cacheReadTokens };
  if (usage.cacheWriteTokens > 0) promptDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

export function finishFromOpenAI(value: unknown): FinishReason {
  switch (value) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** OpenAI has no finish reason for a failed generation; `stop` is what its clients handle. */
export function finishToOpenAI(reason: FinishReason): string {
  return reason === 'error' ? 'stop' : reason;
}
