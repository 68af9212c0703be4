import type { Catalog } from '../../catalog/catalog.ts';
import {
  checkContextWindow,
  deprecationNotice,
  deprecationStatus,
  retiredModelError,
} from '../../catalog/context.ts';
import { catalogTargetOf } from '../../catalog/providers.ts';
import type { CatalogEntry } from '../../catalog/types.ts';
import type { Clock } from '../../core/clock.ts';
import { GatewayError } from '../../core/errors.ts';
import type { ChatRequest } from '../../core/ir.ts';
import { countRequestTokens } from '../../metering/tokens.ts';
import type { Target } from '../../routing/table.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { PipelineStage } from '../context.ts';

export interface CatalogStageOptions {
  catalog: () => Catalog;
  clock: Clock;
  logger: Logger;
  /** Refuse models past their provider's retirement date (the next target or fallback is tried). */
  blockRetired: boolean;
}

/** How often the deprecation warning for one model is logged (every response still carries the header). */
const DEPRECATION_LOG_INTERVAL_MS = 3_600_000;

/**
 * Catalog checks before each upstream attempt: a deprecated model gets a warning header and a log
 * line (or is refused past its date, when configured), and a request that cannot fit the target's
 * context window is refused with the numbers before any upstream call.
 */
export function catalogStage(options: CatalogStageOptions): PipelineStage {
  const lastLogged = new Map<string, number>();
  const entryFor = (target: Target): CatalogEntry | undefined => {
    const catalogTarget = catalogTargetOf(target.provider);
    return catalogTarget ? options.catalog().get(catalogTarget, target.model) : undefined;
  };

  return {
    name: 'catalog',
    beforeAttempt(context, attempt, target) {
      const entry = entryFor(target);
      if (!entry) return;
      const now = options.clock.now();
      const notice = deprecationNotice(entry, now);
      if (notice) {
        if (options.blockRetired && deprecationStatus(entry, now).pastDate)
          throw skippable(retiredModelError(entry));
        Object.assign(context.responseHeaders, notice.headers);
        const logged = lastLogged.get(target.key) ?? 0;
        if (now - logged >= DEPRECATION_LOG_INTERVAL_MS) {
          lastLogged.set(target.key, now);
          options.logger.warn({
            msg: 'deprecated model',
            model: target.key,
            detail: notice.message,
            request_id: context.id,
          });
        }
      }
      if (
        attempt.kind === 'chat' &&
        entry.contextWindow !== undefined &&
        mayExceed(attempt.request, entry.contextWindow)
      ) {
        const error = checkContextWindow(
          entry,
          countRequestTokens(attempt.request),
          attempt.request.maxOutputTokens,
        );
        if (error) throw skippable(error);
      }
    },
  };
}

/**
 * A token is at least one byte of UTF-8, so a request whose text is shorter in bytes than the window
 * cannot exceed it: the exact (costly) count runs only for requests near or over the limit.
 */
function mayExceed(request: ChatRequest, window: number): boolean {
  let bytes = 0;
  for (const part of request.system) bytes += Buffer.byteLength(part.text);
  for (const message of request.messages) {
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') bytes += Buffer.byteLength(part.text);
      else if (part.type === 'tool_call') bytes += Buffer.byteLength(part.arguments);
      else if (part.type === 'tool_result') {
        for (const inner of part.content)
          bytes += inner.type === 'text' ? Buffer.byteLength(inner.text) : 1_000;
      } else bytes += 1_000;
      if (bytes > window) return true;
    }
  }
  return bytes > window;
}

/** The same refusal, marked so the router tries the next target (a bigger window, a live model). */
function skippable(error: GatewayError): GatewayError {
  return new GatewayError(error.kind, error.message, {
    ...(error.param ? { param: error.param } : {}),
    ...(error.code ? { code: error.code } : {}),
    retryable: false,
    skipTarget: true,
  });
}
