import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { formatMicros } from '../core/money.ts';
import { openaiChat } from '../dialects/openai-chat.ts';
import type { Authenticator, Principal } from '../identity/authenticator.ts';
import { chargeback, chargebackToCsv, chargebackToJson } from '../metering/chargeback.ts';
import { focusCsv, focusRange } from '../metering/focus.ts';
import type { RecordPricer } from '../metering/record-pricer.ts';
import { reportToCsv, reportToJson } from '../metering/report-format.ts';
import type { ReportStore } from '../metering/report-query.ts';
import { bucketLabel, isoSeconds, startOfMonth } from '../metering/report-time.ts';
import { usageReport } from '../metering/reports.ts';
import { UsageRepository } from '../metering/repository.ts';
import { type PriceProvenance, repriceUsage } from '../metering/reprice.ts';
import { newContext } from '../pipeline/context.ts';
import { credentialOf } from './http-utils.ts';
import { failRequest } from './respond.ts';
import {
  formatOf,
  granularityOf,
  instantOf,
  type QueryString,
  rangeOf,
  refuseUnknown,
  reportQueryOf,
  repriceBody,
  single,
} from './usage-query.ts';

export interface UsageRouteDeps {
  store: ReportStore;
  authenticator: Authenticator;
  clock: Clock;
  /** Today's prices, for re-pricing (build it with `recordPricer` from the configuration and catalog). */
  pricer: RecordPricer;
  /** Which prices those are (the catalog's version, date and source), recorded with each re-pricing. */
  prices?: () => PriceProvenance;
  /** For error messages about oversized bodies (default 1 MiB). */
  bodyLimit?: number;
  /** FOCUS BillingAccountId / BillingAccountName (default `switchyard` / `Switchyard`). */
  billingAccount?: { id: string; name: string };
}

const CSV = 'text/csv; charset=utf-8';

/**
 * `/admin/v1/usage/*`: usage reports, chargeback, the FOCUS export, single records, and re-pricing.
 * Every route needs an admin key.
 */
export function registerUsageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const { store, clock } = deps;
  const errorDeps = { bodyLimit: deps.bodyLimit ?? 1024 * 1024 };

  const admin = (
    handler: (request: FastifyRequest, reply: FastifyReply, principal: Principal) => Promise<unknown>,
  ) => {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const context = newContext(request.id, 'models', 'admin', clock.now());
      try {
        const principal = deps.authenticator.requireAdmin(credentialOf(request));
        context.principal = principal;
        return await handler(request, reply, principal);
      } catch (error) {
        return failRequest(reply, context, error, openaiChat.encodeError, errorDeps);
      }
    };
  };

  app.get(
    '/admin/v1/usage/report',
    admin(async (request, reply) => {
      const query = request.query as QueryString;
      const format = formatOf(query);
      const report = await usageReport(store, reportQueryOf(query, clock.now()));
      if (format === 'csv') return reply.type(CSV).send(reportToCsv(report));
      return reply.send(reportToJson(report));
    }),
  );

  app.get(
    '/admin/v1/usage/chargeback',
    admin(async (request, reply) => {
      const query = request.query as QueryString;
      refuseUnknown(query, new Set(['month', 'format']));
      const format = formatOf(query);
      const month = single(query, 'month') ?? bucketLabel('month', startOfMonth(clock.now()));
      const result = await chargeback(store, month);
      if (format === 'csv') {
        return reply
          .type(CSV)
          .header('content-disposition', `attachment; filename="chargeback-${result.month}.csv"`)
          .send(chargebackToCsv(result));
      }
      return reply.send(chargebackToJson(result));
    }),
  );

  app.get(
    '/admin/v1/usage/focus',
    admin(async (request, reply) => {
      const query = request.query as QueryString;
      refuseUnknown(query, new Set(['from', 'to', 'granularity']));
      const { from, to } = rangeOf(query, clock.now());
      if (from === undefined) {
        throw new GatewayError('invalid_request', 'from: required when to is given', {
          param: 'from',
          retryable: false,
        });
      }
      const options = {
        from,
        to: to ?? clock.now(),
        granularity: granularityOf(query),
        ...(deps.billingAccount
          ? { billingAccountId: deps.billingAccount.id, billingAccountName: deps.billingAccount.name }
          : {}),
      };
      // Checked before the first byte: once streaming, an error can only cut the response short.
      const range = focusRange(options);
      const name = `focus-${isoSeconds(range.from).slice(0, 10)}-${isoSeconds(range.to).slice(0, 10)}.csv`;
      return reply
        .type(CSV)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(Readable.from(focusCsv(store, options)));
    }),
  );

  app.get(
    '/admin/v1/usage/records/:request_id',
    admin(async (request, reply) => {
      const { request_id: requestId } = request.params as { request_id: string };
      const record = await new UsageRepository(store.db).get(requestId);
      if (!record) {
        throw new GatewayError('not_found', `No usage record for request "${requestId}"`, {
          param: 'request_id',
          retryable: false,
        });
      }
      return reply.send({
        object: 'usage_record',
        ...record,
        cost_usd: record.cost_known ? formatMicros(record.cost_micros) : null,
      });
    }),
  );

  app.post(
    '/admin/v1/usage/reprice',
    admin(async (request, reply, principal) => {
      const parsed = repriceBody.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const param = issue?.path.join('.') || undefined;
        throw new GatewayError('invalid_request', `${param ?? 'body'}: ${issue?.message ?? 'invalid'}`, {
          ...(param ? { param } : {}),
          retryable: false,
        });
      }
      const body = parsed.data;
      const result = await repriceUsage(store, {
        from: instantOf(body.from, 'from'),
        to: instantOf(body.to, 'to'),
        filter: {
          ...(body.provider ? { provider: body.provider } : {}),
          ...(body.model ? { model: body.model } : {}),
          ...(body.key ? { keyId: body.key } : {}),
          ...(body.team ? { team: body.team } : {}),
          ...(body.app ? { app: body.app } : {}),
          ...(body.route ? { route: body.route } : {}),
        },
        pricer: deps.pricer,
        ...(deps.prices ? { prices: deps.prices() } : {}),
        actor: principal.keyId,
        dryRun: body.dry_run,
        clock,
      });
      return reply.send({
        object: 'usage_reprice',
        action_id: result.actionId,
        dry_run: result.dryRun,
        from: isoSeconds(instantOf(body.from, 'from')),
        to: isoSeconds(instantOf(body.to, 'to')),
        examined: result.examined,
        changed: result.changed,
        skipped: result.skipped,
        cost_before_usd: formatMicros(result.costBeforeMicros),
        cost_after_usd: formatMicros(result.costAfterMicros),
        unpriced_before: result.unpricedBefore,
        unpriced_after: result.unpricedAfter,
        price_versions: result.priceVersions,
      });
    }),
  );
}

/** The same routes as an extra surface for `buildApp`, the way `metricsRoute` is passed. */
export function usageRoutes(deps: UsageRouteDeps): (app: FastifyInstance) => void {
  return (app) => registerUsageRoutes(app, deps);
}
