import { createRequire } from 'node:module';

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;
let countTokens: CountTokens | undefined;

/** The o200k tables take about 70 MB: loaded on first use, not when the module is imported. */
function tokenizer(): CountTokens {
  countTokens ??= (
    createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }
  ).countTokens;
  return countTokens;
}

/** Special-token markers in user text are counted as ordinary text instead of being refused. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Framing tokens OpenAI's chat format adds per message, and to prime the reply. */
export const PER_MESSAGE_TOKENS = 3;
export const REPLY_PRIMING_TOKENS = 3;
/** A flat cost per image: the low-detail tile price. */
export const PER_IMAGE_TOKENS = 85;

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : tokenizer()(text, AS_PLAIN_TEXT);
}

/** Splits text into word pieces, each keeping the spaces before it: "a  b" -> ["a", "  b"]. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/**
 * Splits JSON text into small fragments the way a model streams it: runs of word characters, runs of
 * punctuation and the spaces before either. Joining the fragments gives the text back.
 */
export function splitJsonFragments(text: string): string[] {
  return text.match(/\s*(?:[\p{L}\p{N}_.+-]+|[^\s\p{L}\p{N}_.+-]+)/gu) ?? [];
}
