// Anthropic's Messages API (api.anthropic.com or an Anthropic-compatible base_url).
// Vendor documentation this adapter follows:
// - Messages: https://platform.claude.com/docs/en/api/messages
// - Versions (`anthropic-version`): https://platform.claude.com/docs/en/api/versioning
// - Beta headers (`anthropic-beta`): https://platform.claude.com/docs/en/api/beta-headers
// - Streaming: https://platform.claude.com/docs/en/build-with-claude/streaming
// - Errors (529 overloaded_error): https://platform.claude.com/docs/en/api/errors
// - List Models (after_id / has_more / last_id): https://platform.claude.com/docs/en/api/models-list
import type { ProviderConfig } from '../../config/schema.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest } from '../../core/ir.ts';
import { anthropicMessages, DEFAULT_ANTHROPIC_MAX_TOKENS } from '../../dialects/anthropic-messages.ts';
import { joinUrl, parseJsonLoose, readBody, UpstreamClient, type UpstreamResponse } from '../http.ts';
import { decodeSseStream } from '../stream.ts';
import type { ChatResult, Deployment, Provider, ProviderContext } from '../types.ts';
import { betaHeader } from './headers.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** The largest page the models endpoint serves. */
const MODELS_PAGE_SIZE = 1000;
/** A misbehaving upstream must not keep the pager going forever. */
const MAX_MODEL_PAGES = 50;
const LIST_MODELS_TIMEOUT_MS = 30_000;

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

  async chat(request: ChatRequest, target: Deployment, signal: AbortSignal): Promise<ChatResult> {
    const body = anthropicMessages.encodeRequest(this.withMaxTokens(request, target.model), target.model);
    const response = await this.client.request({
      url: joinUrl(this.baseUrl, 'v1/messages'),
      headers: {
        ...this.authHeaders(),
        ...betaHeader(this.config.headers, request.headers),
        'content-type': 'application/json',
        accept: request.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
      signal,
      headersTimeoutMs: target.timeoutMs,
      bodyTimeoutMs: target.timeoutMs,
    });
    if (response.status >= 400) throw await this.failure(response, signal);
    if (request.stream) {
      return {
        kind: 'stream',
        frames: decodeSseStream(response.body, anthropicMessages.createStreamDecoder(), this.name, signal),
      };
    }
    const raw = await readBody(response, this.name, signal);
    const parsed = parseJsonLoose(raw);
    if (typeof parsed !== 'object' || parsed === null) {
      throw new GatewayError('upstream_error', `Provider "${this.name}" returned a body that is not JSON`, {
        code: 'upstream_invalid_response',
      });
    }
    return {
      kind: 'response',
      response: anthropicMessages.decodeResponse(parsed),
      raw: { dialect: 'anthropic-messages', body: raw },
    };
  }

  /** Every model id the key can use, following the pages the endpoint hands out. */
  async listModels(signal: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(MODELS_PAGE_SIZE) });
      if (after !== undefined) query.set('after_id', after);
      const response = await this.client.request({
        url: `${joinUrl(this.baseUrl, 'v1/models')}?${query}`,
        method: 'GET',
        headers: this.authHeaders(),
        signal,
        headersTimeoutMs: LIST_MODELS_TIMEOUT_MS,
        bodyTimeoutMs: LIST_MODELS_TIMEOUT_MS,
      });
      if (response.status >= 400) throw await this.failure(response, signal);
      const parsed = parseJsonLoose(await readBody(response, this.name, signal)) as {
        data?: Array<{ id?: unknown }>;
        has_more?: unknown;
        last_id?: unknown;
      };
      for (const model of parsed.data ?? []) if (typeof model.id === 'string') ids.push(model.id);
      const next = typeof parsed.last_id === 'string' ? parsed.last_id : undefined;
      if (parsed.has_more !== true || next === undefined || next === after) break;
      after = next;
    }
    return ids;
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

  private async failure(response: UpstreamResponse, signal: AbortSignal): Promise<GatewayError> {
    const body = await readBody(response, this.name, signal);
    return anthropicMessages.decodeError(response.status, parseJsonLoose(body), response.headers);
  }
}

export function createAnthropicProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new AnthropicProvider(config, context);
}
