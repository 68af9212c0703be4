import type { Dispatcher } from 'undici';
import type { ProviderConfig, ProviderType } from '../config/schema.ts';
import type { CancelSignal } from '../core/cancel.ts';
import type { Clock } from '../core/clock.ts';
import type {
  ChatRequest,
  ChatResponse,
  DialectName,
  EmbeddingRequest,
  EmbeddingResponse,
  StreamFrame,
} from '../core/ir.ts';

/** A resolved target: which provider, which upstream model, and the limits for this attempt. */
export interface Deployment {
  provider: ProviderConfig;
  /** The model name the upstream knows. */
  model: string;
  region?: string;
  /** Per-attempt timeout (headers and the whole body of a non-streamed answer). */
  timeoutMs: number;
}

/** A non-streamed answer, and the upstream's own bytes for a same-dialect relay. */
export interface ChatResponseResult {
  kind: 'response';
  response: ChatResponse;
  raw?: { dialect: DialectName; body: Buffer };
}

/**
 * A streamed answer. `chat()` resolves once the upstream accepted the request (status 2xx), so an
 * upstream refusal is an error the router can still retry; after that, failures surface as the
 * iterator throwing a GatewayError.
 */
export interface ChatStreamResult {
  kind: 'stream';
  frames: AsyncIterable<StreamFrame>;
}

export type ChatResult = ChatResponseResult | ChatStreamResult;

export interface EmbeddingResult {
  response: EmbeddingResponse;
  raw?: { dialect: 'openai-embeddings'; body: Buffer };
}

/** One per configured provider; stateless apart from connection pools. Errors are GatewayErrors. */
export interface Provider {
  readonly name: string;
  readonly type: ProviderType;
  /** The wire format the upstream speaks, for same-dialect pass-through. */
  readonly dialect: DialectName;
  chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult>;
  embed?(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult>;
  /** The model ids the upstream reports (its models endpoint). */
  listModels?(signal: CancelSignal): Promise<string[]>;
  close?(): Promise<void>;
}

export interface ProviderContext {
  clock: Clock;
  /** Sent upstream as `x-switchyard-hop` so a gateway configured to call itself is caught. */
  instanceId: string;
  /** Overrides the HTTP dispatcher (tests). */
  dispatcher?: Dispatcher;
  /**
   * The most output tokens an upstream model allows (from the catalog), for APIs that require a
   * limit on every request (Anthropic's `max_tokens`) when the client gave none.
   */
  defaultMaxTokens?: (model: string) => number | undefined;
}

export type ProviderFactory = (config: ProviderConfig, context: ProviderContext) => Provider;
