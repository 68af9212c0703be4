import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../core/errors.ts';
import { openaiChat } from '../dialects/openai-chat.ts';
import { newContext } from '../pipeline/context.ts';
import type { KeySummary, ServerDeps } from './deps.ts';
import { credentialOf } from './http-utils.ts';
import { failRequest } from './respond.ts';

const createKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  role: z.enum(['admin', 'client']).default('client'),
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** Lifetime in seconds; the key stops working after it. */
  expires_in_seconds: z.number().int().positive().optional(),
});

/** `/admin/v1/*`: every route needs an admin key (the master key or a key with the admin role). */
export function registerAdminRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { authenticator, keys, clock } = deps;

  const admin = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const context = newContext(request.id, 'models', 'admin', clock.now());
      try {
        context.principal = authenticator.requireAdmin(credentialOf(request));
        return await handler(request, reply);
      } catch (error) {
        return failRequest(reply, context, error, openaiChat.encodeError, deps);
      }
    };
  };

  app.post(
    '/admin/v1/keys',
    admin(async (request, reply) => {
      const parsed = createKeyBody.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const param = issue?.path.join('.') || undefined;
        throw new GatewayError('invalid_request', `${param ?? 'body'}: ${issue?.message ?? 'invalid'}`, {
          ...(param ? { param } : {}),
          retryable: false,
        });
      }
      const body = parsed.data;
      const created = await keys.create({
        name: body.name,
        role: body.role,
        metadata: body.metadata,
        ...(body.expires_in_seconds ? { expiresAt: clock.now() + body.expires_in_seconds * 1000 } : {}),
      });
      return reply.code(201).send({ key: created.key, ...serialize(created.record) });
    }),
  );

  app.get(
    '/admin/v1/keys',
    admin(async (request, reply) => {
      const query = request.query as { include_revoked?: string };
      const list = await keys.list({ includeRevoked: query.include_revoked === 'true' });
      return reply.send({ object: 'list', data: list.map(serialize) });
    }),
  );

  app.delete(
    '/admin/v1/keys/:id',
    admin(async (request, reply) => {
      const { id } = request.params as { id: string };
      const revoked = await keys.revoke(id);
      if (!revoked)
        throw new GatewayError('not_found', `No key with id "${id}"`, { param: 'id', retryable: false });
      return reply.send({ id, revoked: true });
    }),
  );
}

function serialize(record: KeySummary) {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    role: record.role,
    metadata: record.metadata,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    last_used_at: record.lastUsedAt,
  };
}
