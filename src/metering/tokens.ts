import { createRequire } from 'node:module';
import type { ChatRequest, ContentPart } from '../core/ir.ts';

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;
let countTokens: CountTokens | undefined;
/** Special-token markers in user text are counted as ordinary text instead of being refused. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The o200k tables take about 70 MB; they are loaded on first use, so a gateway whose upstreams all
 * report usage never pays for them.
 */
function tokenizer(): CountTokens {
  countTokens ??= (
    createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }
  ).countTokens;
  return countTokens;
}

/**
 * Local token counts for upstreams that do not report usage (some OpenAI-compatible servers in
 * streams) and for context-window checks. o200k is exact for current OpenAI models and a close
 * estimate for others; records counted this way are flagged `usageEstimated`.
 */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : tokenizer()(text, AS_PLAIN_TEXT);
}

/** Per-message framing overhead, as OpenAI documents for its chat format. */
const PER_MESSAGE_TOKENS = 3;
const REPLY_PRIMING_TOKENS = 3;
/** A flat estimate per image: the low-detail tile cost. */
const PER_IMAGE_TOKENS = 85;

export function countRequestTokens(request: ChatRequest): number {
  let total = REPLY_PRIMING_TOKENS;
  if (request.system.length > 0)
    total += PER_MESSAGE_TOKENS + countTextTokens(request.system.map((part) => part.text).join('\n'));
  for (const message of request.messages) {
    total += PER_MESSAGE_TOKENS;
    for (const part of message.content) total += partTokens(part);
  }
  for (const tool of request.tools ?? []) {
    total += countTextTokens(`${tool.name} ${tool.description ?? ''} ${JSON.stringify(tool.parameters)}`);
  }
  return total;
}

function partTokens(part: ContentPart): number {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return countTextTokens(part.text);
    case 'image':
      return PER_IMAGE_TOKENS;
    case 'tool_call':
      return countTextTokens(part.name) + countTextTokens(part.arguments);
    case 'tool_result':
      return part.content.reduce((sum, inner) => sum + partTokens(inner), 0);
  }
}
