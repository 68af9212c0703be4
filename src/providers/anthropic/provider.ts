// Anthropic's Messages API (api.anthropic.com or an Anthropic-compatible base_url).
// Vendor documentation this adapter follows:
// - Messages: https://platform.claude.com/docs/en/api/messages
// - Versions (`anthropic-version`): https://platform.claude.com/docs/en/api/versioning
// - Beta headers (`anthropic-beta`): https://platform.claude.com/docs/en/api/beta-headers
// - Streaming: https://platform.claude.com/docs/en/build-with-claude/streaming
// - Errors (529 overloaded_error): https://platform.claude.com/docs/en/api/errors
// - List Models (after_id / has_more / last_id): https://platform.claude.com/docs/en/api/models-list
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import type { ChatRequest } from '../../core/ir.ts';
import { anthropicMessages, DEFAULT_ANTHROPIC_MAX_TOKENS } from '../../dialects/anthropic-messages.ts';
import { decodeChatAnswer, postChat } from '../chat-call.ts';
import { joinUrl, parseJsonLoose, readBody, UpstreamClient } from '../http.ts';
import { collectModelPages, getModelList } from '../model-list.ts';
import type { ChatResult, Deployment, Provider, ProviderContext } from '../types.ts';
import { betaHeader } from './headers.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** The largest page the models endpoint serves. */
const MODELS_PAGE_SIZE = 1000;

export class AnthropicProvider implements Provider {
  readonly dialect = 'anthropic-messages' as const;
  private readonly client: UpstreamClient;
  private readonly baseUrl: string;
  private readonly version: string;
  private readonly defaultMaxTokens: ProviderContext['defaultMaxTokens'];

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
  ) {
    this.client = new UpstreamClient(config, context.instanceId, context.dispatcher);
    this.baseUrl = config.base_url ?? ANTHROPIC_BASE_URL;
    this.version = config.anthropic_version ?? DEFAULT_ANTHROPIC_VERSION;
    this.defaultMaxTokens = context.defaultMaxTokens;
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    const body = anthropicMessages.encodeRequest(this.withMaxTokens(request, target.model), target.model);
    const response = await postChat(this.client, {
      url: joinUrl(this.baseUrl, 'v1/messages'),
      headers: { ...this.authHeaders(), ...betaHeader(this.config.headers, request.headers) },
      body,
      stream: request.stream,
      target,
      signal,
    });
    return decodeChatAnswer(response, {
      codec: anthropicMessages,
      provider: this.name,
      request,
      target,
      signal,
    });
  }

  /** Every model id the key can use, following the pages the endpoint hands out. */
  async listModels(signal: CancelSignal): Promise<string[]> {
    return collectModelPages(async (after) => {
      const query = new URLSearchParams({ limit: String(MODELS_PAGE_SIZE) });
      if (after !== undefined) query.set('after_id', after);
      const response = await getModelList(this.client, {
        url: `${joinUrl(this.baseUrl, 'v1/models')}?${query}`,
        headers: this.authHeaders(),
        decodeError: anthropicMessages.decodeError,
        provider: this.name,
        signal,
      });
      const parsed = parseJsonLoose(await readBody(response, this.name, signal)) as {
        data?: Array<{ id?: unknown }>;
        has_more?: unknown;
        last_id?: unknown;
      };
      const ids: string[] = [];
      for (const model of parsed.data ?? []) if (typeof model.id === 'string') ids.push(model.id);
      const lastId = typeof parsed.last_id === 'string' ? parsed.last_id : undefined;
      return { ids, next: parsed.has_more === true ? lastId : undefined };
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private authHeaders(): Record<string, string> {
    const headers: Record<string, string> = { 'anthropic-version': this.version };
    if (this.config.api_key) headers['x-api-key'] = this.config.api_key;
    return headers;
  }

  /**
   * `max_tokens` is required by the Messages API. A client of another dialect may leave it out:
   * then the model's own output limit (from the catalog) is used, else the codec's default. The
   * caller's request is copied, not changed: the router may send it to another provider next.
   */
  private withMaxTokens(request: ChatRequest, model: string): ChatRequest {
    if (request.maxOutputTokens !== undefined) return request;
    const limit = this.defaultMaxTokens?.(model);
    const maxOutputTokens =
      limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_ANTHROPIC_MAX_TOKENS;
    return { ...request, maxOutputTokens };
  }
}

export function createAnthropicProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new AnthropicProvider(config, context);
}
