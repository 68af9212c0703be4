/**
 * The emulator in-process: the engine behind the Provider interface, with no HTTP in between. This is
 * what `npm start` serves with no configuration. (A provider of type `emulator` with a `base_url` is a
 * remote `switchyard emulate` server, reached through the OpenAI-compatible provider instead.)
 */
import type { ProviderConfig } from '../../config/schema.ts';
import { type CancelSignal, cancellableSleep } from '../../core/cancel.ts';
import { GatewayError } from '../../core/errors.ts';
import type {
  ChatRequest,
  ChatResponse,
  ContentPart,
  EmbeddingRequest,
  StreamEvent,
  StreamFrame,
  Usage,
} from '../../core/ir.ts';
import { upstreamFailure } from '../http.ts';
import type { ChatResult, Deployment, EmbeddingResult, Provider, ProviderContext } from '../types.ts';
import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  embeddingInputTokens,
  embeddingVector,
  vectorToBase64,
  vectorToNumbers,
} from './embeddings.ts';
import {
  BUILT_IN_MODELS,
  type EngineMessage,
  type EngineRequest,
  type EngineResult,
  type EngineToolChoice,
  generate,
} from './engine.ts';

export function createEmulatorProvider(config: ProviderConfig, context: ProviderContext): Provider {
  return new EmulatorProvider(config, context);
}

const ID_PREFIX = `chatcmpl-emu${Date.now().toString(36)}`;

class EmulatorProvider implements Provider {
  readonly dialect = 'openai-chat' as const;
  private readonly ttftMs: number;
  private readonly intervalMs: number;
  private responses = 0;

  constructor(
    private readonly config: ProviderConfig,
    private readonly context: ProviderContext,
  ) {
    this.ttftMs = config.emulator?.ttft_ms ?? 0;
    const speed = config.emulator?.tokens_per_second ?? 0;
    this.intervalMs = speed > 0 ? 1000 / speed : 0;
  }

  get name(): string {
    return this.config.name;
  }

  get type() {
    return this.config.type;
  }

  async chat(request: ChatRequest, target: Deployment, signal: CancelSignal): Promise<ChatResult> {
    this.throwIfAborted(signal);
    const result = generate(toEngineRequest(request, target.model));
    this.responses++;
    const meta = {
      id: `${ID_PREFIX}${this.responses.toString(36).padStart(8, '0')}`,
      model: target.model,
      created: Math.floor(this.context.clock.now() / 1000),
    };
    if (request.stream) return { kind: 'stream', frames: this.frames(result, meta, signal) };
    await this.pause(this.ttftMs + Math.max(0, result.usage.completionTokens - 1) * this.intervalMs, signal);
    return { kind: 'response', response: toChatResponse(result, meta) };
  }

  async embed(request: EmbeddingRequest, target: Deployment, signal: CancelSignal): Promise<EmbeddingResult> {
    this.throwIfAborted(signal);
    const dimensions = request.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    let inputTokens = 0;
    const data = request.input.map((input) => {
      inputTokens += embeddingInputTokens(input);
      const vector = embeddingVector(target.model, input, dimensions);
      return request.encodingFormat === 'base64' ? vectorToBase64(vector) : vectorToNumbers(vector);
    });
    return { response: { model: target.model, data, usage: { inputTokens } } };
  }

  async listModels(): Promise<string[]> {
    return [...new Set([...BUILT_IN_MODELS, ...this.config.models])];
  }

  /**
   * The answer as IR frames: start after the time to first token, then one frame per token on a
   * schedule of the configured speed, then finish and usage. Stops (throwing) when `signal` aborts.
   */
  private async *frames(
    result: EngineResult,
    meta: { id: string; model: string; created: number },
    signal: CancelSignal,
  ): AsyncGenerator<StreamFrame> {
    await this.pause(this.ttftMs, signal);
    const start = performance.now();
    let tokens = 0;
    const token = async (event: StreamEvent): Promise<StreamFrame> => {
      if (this.intervalMs > 0) await this.pause(start + tokens * this.intervalMs - performance.now(), signal);
      else this.throwIfAborted(signal);
      tokens++;
      return { events: [event] };
    };
    yield { events: [{ type: 'start', id: meta.id, model: meta.model, created: meta.created }] };
    for (const text of result.reasoning) yield await token({ type: 'reasoning', text });
    for (const text of result.text) yield await token({ type: 'text', text });
    for (const [index, call] of result.toolCalls.entries()) {
      yield { events: [{ type: 'tool_call_start', index, id: call.id, name: call.name }] };
      for (const fragment of call.fragments)
        yield await token({ type: 'tool_call_delta', index, argumentsDelta: fragment });
      yield { events: [{ type: 'tool_call_end', index }] };
    }
    this.throwIfAborted(signal);
    yield { events: [finishEvent(result), { type: 'usage', usage: toUsage(result) }] };
  }

