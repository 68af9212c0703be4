/**
 * Directives are markers in the last user message that let a test choose the emulator's output:
 * `[[emulator:echo]]`, `[[emulator:tokens=N]]`, `[[emulator:reasoning]]`, `[[emulator:parallel]]`,
 * `[[emulator:cached=N]]`, `[[emulator:cache_write=N]]`.
 * A marker that is not one of these (or `tokens=` without a whole number) is left as plain text.
 */
export interface Directives {
  echo: boolean;
  /** Exact number of output tokens wanted. */
  tokens?: number;
  reasoning: boolean;
  parallel: boolean;
  /** Prompt tokens to report as read from the prompt cache. */
  cached?: number;
  /** Prompt tokens to report as written to the prompt cache. */
  cacheWrite?: number;
}

/** Guards memory: a typo such as tokens=10000000000 must not build a gigantic reply. */
export const MAX_DIRECTIVE_TOKENS = 100_000;

/** A marker and the spaces after it, so removing it leaves no double space behind. */
const MARKER = /\[\[emulator:([a-z_]+)(?:=([^\]]*))?\]\][ \t]*/g;

type NumericDirective = 'tokens' | 'cached' | 'cacheWrite';
const NUMERIC: Record<string, NumericDirective> = {
  tokens: 'tokens',
  cached: 'cached',
  cache_write: 'cacheWrite',
};

export interface ParsedDirectives {
  directives: Directives;
  /** The text with every recognised marker removed and surrounding space trimmed. */
  text: string;
}

export function parseDirectives(text: string): ParsedDirectives {
  const directives: Directives = { echo: false, reasoning: false, parallel: false };
  if (!text.includes('[[emulator:')) return { directives, text };
  const stripped = text.replace(MARKER, (marker, name: string, value: string | undefined) => {
    if (name === 'echo' && value === undefined) directives.echo = true;
    else if (name === 'reasoning' && value === undefined) directives.reasoning = true;
    else if (name === 'parallel' && value === undefined) directives.parallel = true;
    else if (value !== undefined && /^\d+$/.test(value.trim()) && name in NUMERIC) {
      directives[NUMERIC[name] as NumericDirective] = Math.min(Number(value.trim()), MAX_DIRECTIVE_TOKENS);
    } else return marker;
    return '';
  });
  return { directives, text: stripped.trim() };
}
