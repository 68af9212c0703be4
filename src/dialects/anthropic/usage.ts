import type { FinishReason, Usage } from '../../core/ir.ts';
import { isRecord } from './validate.ts';

/**
 * Usage and stop reasons, both directions. Anthropic's `input_tokens` excludes the tokens read
 * from or written to the prompt cache; the IR's `inputTokens` includes them (see core/ir.ts).
 */

/** Token counts as Anthropic reports them, kept apart so stream events can update them one by one. */
export interface WireCounts {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  thinking: number;
}

export function emptyCounts(): WireCounts {
  return { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, thinking: 0 };
}

/**
 * Applies an Anthropic `usage` object onto counts. Fields that are absent or null keep their value:
 * `message_delta` repeats only what changed (always `output_tokens`, the rest when it knows them).
 */
export function mergeWireUsage(counts: WireCounts, value: unknown): WireCounts {
  if (!isRecord(value)) return counts;
  const next = { ...counts };
  const take = (field: string): number | undefined => {
    const number = value[field];
    return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
  };
  next.input = take('input_tokens') ?? next.input;
  next.cacheRead = take('cache_read_input_tokens') ?? next.cacheRead;
  next.cacheWrite = take('cache_creation_input_tokens') ?? next.cacheWrite;
  next.output = take('output_tokens') ?? next.output;
  const details = value.output_tokens_details;
  if (isRecord(details) && typeof details.thinking_tokens === 'number')
    next.thinking = details.thinking_tokens;
  return next;
}

export function countsToUsage(counts: WireCounts): Usage {
  return {
    inputTokens: counts.input + counts.cacheRead + counts.cacheWrite,
    outputTokens: counts.output,
    cacheReadTokens: counts.cacheRead,
    cacheWriteTokens: counts.cacheWrite,
    reasoningTokens: counts.thinking,
  };
}

export function usageFromWire(value: unknown): Usage {
  return countsToUsage(mergeWireUsage(emptyCounts(), value));
}

export function usageToWire(usage: Usage): Record<string, number> {
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}

/**
 * `tool_use` means tool calls unless the only tool used was the JSON-response fallback, whose
 * call is the answer itself.
 */
export function finishFromStopReason(stopReason: unknown, calledClientTool: boolean): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return calledClientTool ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (a server tool paused a long turn), or none given
      return 'stop';
  }
}

export function stopReasonFromFinish(reason: FinishReason, stopSequence: string | undefined): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return stopSequence !== undefined ? 'stop_sequence' : 'end_turn';
  }
}
