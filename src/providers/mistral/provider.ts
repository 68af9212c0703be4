// Mistral AI's chat completions and embeddings (api.mistral.ai), an OpenAI-shaped API with quirks.
// Vendor documentation this adapter follows:
// - Chat completions (request fields, `random_seed`, `tool_choice: any`, finish reasons):
//   https://docs.mistral.ai/api/endpoint/chat
// - Embeddings (`output_dimension`, `output_dtype`, text input only):
//   https://docs.mistral.ai/api/endpoint/embeddings
// - Function calling (tool-call ids): https://docs.mistral.ai/capabilities/function_calling
// - Structured outputs (native `json_schema`): https://docs.mistral.ai/capabilities/structured-output
import type { ProviderConfig } from '../../config/schema.ts';
import type { CancelSignal } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest, EmbeddingRequest, FinishReason, StreamFrame } from '../../core/ir.ts';
import { joinUrl } from '../http.ts';
import { OpenAIShapedProvider } from '../openai/provider.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import { adjustMistralBody, mistralEmbeddingBody } from './quirks.ts';

export const MISTRAL_BASE_URL = 'https://api.mistral.ai/v1';

/**
 * Mistral's finish reasons beyond OpenAI's: `model_length` (the context window ran out) is a
 * truncation like `length`, and `error` is a failed generation. The OpenAI decoder reads both as
 * `stop`, so they are corrected here from the upstream's own words.
 */
const MISTRAL_FINISH: Record<string, FinishReason> = { model_length: 'length', error: 'error' };

export class MistralProvider implements Provider {
  readonly dialect = 'openai-chat' as const;
  private readonly inner: OpenAIShapedProvider;

  constructor(
    private readonly config: ProviderConfig,
    context: ProviderContext,
  ) {
    const baseUrl = config.base_url ?? MISTRAL_BASE_URL;
    const apiKey = config.api_key;
    this.inner = new OpenAIShapedProvider(config, context, {
      chatUrl: () => joinUrl(baseUrl, 'chat/completions'),
      embeddingsUrl: () => joinUrl(baseUrl, 'embeddings'),
      modelsUrl: joinUrl(baseUrl, 'models'),
      authHeaders: (): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      // Mistral ends every stream with a usage chunk and rejects `stream_options`.
      streamUsage: false,
      adjustBody: adjustMistralBody,
    });
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    const result = await this.inner.chat(request, target, signal);
    if (result.kind === 'stream') return { kind: 'stream', frames: withMistralFinish(result.frames) };
    if (result.response.finishReason === 'stop' && result.raw) {
      const reason = mistralFinish(result.raw.body.toString('utf8'));
      if (reason) return { ...result, response: { ...result.response, finishReason: reason } };
    }
    return result;
  }

  async embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    if (request.input.some((item) => typeof item !== 'string')) {
      throw new GatewayError('invalid_request', 'input: Mistral embeddings take text, not token ids', {
        param: 'input',
        retryable: false,
      });
    }
    // The OpenAI encoder forwards an OpenAI client's body as written; Mistral wants it reshaped.
    const reshaped: EmbeddingRequest = {
      ...request,
      source: { ...request.source, body: mistralEmbeddingBody(request.source.body) },
    };
    return this.inner.embed(reshaped, target, signal);
  }

  listModels(signal: CancelSignal): Promise<string[]> {
    return this.inner.listModels(signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function createMistralProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new MistralProvider(config, context);
}

async function* withMistralFinish(frames: AsyncIterable<StreamFrame>): AsyncGenerator<StreamFrame> {
  for await (const frame of frames) {
    const finish = frame.events.find((event) => event.type === 'finish');
    const reason =
      finish?.type === 'finish' && finish.reason === 'stop' ? mistralFinish(frame.raw?.data) : undefined;
    if (!reason) {
      yield frame;
      continue;
    }
    yield {
      ...frame,
      events: frame.events.map((event) => (event === finish ? { ...event, reason } : event)),
    };
  }
}

/** The IR finish reason for a Mistral-only `finish_reason` in a response or chunk, if it has one. */
function mistralFinish(json: string | undefined): FinishReason | undefined {
  // Cheap test first: almost every answer ends with a plain `stop`.
  if (json === undefined || !(json.includes('model_length') || json.includes('"error"'))) return undefined;
  try {
    const parsed = JSON.parse(json) as { choices?: Array<{ finish_reason?: unknown }> };
    const reason = parsed.choices?.[0]?.finish_reason;
    return typeof reason === 'string' ? MISTRAL_FINISH[reason] : undefined;
  } catch {
    return undefined;
  }
}
