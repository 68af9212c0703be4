import type { Clock } from '../core/clock.ts';
import type { Usage } from '../core/ir.ts';
import type { Authenticator } from '../identity/authenticator.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { Gateway } from '../pipeline/gateway.ts';
import type { Route } from '../routing/table.ts';

/** What the HTTP layer is given; it builds nothing itself. */
export interface ServerDeps {
  gateway: Gateway;
  authenticator: Authenticator;
  clock: Clock;
  bodyLimit: number;
  startedAt: number;
  instanceId: string;
  keys: KeyAdmin;
  /** Readiness: false while starting or draining. */
  isReady: () => boolean;
  /** Adds fields beside `usage` in a stream's final usage event (cost). */
  usageExtension?: (
    context: RequestContext,
  ) => ((usage: Usage) => Record<string, unknown> | undefined) | undefined;
  /** Last chance to add response headers (cost) to a non-streamed response. */
  beforeSend?: (context: RequestContext) => void;
  /** Extra fields for a model in GET /v1/models (catalog data). */
  modelExtension?: (route: Route) => Record<string, unknown>;
}

export interface KeySummary {
  id: string;
  name: string;
  prefix: string;
  role: string;
  metadata: Record<string, unknown>;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** Key management as the admin API needs it; the store implements it and refreshes the key cache. */
export interface KeyAdmin {
  create(input: {
    name: string;
    role: 'admin' | 'client';
    metadata: Record<string, unknown>;
    expiresAt?: number;
  }): Promise<{
    key: string;
    record: KeySummary;
  }>;
  list(options: { includeRevoked: boolean }): Promise<KeySummary[]>;
  revoke(id: string): Promise<boolean>;
}
