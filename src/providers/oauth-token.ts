// OAuth 2.0 access tokens that a provider fetches for itself (Microsoft Entra ID, Google service
// accounts, the GCP metadata server): one cached token per provider, shared by every request.
import type { Dispatcher } from 'undici';
import type { Clock } from '../core/clock.ts';
import { isGatewayError } from '../core/errors.ts';

/** A token is replaced this long before it expires, so no request goes out with one about to lapse. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** What a token endpoint handed out. */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenSource {
  token(): Promise<string>;
  /** Forgets the cached token (the upstream refused it), so the next call fetches a new one. */
  invalidate(): void;
}

export interface TokenSourceOptions {
  /** The provider's name, for error messages. */
  provider: string;
  clock: Clock;
  dispatcher?: Dispatcher;
}

interface CachedToken {
  value: string;
  /** Clock time after which the token is fetched again. */
  refreshAt: number;
  /** Clock time at which the token stops working. */
  expiresAt: number;
}

/**
 * Caches the token `issue` fetches. Concurrent callers share one token request (single flight); a
 * failed request is not cached, so the next caller tries again, and while the old token has not
 * actually expired it is still used.
 */
export class CachingTokenSource implements TokenSource {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly issue: () => Promise<IssuedToken>,
  ) {}

  async token(): Promise<string> {
    const cached = this.cached;
    if (cached && this.clock.now() < cached.refreshAt) return cached.value;
    this.inflight ??= this.fetchToken()
      .then((fresh) => {
        this.cached = fresh;
        return fresh;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    try {
      return (await this.inflight).value;
    } catch (error) {
      // Refreshing early leaves room for an outage of the token endpoint: the old token still works
      // until it expires.
      const stale = this.cached;
      if (stale && this.clock.now() < stale.expiresAt) return stale.value;
      throw error;
    }
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    // The lifetime counts from the request, not the answer: the endpoint started the clock then.
    const requestedAt = this.clock.now();
    const issued = await this.issue();
    const lifetimeMs = issued.expiresInSeconds * 1000;
    // A token shorter-lived than the margin (unusual) is kept for half its life instead of not at all.
    const margin = lifetimeMs > REFRESH_MARGIN_MS * 2 ? REFRESH_MARGIN_MS : lifetimeMs / 2;
    return {
      value: issued.accessToken,
      refreshAt: requestedAt + lifetimeMs - margin,
      expiresAt: requestedAt + lifetimeMs,
    };
  }
}

/** The `Authorization` header of a request signed in with a fetched token. */
export async function bearerHeaders(tokens: TokenSource): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokens.token()}` };
}

/**
 * Runs an upstream call and, when the upstream refuses the token (401: revoked, or a clock was off),
 * drops it so the next call gets a new one. The error itself is passed on unchanged.
 */
export async function forgetTokenOnRefusal<T>(
  tokens: TokenSource | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (tokens && isGatewayError(error) && error.upstreamStatus === 401) tokens.invalidate();
    throw error;
  }
}
