import type { CancelSignal } from '../core/cancel.ts';
// Listing an upstream's models: a GET whose refusal the codec decodes, and a pager for the
// upstreams that hand their list out a page at a time.
import type { UpstreamDialect } from '../dialects/types.ts';
import type { UpstreamClient, UpstreamResponse } from './http.ts';
import { readFailure } from './upstream-json.ts';

/** A model list is small: an upstream that takes longer than this is not answering. */
const LIST_MODELS_TIMEOUT_MS = 30_000;
/** A misbehaving upstream must not keep the pager going forever. */
const MAX_MODEL_PAGES = 50;

export interface ModelListGet {
  url: string;
  headers: Record<string, string>;
  decodeError: UpstreamDialect['decodeError'];
  provider: string;
  signal: CancelSignal;
}

/** GETs one page of the model list; a refusal is thrown as the codec's GatewayError. */
export async function getModelList(client: UpstreamClient, get: ModelListGet): Promise<UpstreamResponse> {
  const response = await client.requestWhole({
    url: get.url,
    method: 'GET',
    headers: get.headers,
    signal: get.signal,
    headersTimeoutMs: LIST_MODELS_TIMEOUT_MS,
    bodyTimeoutMs: LIST_MODELS_TIMEOUT_MS,
  });
  if (response.status >= 400) throw await readFailure(response, get.decodeError, get.provider, get.signal);
  return response;
}

export interface ModelPage {
  ids: string[];
  /** Where the next page starts; undefined when this was the last. */
  next: string | undefined;
}

/**
 * Every id from a paged list. It stops at the last page, and also when an upstream hands back the
 * cursor it was given (it would serve the same page forever).
 */
export async function collectModelPages(
  fetchPage: (cursor: string | undefined) => Promise<ModelPage>,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_MODEL_PAGES; page++) {
    const { ids: pageIds, next } = await fetchPage(cursor);
    ids.push(...pageIds);
    if (next === undefined || next === cursor) break;
    cursor = next;
  }
  return ids;
}
