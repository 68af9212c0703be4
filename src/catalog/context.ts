/**
 * Checks the pipeline makes with a model's catalog entry before calling the upstream: does the request
 * fit the context window, how many output tokens to ask for, is the model deprecated.
 */
import { GatewayError } from '../core/errors.ts';
import { refOf } from './providers.ts';
import type { CatalogEntry } from './types.ts';

/**
 * The error to answer with when the request's input alone exceeds the model's context window, or
 * undefined when it may fit. Input plus requested output is not checked: some providers count output
 * inside the window (OpenAI's older models, Claude) and some beside it (GPT-5's input limit), so only
 * the upstream can tell; rejecting a request that would have worked is worse than a late 400.
 */
export function checkContextWindow(
  entry: Pick<CatalogEntry, 'contextWindow'>,
  estimatedInputTokens: number,
  maxOutputTokens?: number,
): GatewayError | undefined {
  const window = entry.contextWindow;
  if (window === undefined || estimatedInputTokens <= window) return undefined;
  const output = maxOutputTokens === undefined ? '' : ` plus ${maxOutputTokens} requested output tokens`;
  return new GatewayError(
    'invalid_request',
    `This model's maximum context length is ${window} tokens; the request has about ` +
      `${estimatedInputTokens} input tokens${output}. Shorten the messages or choose a model with a larger context window.`,
    { code: 'context_length_exceeded', param: 'messages', retryable: false },
  );
}

/** The output budget to ask for when the client set none (Anthropic requires one). */
export function defaultMaxOutputTokens(
  entry: Pick<CatalogEntry, 'maxOutputTokens'> | undefined,
  fallback = 4096,
): number {
  return entry?.maxOutputTokens ?? fallback;
}

export interface DeprecationStatus {
  /** The provider announced a retirement date. */
  deprecated: boolean;
  /** That date has come: the upstream may already refuse the model. */
  pastDate: boolean;
  date?: string;
}

export function deprecationStatus(
  entry: Pick<CatalogEntry, 'deprecationDate'>,
  now: number,
): DeprecationStatus {
  const date = entry.deprecationDate;
  if (!date) return { deprecated: false, pastDate: false };
  const at = Date.parse(`${date}T00:00:00Z`);
  return { deprecated: true, pastDate: Number.isFinite(at) && now >= at, date };
}

export interface DeprecationNotice {
  /** Response headers: `Sunset` (RFC 8594) with the retirement date, and a readable warning. */
  headers: Record<string, string>;
  /** The same warning, for the log line. */
  message: string;
}

export const DEPRECATION_HEADER = 'x-switchyard-deprecation';

/** What to tell a caller of a deprecated model, or undefined when it is not deprecated. */
export function deprecationNotice(
  entry: Pick<CatalogEntry, 'provider' | 'platform' | 'id' | 'deprecationDate'>,
  now: number,
): DeprecationNotice | undefined {
  const status = deprecationStatus(entry, now);
  if (!status.deprecated || !status.date) return undefined;
  const model = refOf(entry);
  const message = status.pastDate
    ? `Model ${model} was retired by its provider on ${status.date}; move to another model.`
    : `Model ${model} is deprecated and will be retired on ${status.date}.`;
  const at = Date.parse(`${status.date}T00:00:00Z`);
  return {
    headers: { sunset: new Date(at).toUTCString(), [DEPRECATION_HEADER]: message },
    message,
  };
}

/** The refusal for a model past its retirement date, when the operator chose to block those. */
export function retiredModelError(
  entry: Pick<CatalogEntry, 'provider' | 'platform' | 'id' | 'deprecationDate'>,
): GatewayError {
  return new GatewayError(
    'model_not_found',
    `Model ${refOf(entry)} was retired on ${entry.deprecationDate ?? 'an earlier date'} and is blocked by this gateway's policy.`,
    { code: 'model_deprecated', param: 'model', retryable: false },
  );
}
