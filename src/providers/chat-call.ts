import type { CancelSignal } from '../core/cancel.ts';
// The chat call every HTTP adapter makes: POST the codec's body, then turn the answer into a
// ChatResult. Adapters differ only in URL, credentials, request signing and stream framing.
import type { ChatRequest } from '../core/ir.ts';
import type { UpstreamDialect } from '../dialects/types.ts';
import { fillStartModel, withDeploymentModel } from './deployment-model.ts';
import { streamedBody, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from './http.ts';
import { sseParser } from './sse.ts';
import { decodeUpstreamStream, type UpstreamFraming } from './stream.ts';
import type { ChatResult, Deployment } from './types.ts';
import { readFailure, readJsonObject, readJsonValue } from './upstream-json.ts';

/** One chat call to an upstream that takes a JSON body over a plain (unsigned) POST. */
export interface ChatPost {
  url: string;
  /** Credentials and any extra headers; the content type and the accepted answer type are added. */
  headers: Record<string, string>;
  body: Record<string, unknown>;
  stream: boolean | undefined;
  target: Deployment;
  signal: CancelSignal;
}

/** POSTs a chat body, asking for SSE when the request streams and JSON (read whole) otherwise. */
export function postChat(client: UpstreamClient, post: ChatPost): Promise<UpstreamResponse> {
  const request: UpstreamRequest = {
    url: post.url,
    headers: {
      ...post.headers,
      'content-type': 'application/json',
      accept: post.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(post.body),
    signal: post.signal,
    headersTimeoutMs: post.target.timeoutMs,
    bodyTimeoutMs: post.target.timeoutMs,
  };
  return post.stream ? client.request(request) : client.requestWhole(request);
}

export interface ChatAnswer {
  codec: UpstreamDialect;
  provider: string;
  request: ChatRequest;
  target: Deployment;
  signal: CancelSignal;
  /**
   * Cohere, Gemini and Bedrock answers may not name the model: the deployment's stands in. Their
   * codecs also expect a JSON object, where the OpenAI and Anthropic codecs judge any JSON value.
   */
  upstreamOnlyCodec?: boolean;
  /** How the stream is framed; SSE unless said otherwise. */
  framing?: UpstreamFraming;
}

/**
 * An upstream's answer to a chat call as a ChatResult: a refusal thrown as the codec's GatewayError,
 * a stream decoded lazily, or a whole answer decoded with its raw bytes kept for same-dialect relays.
 */
export async function decodeChatAnswer(response: UpstreamResponse, answer: ChatAnswer): Promise<ChatResult> {
  const { codec, provider, target, signal } = answer;
  if (response.status >= 400) throw await readFailure(response, codec.decodeError, provider, signal);
  if (answer.request.stream) {
    const decoder = answer.upstreamOnlyCodec
      ? fillStartModel(codec.createStreamDecoder(), target.model)
      : codec.createStreamDecoder();
    const framing = answer.framing ?? sseParser;
    return {
      kind: 'stream',
      frames: decodeUpstreamStream(streamedBody(response), decoder, provider, signal, framing),
    };
  }
  if (answer.upstreamOnlyCodec) {
    const { raw, body } = await readJsonObject(response, provider, signal);
    return {
      kind: 'response',
      response: withDeploymentModel(codec.decodeResponse(body), target.model),
      raw: { dialect: codec.name, body: raw },
    };
  }
  const { raw, body } = await readJsonValue(response, provider, signal);
  return { kind: 'response', response: codec.decodeResponse(body), raw: { dialect: codec.name, body: raw } };
}
