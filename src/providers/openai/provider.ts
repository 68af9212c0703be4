// OpenAI Chat Completions and Embeddings over HTTP: api.openai.com and every OpenAI-compatible server
// (vLLM, Ollama, LM Studio, Together, Groq, Fireworks, DeepSeek, xAI).
// API reference: https://platform.openai.com/docs/api-reference/chat/create and /embeddings/create
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { openaiChat } from '../../dialects/openai-chat.ts';
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from '../../dialects/openai-embeddings.ts';
import type { UpstreamDialect } from '../../dialects/types.ts';
import { decodeChatAnswer, postChat } from '../chat-call.ts';
import { joinUrl, parseJsonLoose, readBody, UpstreamClient } from '../http.ts';
import { getModelList } from '../model-list.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { OPENAI_BASE_URL, PRESETS } from './presets.ts';

/** Where and how an OpenAI-shaped API is reached; Azure OpenAI and Mistral reuse this with their own. */
export interface OpenAIEndpoint {
  chatUrl(model: string): string;
  embeddingsUrl(model: string): string;
  modelsUrl?: string;
  authHeaders(): Record<string, string> | Promise<Record<string, string>>;
  /** Whether the upstream reports usage in streams; if not, the body must not ask for it. */
  streamUsage: boolean;
  /** Removes fields the upstream rejects (a quirk), after encoding. */
  adjustBody?(body: Record<string, unknown>, request: ChatRequest): void;
}

export class OpenAIShapedProvider implements Provider {
  readonly dialect = 'openai-chat' as const;
  private readonly client: UpstreamClient;
  private readonly codec: UpstreamDialect = openaiChat;

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
    private readonly endpoint: OpenAIEndpoint,
  ) {
    this.client = new UpstreamClient(config, context.instanceId, context.dispatcher);
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    const body = this.codec.encodeRequest(request, target.model);
    if (request.stream && !this.endpoint.streamUsage) delete body.stream_options;
    this.endpoint.adjustBody?.(body, request);
    const response = await postChat(this.client, {
      url: this.endpoint.chatUrl(target.model),
      headers: await this.endpoint.authHeaders(),
      body,
      stream: request.stream,
      target,
      signal,
    });
    return decodeChatAnswer(response, { codec: this.codec, provider: this.name, request, target, signal });
  }

  async embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    const response = await this.client.requestWhole({
      url: this.endpoint.embeddingsUrl(target.model),
      headers: { ...(await this.endpoint.authHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify(encodeEmbeddingRequest(request, target.model)),
      signal,
      headersTimeoutMs: target.timeoutMs,
      bodyTimeoutMs: target.timeoutMs,
    });
    const raw = await readBody(response, this.name, signal);
    if (response.status >= 400)
      throw this.codec.decodeError(response.status, parseJsonLoose(raw), response.headers);
    return {
      response: decodeEmbeddingResponse(parseJsonLoose(raw)),
      raw: { dialect: 'openai-embeddings', body: raw },
    };
  }

  async listModels(signal: CancelSignal): Promise<string[]> {
    if (!this.endpoint.modelsUrl) return [];
    const response = await getModelList(this.client, {
      url: this.endpoint.modelsUrl,
      headers: await this.endpoint.authHeaders(),
      decodeError: this.codec.decodeError,
      provider: this.name,
      signal,
    });
    const parsed = parseJsonLoose(await readBody(response, this.name, signal)) as {
      data?: Array<{ id?: unknown }>;
    };
    return (parsed.data ?? []).map((model) => String(model.id));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** `openai` (api.openai.com unless base_url says otherwise) and `openai-compatible` (base_url or a preset). */
export function createOpenAIProvider(config: ProviderConfig, context: ProviderContext): Provider {
  const preset = config.preset ? PRESETS[config.preset] : undefined;
  if (config.preset && !preset) {
    throw new GatewayError(
      'invalid_request',
      `Provider "${config.name}": unknown preset "${config.preset}" (known: ${Object.keys(PRESETS).join(', ')})`,
    );
  }
  const baseUrl =
    config.base_url ?? preset?.baseUrl ?? (config.type === 'openai' ? OPENAI_BASE_URL : undefined);
  if (!baseUrl) {
    throw new GatewayError(
      'invalid_request',
      `Provider "${config.name}" of type openai-compatible needs base_url or a preset`,
    );
  }
  const apiKey = config.api_key;
  return new OpenAIShapedProvider(config, context, {
    chatUrl: () => joinUrl(baseUrl, 'chat/completions'),
    embeddingsUrl: () => joinUrl(baseUrl, 'embeddings'),
    modelsUrl: joinUrl(baseUrl, 'models'),
    authHeaders: (): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    streamUsage: preset?.streamUsage ?? true,
    adjustBody: preset && !preset.seed ? (body) => void delete body.seed : undefined,
  });
}
