/**
 * The model catalog's shapes. Prices are exact decimal strings in USD (per million tokens unless the
 * name says otherwise) so costs are computed with integer arithmetic, never floats.
 */

/** How a model is called: chat (Chat Completions / Messages), completion (legacy text completion),
 * responses (only through OpenAI's Responses API), embedding. */
export const CATALOG_MODES = ['chat', 'completion', 'responses', 'embedding'] as const;
export type CatalogMode = (typeof CATALOG_MODES)[number];

/** Where a `gemini` model is served: Google AI Studio (API key) or Vertex AI (project + location). */
export const GEMINI_PLATFORMS = ['google-ai', 'vertex'] as const;
export type Platform = (typeof GEMINI_PLATFORMS)[number];

/** Prices that replace the base prices once a request's input exceeds `aboveInputTokens`. */
export interface PriceTier {
  aboveInputTokens: number;
  inputPerMillion?: string;
  outputPerMillion?: string;
  cacheReadPerMillion?: string;
  cacheWritePerMillion?: string;
  reasoningPerMillion?: string;
}

export interface Prices {
  inputPerMillion?: string;
  outputPerMillion?: string;
  /** Input tokens read from a prompt cache. */
  cacheReadPerMillion?: string;
  /** Input tokens written to a prompt cache (Anthropic's default 5-minute cache). */
  cacheWritePerMillion?: string;
  /** Input tokens written to a one-hour prompt cache, where the provider sells one. */
  cacheWrite1hPerMillion?: string;
  /** Reasoning tokens, when the provider prices them apart from other output tokens. */
  reasoningPerMillion?: string;
  /** USD per input image, for models that bill images per image rather than as tokens. */
  perImage?: string;
  /** Long-context prices, lowest threshold first. The whole request is billed at the highest tier
   * whose threshold its input exceeds (how Gemini and Claude long-context pricing work). */
  tiers?: PriceTier[];
}

export const CAPABILITY_NAMES = [
  'tools',
  'parallelTools',
  'toolChoice',
  'vision',
  'pdfInput',
  'audioInput',
  'audioOutput',
  'jsonSchema',
  'reasoning',
  'promptCaching',
  'systemMessages',
  'webSearch',
  'computerUse',
] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];
export type Capabilities = Record<CapabilityName, boolean>;

export interface CatalogEntry {
  /** The catalog provider: a provider type (openai, azure-openai, anthropic, gemini, mistral, cohere,
   * bedrock) or, for OpenAI-compatible hosts, the host's preset name (groq, together, ollama, ...). */
  provider: string;
  /** Only for `gemini`: which Google platform serves it. */
  platform?: Platform;
  /** The model name the provider's API expects (what a deployment's `model` is set to). */
  id: string;
  /** Other names for the same entry, such as the public price table's keys. */
  aliases: string[];
  mode: CatalogMode;
  /** Maximum input tokens. */
  contextWindow?: number;
  maxOutputTokens?: number;
  prices: Prices;
  /** Prices that differ in a given region or deployment zone (Bedrock regions, Azure data zones). */
  regionalPrices?: Record<string, Prices>;
  capabilities: Capabilities;
  /** Regions the model is offered in, where the source says. */
  regions?: string[];
  /** YYYY-MM-DD: the date the provider retires (or retired) the model. */
  deprecationDate?: string;
}

/** A whole catalog: the shipped one or one refreshed with `catalog sync`. */
export interface CatalogSnapshot {
  /** A hash of the entries: equal content, equal version. */
  version: string;
  /** Where the prices came from: a file name or URL, never with credentials. */
  generatedFrom: string;
  /** The date of the source data (YYYY-MM-DD). */
  sourceDate: string;
  /** From when these prices apply (ISO date or date-time). */
  effectiveDate: string;
  entries: CatalogEntry[];
}

/** Which provider (and where) a price is looked up for. */
export interface CatalogTarget {
  provider: string;
  platform?: Platform;
  /** A region or deployment zone with its own prices (e.g. a Bedrock AWS region). */
  region?: string;
}

/** The price a request is charged at. A usage record stores `version`, so a later price change
 * never rewrites what was charged. */
export interface PriceQuote {
  /** `<provider>/<model>[#region]@<hash of the prices>`: equal prices, equal version. */
  version: string;
  /** The catalog source, or `config` for a price override. */
  source: string;
  effectiveDate: string;
  /** The catalog the price came from (absent for a price set entirely by an override). */
  catalogVersion?: string;
  prices: Prices;
}
