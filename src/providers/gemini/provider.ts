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
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { gemini } from '../../dialects/gemini.ts';
import { fillStartModel, withDeploymentModel } from '../deployment-model.ts';
import { embeddingTexts, formatVectors, inBatches, inputTypeOf } from '../embedding-support.ts';
import { UpstreamClient } from '../http.ts';
import { decodeSseStream } from '../stream.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { readFailure, readJsonObject } from '../upstream-json.ts';
import {
  AI_STUDIO_BATCH,
  batchEmbedBody,
  decodeBatchEmbed,
  decodeVertexPredict,
  type Embedded,
  GEMINI_TASK_TYPES,
  vertexBatchSize,
  vertexPredictBody,
} from './embeddings.ts';
import { type GeminiEndpoint, geminiEndpoint } from './endpoint.ts';

/** A misbehaving upstream must not keep the pager going forever. */
const MAX_MODEL_PAGES = 50;
const LIST_MODELS_TIMEOUT_MS = 30_000;
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

  async chat(request: ChatRequest, target: Deployment, signal: AbortSignal): Promise<ChatResult> {
    const response = await this.client.request({
      url: this.endpoint.chatUrl(target.model, request.stream),
      headers: {
        ...this.endpoint.authHeaders(),
        'content-type': 'application/json',
        accept: request.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(gemini.encodeRequest(request, target.model)),
      signal,
      headersTimeoutMs: target.timeoutMs,
      bodyTimeoutMs: target.timeoutMs,
    });
    if (response.status >= 400) throw await readFailure(response, gemini.decodeError, this.name, signal);
    if (request.stream) {
      const decoder = fillStartModel(gemini.createStreamDecoder(), target.model);
      return { kind: 'stream', frames: decodeSseStream(response.body, decoder, this.name, signal) };
    }
    const { raw, body } = await readJsonObject(response, this.name, signal);
    return {
      kind: 'response',
      response: withDeploymentModel(gemini.decodeResponse(body), target.model),
      raw: { dialect: 'gemini', body: raw },
    };
  }

  async embed(request: EmbeddingRequest, target: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
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
      const response = await this.client.request({
        url: this.endpoint.embedUrl(target.model),
        headers: { ...this.endpoint.authHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify(vertex ? vertexPredictBody(batch, options) : batchEmbedBody(batch, options)),
        signal,
        headersTimeoutMs: target.timeoutMs,
        bodyTimeoutMs: target.timeoutMs,
      });
      if (response.status >= 400) throw await readFailure(response, gemini.decodeError, this.name, signal);
      const { body } = await readJsonObject(response, this.name, signal);
      return [vertex ? decodeVertexPredict(body, batch) : decodeBatchEmbed(body, batch)];
    });
    return {
      response: {
        model: target.model,
        data: formatVectors(
          results.flatMap((result: Embedded) => result.vectors),
          request.encodingFormat,
        ),
        usage: { inputTokens: results.reduce((sum, result) => sum + result.inputTokens, 0) },
      },
    };
  }

  /** Model ids (without the `models/` prefix), following the pages the endpoint hands out. */
  async listModels(signal: AbortSignal): Promise<string[]> {
    const modelsUrl = this.endpoint.modelsUrl;
    if (!modelsUrl) return [];
    const ids: string[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const response = await this.client.request({
        url: modelsUrl(pageToken),
        method: 'GET',
        headers: this.endpoint.authHeaders(),
        signal,
        headersTimeoutMs: LIST_MODELS_TIMEOUT_MS,
        bodyTimeoutMs: LIST_MODELS_TIMEOUT_MS,
      });
      if (response.status >= 400) throw await readFailure(response, gemini.decodeError, this.name, signal);
      const { body } = await readJsonObject(response, this.name, signal);
      for (const model of Array.isArray(body.models) ? body.models : []) {
        const name = (model as { name?: unknown } | null)?.name;
        if (typeof name === 'string') ids.push(name.replace(/^models\//, ''));
      }
      const next =
        typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
      if (next === undefined || next === pageToken) break;
      pageToken = next;
    }
    return ids;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createGeminiProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new GeminiProvider(config, context, geminiEndpoint(config));
}
