// AWS Bedrock Runtime: Converse and ConverseStream for chat, InvokeModel for embeddings.
// Vendor documentation this adapter follows:
// - Converse: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// - ConverseStream (binary event stream): https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
// - InvokeModel: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
// - Endpoints (`bedrock-runtime.{region}.amazonaws.com`): https://docs.aws.amazon.com/general/latest/gr/bedrock.html
// - Signature Version 4 and Bedrock API keys: see auth.ts
// - Errors (x-amzn-errortype): https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
// Converse answers carry neither an id nor the model; the deployment's model is filled in.
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest } from '../../core/ir.ts';
import { bedrockConverse } from '../../dialects/bedrock-converse.ts';
import { decodeChatAnswer } from '../chat-call.ts';
import { COHERE_INPUT_TYPES } from '../cohere/embeddings.ts';
import {
  embeddingTexts,
  estimateTokens,
  inBatches,
  inputTypeOf,
  joinEmbeddedBatches,
} from '../embedding-support.ts';
import { joinUrl, UpstreamClient, type UpstreamResponse } from '../http.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { readFailure, readJsonObject } from '../upstream-json.ts';
import { type BedrockAuth, bedrockAuth } from './auth.ts';
import { batchSize, embeddingFamily, invokeBody, invokeVectors, reportedInputTokens } from './embeddings.ts';
import { eventStreamParser } from './event-stream.ts';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';
/** Titan takes one text per request: that many requests are in flight at once. */
const PARALLEL_REQUESTS = 4;

export function bedrockRuntimeUrl(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

export class BedrockProvider implements Provider {
  readonly dialect = 'bedrock-converse' as const;
  private readonly client: UpstreamClient;
  private readonly baseUrl: string;
  private readonly auth: BedrockAuth;

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
  ) {
    const region = config.aws_region;
    if (!region) {
      throw new GatewayError('invalid_request', `Provider "${config.name}" of type bedrock needs aws_region`);
    }
    this.auth = bedrockAuth(config, region, context.clock);
    this.baseUrl = config.base_url ?? bedrockRuntimeUrl(region);
    this.client = new UpstreamClient(config, context.instanceId, context.dispatcher);
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    const action = request.stream ? 'converse-stream' : 'converse';
    const response = await this.post(
      target,
      action,
      bedrockConverse.encodeRequest(request, target.model),
      request.stream ? EVENT_STREAM_CONTENT_TYPE : 'application/json',
      signal,
    );
    return decodeChatAnswer(response, {
      codec: bedrockConverse,
      provider: this.name,
      request,
      target,
      signal,
      upstreamOnlyCodec: true,
      framing: eventStreamParser,
    });
  }

  async embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    const family = embeddingFamily(target.model);
    const texts = embeddingTexts(request, this.name);
    const inputType = family === 'cohere' ? inputTypeOf(request, COHERE_INPUT_TYPES) : undefined;
    const results = await inBatches(texts, batchSize(family), PARALLEL_REQUESTS, async (batch) => {
      const body = invokeBody(family, batch, inputType, request.dimensions);
      const response = await this.post(target, 'invoke', body, 'application/json', signal);
      if (response.status >= 400)
        throw await readFailure(response, bedrockConverse.decodeError, this.name, signal);
      const answer = await readJsonObject(response, this.name, signal);
      // Neither count present (an older Cohere deployment): an o200k ESTIMATE stands in.
      const inputTokens = reportedInputTokens(answer.body, response.headers) ?? estimateTokens(batch);
      return [{ vectors: invokeVectors(family, answer.body, batch.length), inputTokens }];
    });
    return joinEmbeddedBatches(target.model, results, request.encodingFormat);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** A signed POST to `/model/{modelId}/{action}`; the model id may hold `:` and `/` (ARNs). */
  private async post(
    target: Deployment,
    action: 'converse' | 'converse-stream' | 'invoke',
    body: Record<string, unknown>,
    accept: string,
    signal: CancelSignal,
  ): Promise<UpstreamResponse> {
    const url = joinUrl(this.baseUrl, `model/${encodeURIComponent(target.model)}/${action}`);
    const text = JSON.stringify(body);
    const headers = await this.auth({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept },
      body: text,
    });
    const request = {
      url,
      headers,
      body: text,
      signal,
      headersTimeoutMs: target.timeoutMs,
      bodyTimeoutMs: target.timeoutMs,
    };
    return action === 'converse-stream' ? this.client.request(request) : this.client.requestWhole(request);
  }
}

export function createBedrockProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new BedrockProvider(config, context);
}
