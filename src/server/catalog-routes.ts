/**
 * The catalog API: browse, compare, estimate and find cheaper models (any valid key), and refresh
 * prices at run time (admin keys). Errors are in the OpenAI error shape, like the rest of `/v1`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from '../catalog/catalog.ts';
import type { CatalogSyncOutcome } from '../catalog/live.ts';
import {
  matchingEntries,
  wireAlternatives,
  wireCatalogInfo,
  wireCompared,
  wireEntry,
  wireEstimate,
  wireSyncOutcome,
} from '../catalog/wire.ts';
import type { Clock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { openaiChat } from '../dialects/openai-chat.ts';
import type { Authenticator } from '../identity/authenticator.ts';
import { newContext } from '../pipeline/context.ts';
import {
  alternativesQuery,
  compareBody,
  type EstimateBody,
  estimateBody,
  parseInput,
  parseListQuery,
  syncBody,
} from './catalog-requests.ts';
import { credentialOf } from './http-utils.ts';
import { failRequest } from './respond.ts';

export interface CatalogRouteDeps {
  /** A getter: a sync replaces the catalog while the gateway runs. */
  catalog: () => Catalog;
  authenticator: Authenticator;
  clock: Clock;
  bodyLimit: number;
  /** Loads `from` (a file or URL) as the current catalog, or reloads the stored current snapshot
   * when `from` is absent. Without it the sync route answers 404. */
  sync?: (from?: string) => Promise<CatalogSyncOutcome>;
}

type Access = 'client' | 'admin';
type Handler = (request: FastifyRequest, catalog: Catalog, now: number) => unknown;

const ALTERNATIVES_SUFFIX = '/alternatives';

export function registerCatalogRoutes(app: FastifyInstance, deps: CatalogRouteDeps): void {
  const { authenticator, clock } = deps;

  const handle = (access: Access, handler: Handler) => {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const context = newContext(request.id, 'models', 'openai-chat', clock.now());
      try {
        const credential = credentialOf(request);
        context.principal =
          access === 'admin'
            ? authenticator.requireAdmin(credential)
            : authenticator.authenticate(credential);
        // One catalog per request, even if a sync swaps it meanwhile.
        const body = await handler(request, deps.catalog(), context.startedAt);
        return reply.send(body);
      } catch (error) {
        return failRequest(reply, context, error, openaiChat.encodeError, deps);
      }
    };
  };

  app.get(
    '/v1/catalog',
    handle('client', (_request, catalog) => wireCatalogInfo(catalog)),
  );

  app.get(
    '/v1/catalog/models',
    handle('client', (request, catalog, now) => {
      const query = parseListQuery(request.query, now);
      const entries = matchingEntries(catalog, query.filter, query.search);
      return {
        object: 'list',
        data: entries
          .slice(query.offset, query.offset + query.limit)
          .map((entry) => wireEntry(catalog, entry, now)),
        total: entries.length,
        limit: query.limit,
        offset: query.offset,
      };
    }),
  );

  // Model ids contain slashes and dots (`openrouter/google/gemini-3-flash-preview`), so the rest of
  // the path is the reference, optionally followed by `/alternatives`.
  app.get(
    '/v1/catalog/models/*',
    handle('client', (request, catalog, now) => {
      const path = (request.params as { '*'?: string })['*'] ?? '';
      if (path.endsWith(ALTERNATIVES_SUFFIX)) {
        const ref = path.slice(0, -ALTERNATIVES_SUFFIX.length);
        if (catalog.find(ref)) {
          const query = parseInput(alternativesQuery, request.query, 'query');
          const found = catalog.alternatives(ref, {
            limit: query.limit,
            includeFree: query.include_free,
            now,
            ...(query.provider ? { providers: query.provider } : {}),
          });
          return wireAlternatives(catalog, found, now);
        }
      }
      const entry = path === '' ? undefined : catalog.find(path);
      if (!entry) {
        const message =
          path === ''
            ? 'Name a model: /v1/catalog/models/{provider}/{model}'
            : `The model "${path}" is not in the catalog`;
        throw new GatewayError('model_not_found', message, {
          param: 'model',
          code: 'model_not_found',
          retryable: false,
        });
      }
      return wireEntry(catalog, entry, now);
    }),
  );

  app.post(
    '/v1/catalog/compare',
    handle('client', (request, catalog, now) => {
      const body = parseInput(compareBody, request.body, 'body');
      return wireCompared(catalog, catalog.compare(body.models), now);
    }),
  );

  app.post(
    '/v1/catalog/estimate',
    handle('client', (request, catalog) => {
      const body = parseInput(estimateBody, request.body, 'body');
      return estimate(catalog, body);
    }),
  );

  app.post(
    '/admin/v1/catalog/sync',
    handle('admin', async (request) => {
      const body = parseInput(syncBody, request.body, 'body');
      if (!deps.sync) {
        throw new GatewayError('not_found', 'Catalog sync is not enabled on this gateway', {
          code: 'unknown_url',
          retryable: false,
        });
      }
      return wireSyncOutcome(await deps.sync(body.from));
    }),
  );
}

function estimate(catalog: Catalog, body: EstimateBody): Record<string, unknown> {
  // Checked here so the error names the field the client sent (`models[1]`).
  body.models.forEach((ref, index) => {
    if (!catalog.find(ref)) {
      throw new GatewayError('model_not_found', `The model "${ref}" is not in the catalog`, {
        param: `models[${index}]`,
        code: 'model_not_found',
        retryable: false,
      });
    }
  });
  const workload = {
    requests_per_day: body.requests_per_day,
    input_tokens: body.input_tokens,
    output_tokens: body.output_tokens,
    cached_input_tokens: body.cached_input_tokens,
    days: body.days,
  };
  const result = catalog.estimate(
    {
      requestsPerDay: body.requests_per_day,
      inputTokens: body.input_tokens,
      outputTokens: body.output_tokens,
      cachedInputTokens: body.cached_input_tokens,
      days: body.days,
    },
    body.models,
  );
  return wireEstimate(catalog, workload, result);
}