  private async pause(ms: number, signal: CancelSignal): Promise<void> {
    if (ms < 1) return this.throwIfAborted(signal);
    await cancellableSleep(ms, signal, (reason) => upstreamFailure(reason, this.name, signal));
  }

  private throwIfAborted(signal: CancelSignal): void {
    if (signal.aborted) throw upstreamFailure(signal.reason, this.name, signal);
  }
}

/** The IR request as the engine's neutral input. Tool results become tool messages wherever they sit. */
export function toEngineRequest(request: ChatRequest, model: string): EngineRequest {
  const messages: EngineMessage[] = [];
  const system = request.system.map((part) => part.text).join('\n');
  if (system.length > 0) messages.push({ role: 'system', text: system });
  for (const message of request.messages) {
    const texts: string[] = [];
    let images = 0;
    const toolCalls: NonNullable<EngineMessage['toolCalls']> = [];
    for (const part of message.content) {
      if (part.type === 'text') texts.push(part.text);
      else if (part.type === 'image') images++;
      else if (part.type === 'tool_call')
        toolCalls.push({ id: part.id, name: part.name, arguments: part.arguments });
      else if (part.type === 'tool_result') {
        const text = part.content.map((inner) => (inner.type === 'text' ? inner.text : '')).join('\n');
        messages.push({ role: 'tool', text, toolCallId: part.toolCallId });
      }
    }
    const hasOwnContent = texts.length > 0 || images > 0 || toolCalls.length > 0;
    if (!hasOwnContent && message.content.some((part) => part.type === 'tool_result')) continue;
    const engineMessage: EngineMessage = { role: message.role, text: texts.join('\n') };
    if (images > 0) engineMessage.images = images;
    if (toolCalls.length > 0) engineMessage.toolCalls = toolCalls;
    messages.push(engineMessage);
  }
  const tools = (request.tools ?? []).map((tool) =>
    tool.description === undefined
      ? { name: tool.name, parameters: tool.parameters }
      : { name: tool.name, description: tool.description, parameters: tool.parameters },
  );
  const engine: EngineRequest = {
    model,
    messages,
    tools,
    toolChoice: toolChoiceOf(
      request,
      tools.map((tool) => tool.name),
    ),
    parallelToolCalls: request.parallelToolCalls ?? true,
    responseFormat:
      request.responseFormat?.type === 'json_schema'
        ? { type: 'json_schema', schema: request.responseFormat.schema }
        : { type: request.responseFormat?.type ?? 'text' },
    stop: request.stop ?? [],
  };
  if (request.maxOutputTokens !== undefined) engine.maxTokens = request.maxOutputTokens;
  if (request.seed !== undefined) engine.seed = request.seed;
  return engine;
}

function toolChoiceOf(request: ChatRequest, names: string[]): EngineToolChoice {
  const choice = request.toolChoice;
  if (!choice) return 'auto';
  if (choice.type !== 'tool') return choice.type;
  if (!names.includes(choice.name)) {
    throw new GatewayError(
      'invalid_request',
      `tool_choice names "${choice.name}", which is not among the tools`,
      {
        param: 'tool_choice',
      },
    );
  }
  return { name: choice.name };
}

function toChatResponse(
  result: EngineResult,
  meta: { id: string; model: string; created: number },
): ChatResponse {
  const content: ContentPart[] = [];
  if (result.reasoning.length > 0) content.push({ type: 'reasoning', text: result.reasoning.join('') });
  if (result.toolCalls.length === 0) content.push({ type: 'text', text: result.text.join('') });
  for (const call of result.toolCalls) {
    content.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments });
  }
  const response: ChatResponse = {
    id: meta.id,
    model: meta.model,
    created: meta.created,
    content,
    finishReason: result.finishReason,
    usage: toUsage(result),
    extra: {},
  };
  if (result.stopSequence !== undefined) response.stopSequence = result.stopSequence;
  return response;
}

function finishEvent(result: EngineResult): StreamEvent {
  return result.stopSequence === undefined
    ? { type: 'finish', reason: result.finishReason }
    : { type: 'finish', reason: result.finishReason, stopSequence: result.stopSequence };
}

function toUsage(result: EngineResult): Usage {
  return {
    inputTokens: result.usage.promptTokens,
    outputTokens: result.usage.completionTokens,
    cacheReadTokens: result.usage.cachedTokens,
    cacheWriteTokens: result.usage.cacheWriteTokens,
    reasoningTokens: result.usage.reasoningTokens,
  };
}
