// Google Gemini: the Gemini API (Google AI Studio) or Gemini on Vertex AI; see endpoint.ts.
// Vendor documentation this adapter follows:
// - generateContent / streamGenerateContent (`?alt=sse`): https://ai.google.dev/api/generate-content
// - API keys in the `x-goog-api-key` header: https://ai.google.dev/gemini-api/docs/api-key
// - Embeddings (batchEmbedContents, TaskType): https://ai.google.dev/api/embeddings
// - Models (models.list, pageSize / pageToken / nextPageToken): https://ai.google.dev/api/models
// - Vertex AI generateContent: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
// - Vertex AI text embeddings (`:predict`): https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
// - Errors: https://ai.google.dev/gemini-api/docs/troubleshooting
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { gemini } from '../../dialects/gemini.ts';
import { decodeChatAnswer, postChat } from '../chat-call.ts';
import { embeddingTexts, inBatches, inputTypeOf, joinEmbeddedBatches } from '../embedding-support.ts';
import { UpstreamClient } from '../http.ts';
import { collectModelPages, getModelList } from '../model-list.ts';
import { forgetTokenOnRefusal } from '../oauth-token.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { readFailure, readJsonObject } from '../upstream-json.ts';
import {
  AI_STUDIO_BATCH,
  batchEmbedBody,
  decodeBatchEmbed,
  decodeVertexPredict,
  GEMINI_TASK_TYPES,
  vertexBatchSize,
  vertexPredictBody,
} from './embeddings.ts';
import { type GeminiEndpoint, geminiEndpoint } from './endpoint.ts';

/** Embedding batches sent at once. */
const PARALLEL_BATCHES = 4;

export class GeminiProvider implements Provider {
  readonly dialect = 'gemini' as const;
  private readonly client: UpstreamClient;

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
    private readonly endpoint: GeminiEndpoint,
  ) {
    this.client = new UpstreamClient(config, context.instanceId, context.dispatcher);
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  // A fetched token Vertex AI refuses (revoked, or a clock was off) is dropped so the next call gets a new one.
  chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    return forgetTokenOnRefusal(this.endpoint.tokens, () => this.postChat(request, target, signal));
  }

  embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    return forgetTokenOnRefusal(this.endpoint.tokens, () => this.postEmbeddings(request, target, signal));
  }

  private async postChat(
    request: ChatRequest,
    target: Deployment,
    signal: CancelSignal,
  ): Promise<ChatResult> {
    const response = await postChat(this.client, {
      url: this.endpoint.chatUrl(target.model, request.stream),
      headers: await this.endpoint.authHeaders(),
      body: gemini.encodeRequest(request, target.model),
      stream: request.stream,
      target,
      signal,
    });
    return decodeChatAnswer(response, {
      codec: gemini,
      provider: this.name,
      request,
      target,
      signal,
      upstreamOnlyCodec: true,
    });
  }

  private async postEmbeddings(
    request: EmbeddingRequest,
    target: Deployment,
    signal: CancelSignal,
  ): Promise<EmbeddingResult> {
    const texts = embeddingTexts(request, this.name);
    const inputType = inputTypeOf(
      request,
      Object.keys(GEMINI_TASK_TYPES) as Array<keyof typeof GEMINI_TASK_TYPES>,
    );
    const options = {
      model: target.model,
      ...(inputType ? { taskType: GEMINI_TASK_TYPES[inputType] } : {}),
      ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    };
    const vertex = this.endpoint.kind === 'vertex';
    const size = vertex ? vertexBatchSize(target.model) : AI_STUDIO_BATCH;
    const results = await inBatches(texts, size, PARALLEL_BATCHES, async (batch) => {
      const response = await this.client.requestWhole({
        url: this.endpoint.embedUrl(target.model),
        headers: { ...(await this.endpoint.authHeaders()), 'content-type': 'application/json' },
        body: JSON.stringify(vertex ? vertexPredictBody(batch, options) : batchEmbedBody(batch, options)),
        signal,
        headersTimeoutMs: target.timeoutMs,
        bodyTimeoutMs: target.timeoutMs,
      });
      if (response.status >= 400) throw await readFailure(response, gemini.decodeError, this.name, signal);
      const { body } = await readJsonObject(response, this.name, signal);
      return [vertex ? decodeVertexPredict(body, batch) : decodeBatchEmbed(body, batch)];
    });
    return joinEmbeddedBatches(target.model, results, request.encodingFormat);
  }

  /** Model ids (without the `models/` prefix), following the pages the endpoint hands out. */
  async listModels(signal: CancelSignal): Promise<string[]> {
    const modelsUrl = this.endpoint.modelsUrl;
    if (!modelsUrl) return [];
    return collectModelPages(async (pageToken) => {
      const response = await getModelList(this.client, {
        url: modelsUrl(pageToken),
        headers: await this.endpoint.authHeaders(),
        decodeError: gemini.decodeError,
        provider: this.name,
        signal,
      });
      const { body } = await readJsonObject(response, this.name, signal);
      const ids: string[] = [];
      for (const model of Array.isArray(body.models) ? body.models : []) {
        const name = (model as { name?: unknown } | null)?.name;
        if (typeof name === 'string') ids.push(name.replace(/^models\//, ''));
      }
      const next =
        typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
      return { ids, next };
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createGeminiProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new GeminiProvider(config, context, geminiEndpoint(config, context));
}
