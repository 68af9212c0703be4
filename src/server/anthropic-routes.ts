import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChatRequest } from '../core/ir.ts';
import { anthropicMessages } from '../dialects/anthropic-messages.ts';
import { countRequestTokens } from '../metering/tokens.ts';
import { newContext } from '../pipeline/context.ts';
import type { ServerDeps } from './deps.ts';
import { clientAbortSignal, credentialOf, setRoutingHeaders, tagsOf } from './http-utils.ts';
import { failRequest } from './respond.ts';
import { writeStream } from './stream-writer.ts';

/** Client headers an Anthropic upstream honours; forwarded only to same-dialect upstreams. */
const FORWARDED_HEADERS = ['anthropic-beta'];

/**
 * The Anthropic-compatible surface: `POST /v1/messages` against any route (Anthropic upstreams get
 * the client's request untouched; others get it translated) and `POST /v1/messages/count_tokens`.
 */
export function registerAnthropicRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { gateway, authenticator, clock } = deps;

  app.post('/v1/messages', async (request: FastifyRequest, reply: FastifyReply) => {
    const context = newContext(request.id, 'chat', 'anthropic-messages', clock.now());
    context.tags = tagsOf(request);
    const abort = clientAbortSignal(reply, context);
    try {
      context.principal = authenticator.authenticate(credentialOf(request));
      const chat = withForwardedHeaders(anthropicMessages.decodeRequest(request.body), request);
      const outcome = await gateway.chat(context, chat, abort.signal);
      if (outcome.kind === 'stream') {
        reply.hijack();
        const encoder = anthropicMessages.createStreamEncoder({
          request: chat,
          usageExtension: deps.usageExtension?.(context),
        });
        setRoutingHeaders(reply, context);
        const headers = reply.getHeaders() as Record<string, string>;
        await writeStream(reply.raw, headers, outcome.frames, encoder, context);
        return;
      }
      deps.beforeSend?.(context);
      setRoutingHeaders(reply, context);
      reply.header('content-type', 'application/json');
      if (outcome.raw?.dialect === 'anthropic-messages') return reply.send(outcome.raw.body);
      return reply.send(JSON.stringify(anthropicMessages.encodeResponse(outcome.response, chat)));
    } catch (error) {
      return failRequest(reply, context, error, anthropicMessages.encodeError, deps);
    } finally {
      gateway.complete(context);
    }
  });

  app.post('/v1/messages/count_tokens', async (request: FastifyRequest, reply: FastifyReply) => {
    const context = newContext(request.id, 'count_tokens', 'anthropic-messages', clock.now());
    try {
      context.principal = authenticator.authenticate(credentialOf(request));
      // count_tokens bodies have no max_tokens; decode them as a message request that has one.
      const body =
        request.body && typeof request.body === 'object'
          ? { max_tokens: 1, ...(request.body as object) }
          : request.body;
      const chat = anthropicMessages.decodeRequest(body);
      gateway.resolveRoute(context, chat.model);
      return reply.send({ input_tokens: countRequestTokens(chat) });
    } catch (error) {
      return failRequest(reply, context, error, anthropicMessages.encodeError, deps);
    }
  });
}

function withForwardedHeaders(chat: ChatRequest, request: FastifyRequest): ChatRequest {
  let headers: Record<string, string> | undefined;
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string' && value.length > 0) (headers ??= {})[name] = value;
  }
  if (headers) chat.headers = headers;
  return chat;
}
