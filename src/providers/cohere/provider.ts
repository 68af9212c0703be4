// Cohere's v2 API (api.cohere.com, or a compatible base_url), with a Bearer key.
// Vendor documentation this adapter follows:
// - Chat v2 (`POST /v2/chat`, `stream: true` for SSE with event names): https://docs.cohere.com/reference/chat
//   and https://docs.cohere.com/reference/chat-stream
// - Embed v2 (`POST /v2/embed`): https://docs.cohere.com/reference/embed
// - List Models (`GET /v1/models`, page_size / page_token / next_page_token): https://docs.cohere.com/reference/list-models
// - Errors (498 invalid token, 429 with retry-after): https://docs.cohere.com/reference/errors
// Chat answers and stream starts do not name the model; the deployment's model is filled in.
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { cohere } from '../../dialects/cohere.ts';
import { decodeChatAnswer, postChat } from '../chat-call.ts';
import {
  embeddingTexts,
  estimateTokens,
  inBatches,
  inputTypeOf,
  joinEmbeddedBatches,
} from '../embedding-support.ts';
import { joinUrl, UpstreamClient } from '../http.ts';
import { collectModelPages, getModelList } from '../model-list.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { readFailure, readJsonObject } from '../upstream-json.ts';
import {
  COHERE_EMBED_BATCH,
  COHERE_INPUT_TYPES,
  cohereBilledInputTokens,
  cohereEmbedBody,
  cohereVectors,
} from './embeddings.ts';

export const COHERE_BASE_URL = 'https://api.cohere.com';

const MODELS_PAGE_SIZE = 1000;
const PARALLEL_BATCHES = 4;

export class CohereProvider implements Provider {
  readonly dialect = 'cohere' as const;
  private readonly client: UpstreamClient;
  private readonly baseUrl: string;

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
  ) {
    this.client = new UpstreamClient(config, context.instanceId, context.dispatcher);
    this.baseUrl = config.base_url ?? COHERE_BASE_URL;
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    const response = await postChat(this.client, {
      url: joinUrl(this.baseUrl, 'v2/chat'),
      headers: this.authHeaders(),
      body: cohere.encodeRequest(request, target.model),
      stream: request.stream,
      target,
      signal,
    });
    return decodeChatAnswer(response, {
      codec: cohere,
      provider: this.name,
      request,
      target,
      signal,
      upstreamOnlyCodec: true,
    });
  }

  async embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    const texts = embeddingTexts(request, this.name);
    const inputType = inputTypeOf(request, COHERE_INPUT_TYPES);
    const batches = await inBatches(texts, COHERE_EMBED_BATCH, PARALLEL_BATCHES, async (batch) => {
      const response = await this.client.requestWhole({
        url: joinUrl(this.baseUrl, 'v2/embed'),
        headers: { ...this.authHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify(cohereEmbedBody(batch, target.model, inputType, request.dimensions)),
        signal,
        headersTimeoutMs: target.timeoutMs,
        bodyTimeoutMs: target.timeoutMs,
      });
      if (response.status >= 400) throw await readFailure(response, cohere.decodeError, this.name, signal);
      const { body } = await readJsonObject(response, this.name, signal);
      // A compatible server that bills nothing still costs something: an o200k ESTIMATE stands in.
      const inputTokens = cohereBilledInputTokens(body) ?? estimateTokens(batch);
      return [{ vectors: cohereVectors(body, batch.length), inputTokens }];
    });
    return joinEmbeddedBatches(target.model, batches, request.encodingFormat);
  }

  /** Every model name the key can use, following the pages the endpoint hands out. */
  async listModels(signal: CancelSignal): Promise<string[]> {
    return collectModelPages(async (pageToken) => {
      const query = new URLSearchParams({ page_size: String(MODELS_PAGE_SIZE) });
      if (pageToken !== undefined) query.set('page_token', pageToken);
      const response = await getModelList(this.client, {
        url: `${joinUrl(this.baseUrl, 'v1/models')}?${query}`,
        headers: this.authHeaders(),
        decodeError: cohere.decodeError,
        provider: this.name,
        signal,
      });
      const { body } = await readJsonObject(response, this.name, signal);
      const names: string[] = [];
      for (const model of Array.isArray(body.models) ? body.models : []) {
        const name = (model as { name?: unknown } | null)?.name;
        if (typeof name === 'string') names.push(name);
      }
      const next =
        typeof body.next_page_token === 'string' && body.next_page_token !== ''
          ? body.next_page_token
          : undefined;
      return { ids: names, next };
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private authHeaders(): Record<string, string> {
    return this.config.api_key ? { authorization: `Bearer ${this.config.api_key}` } : {};
  }
}

export function createCohereProvider(config: ProviderConfig, context: ProviderContext): Provider {
  if (!config.api_key && !config.base_url) {
    throw new GatewayError('invalid_request', `Provider "${config.name}" of type cohere needs api_key`);
  }
  return new CohereProvider(config, context);
}
