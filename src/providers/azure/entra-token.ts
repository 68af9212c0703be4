// Microsoft Entra ID access tokens for Azure OpenAI, by the OAuth 2.0 client credentials grant.
// Vendor documentation this follows:
// - Client credentials flow (request, response, errors):
//   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// - Azure OpenAI authentication (Entra ID bearer tokens, scope https://cognitiveservices.azure.com/.default):
//   https://learn.microsoft.com/en-us/azure/ai-services/openai/reference#authentication
import { type Dispatcher, request as undiciRequest } from 'undici';
import type { Clock } from '../../core/clock.ts';
import { GatewayError } from '../../core/errors.ts';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_TOKEN_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** A token is replaced this long before it expires, so no request goes out with one about to lapse. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const TOKEN_TIMEOUT_MS = 30_000;

export interface ClientCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost?: string;
  scope?: string;
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
 * Fetches and caches one Entra ID access token. Concurrent callers share one token request
 * (single flight); a failed request is not cached, so the next caller tries again, and while the
 * old token has not actually expired it is still used. Neither the client secret nor a token ever
 * appears in an error message: the token endpoint's own text is replaced by a fixed one naming
 * only the HTTP status.
 */
export class EntraTokenSource {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;

  constructor(
    private readonly credentials: ClientCredentials,
    private readonly options: TokenSourceOptions,
  ) {}

  async token(): Promise<string> {
    const cached = this.cached;
    if (cached && this.options.clock.now() < cached.refreshAt) return cached.value;
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
      // Refreshing early leaves room for an Entra ID outage: the old token still works until it expires.
      const stale = this.cached;
      if (stale && this.options.clock.now() < stale.expiresAt) return stale.value;
      throw error;
    }
  }

  /** Forgets the cached token (the upstream refused it), so the next call fetches a new one. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { tenantId, clientId, clientSecret } = this.credentials;
    const authority = (this.credentials.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
    const url = `${authority}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: this.credentials.scope ?? DEFAULT_TOKEN_SCOPE,
    });
    const requestedAt = this.options.clock.now();
    let response: Dispatcher.ResponseData;
    try {
      response = await undiciRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        headersTimeout: TOKEN_TIMEOUT_MS,
        bodyTimeout: TOKEN_TIMEOUT_MS,
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
    } catch (error) {
      // The cause is left out on purpose: nothing of the request (its body holds the secret) may
      // travel with the error into a log.
      const code = (error as { code?: unknown } | null)?.code;
      throw this.failure(
        `could not reach Microsoft Entra ID${typeof code === 'string' ? ` (${code})` : ''}`,
        {
          retryable: true,
        },
      );
    }
    const text = await response.body.text().catch(() => '');
    if (response.statusCode >= 400) {
      throw this.failure(`Microsoft Entra ID refused the token request (HTTP ${response.statusCode})`, {
        upstreamStatus: response.statusCode,
        retryable: response.statusCode === 429 || response.statusCode >= 500,
      });
    }
    const parsed = parseTokenResponse(text);
    if (!parsed) {
      throw this.failure('Microsoft Entra ID answered the token request without a usable token', {
        upstreamStatus: response.statusCode,
        retryable: true,
      });
    }
    const lifetimeMs = parsed.expiresInSeconds * 1000;
    // A token shorter-lived than the margin (unusual) is kept for half its life instead of not at all.
    const margin = lifetimeMs > REFRESH_MARGIN_MS * 2 ? REFRESH_MARGIN_MS : lifetimeMs / 2;
    return {
      value: parsed.accessToken,
      refreshAt: requestedAt + lifetimeMs - margin,
      expiresAt: requestedAt + lifetimeMs,
    };
  }

  private failure(reason: string, options: { upstreamStatus?: number; retryable: boolean }): GatewayError {
    return new GatewayError('upstream_error', `Provider "${this.options.provider}": ${reason}`, {
      code: 'upstream_authentication_failed',
      ...options,
    });
  }
}

/** `expires_in` is a number in v2.0 answers and a numeric string in older ones. */
function parseTokenResponse(text: string): { accessToken: string; expiresInSeconds: number } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { access_token: accessToken, expires_in: expiresIn } = body as Record<string, unknown>;
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return { accessToken, expiresInSeconds: seconds };
}
