import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openaiChat } from '../dialects/openai-chat.ts';
import { decodeEmbeddingRequest, encodeEmbeddingResponse } from '../dialects/openai-embeddings.ts';
import { newContext } from '../pipeline/context.ts';
import type { ServerDeps } from './deps.ts';
import { clientAbortSignal, credentialOf, setRoutingHeaders, tagsOf } from './http-utils.ts';
import { failRequest } from './respond.ts';
import { writeStream } from './stream-writer.ts';

/** The OpenAI-compatible surface: chat completions, embeddings, models. */
export function registerOpenAIRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { gateway, authenticator, clock } = deps;

  app.post('/v1/chat/completions', async (request: FastifyRequest, reply: FastifyReply) => {
    const context = newContext(request.id, 'chat', 'openai-chat', clock.now());
    context.tags = tagsOf(request);
    const abort = clientAbortSignal(reply, context);
    try {
      context.principal = authenticator.authenticate(credentialOf(request));
      const chat = openaiChat.decodeRequest(request.body);
      const outcome = await gateway.chat(context, chat, abort.signal);
      if (outcome.kind === 'stream') {
        reply.hijack();
        const encoder = openaiChat.createStreamEncoder({
          request: chat,
          usageExtension: deps.usageExtension?.(context),
        });
        setRoutingHeaders(reply, context);
        await writeStream(
          reply.raw,
          reply.getHeaders() as Record<string, string>,
          outcome.frames,
          encoder,
          context,
        );
        return;
      }
      deps.beforeSend?.(context);
      setRoutingHeaders(reply, context);
      reply.header('content-type', 'application/json');
      if (outcome.raw?.dialect === 'openai-chat') return reply.send(outcome.raw.body);
      return reply.send(JSON.stringify(openaiChat.encodeResponse(outcome.response, chat)));
    } catch (error) {
      return failRequest(reply, context, error, openaiChat.encodeError, deps);
    } finally {
      gateway.complete(context);
    }
  });

  app.post('/v1/embeddings', async (request: FastifyRequest, reply: FastifyReply) => {
    const context = newContext(request.id, 'embeddings', 'openai-embeddings', clock.now());
    context.tags = tagsOf(request);
    const abort = clientAbortSignal(reply, context);
    try {
      context.principal = authenticator.authenticate(credentialOf(request));
      const embedding = decodeEmbeddingRequest(request.body);
      const result = await gateway.embed(context, embedding, abort.signal);
      deps.beforeSend?.(context);
      setRoutingHeaders(reply, context);
      reply.header('content-type', 'application/json');
      if (result.raw) return reply.send(result.raw.body);
      return reply.send(JSON.stringify(encodeEmbeddingResponse(result.response)));
    } catch (error) {
      return failRequest(reply, context, error, openaiChat.encodeError, deps);
    } finally {
      gateway.complete(context);
    }
  });

  app.get('/v1/models', async (request: FastifyRequest, reply: FastifyReply) => {
    const context = newContext(request.id, 'models', 'openai-chat', clock.now());
    try {
      context.principal = authenticator.authenticate(credentialOf(request));
      const created = Math.floor(deps.startedAt / 1000);
      const data = gateway.routes.list().map((route) => ({
        id: route.name,
        object: 'model',
        created,
        owned_by: 'switchyard',
        ...deps.modelExtension?.(route),
      }));
      return reply.send({ object: 'list', data });
    } catch (error) {
      return failRequest(reply, context, error, openaiChat.encodeError, deps);
    }
  });

  app.get(
    '/v1/models/:model',
    async (request: FastifyRequest<{ Params: { model: string } }>, reply: FastifyReply) => {
      const context = newContext(request.id, 'models', 'openai-chat', clock.now());
      try {
        context.principal = authenticator.authenticate(credentialOf(request));
        const route = gateway.resolveRoute(context, request.params.model);
        return reply.send({
          id: route.name,
          object: 'model',
          created: Math.floor(deps.startedAt / 1000),
          owned_by: 'switchyard',
          ...deps.modelExtension?.(route),
        });
      } catch (error) {
        return failRequest(reply, context, error, openaiChat.encodeError, deps);
      }
    },
  );
}
