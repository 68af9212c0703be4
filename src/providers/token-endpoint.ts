// One request to an OAuth 2.0 token endpoint (or a token server that answers the same way, like the
// GCP metadata server): `{ access_token, expires_in, token_type }` in JSON, per RFC 6749 section 5.1.
import { type Dispatcher, request as undiciRequest } from 'undici';
import { GatewayError } from '../core/errors.ts';
import { parseJsonLoose } from './http.ts';
import type { IssuedToken } from './oauth-token.ts';

const TOKEN_TIMEOUT_MS = 30_000;

export interface TokenRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Who issues the token, as error messages name it: "Microsoft Entra ID". */
  issuer: string;
  /** The provider's name, for error messages. */
  provider: string;
  dispatcher?: Dispatcher;
}

/**
 * Fetches one token. Neither the request (its form holds a secret or a signed assertion) nor the
 * answer (it may echo either) ever appears in an error: the endpoint's own text is replaced by a
 * fixed one naming only the HTTP status, and no cause is attached.
 */
export async function requestAccessToken(token: TokenRequest): Promise<IssuedToken> {
  let response: Dispatcher.ResponseData;
  try {
    response = await undiciRequest(token.url, {
      method: token.method,
      headers: {
        accept: 'application/json',
        ...(token.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...token.headers,
      },
      ...(token.form ? { body: new URLSearchParams(token.form).toString() } : {}),
      headersTimeout: TOKEN_TIMEOUT_MS,
      bodyTimeout: TOKEN_TIMEOUT_MS,
      ...(token.dispatcher ? { dispatcher: token.dispatcher } : {}),
    });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw tokenFailure(
      token.provider,
      `could not reach ${token.issuer}${typeof code === 'string' ? ` (${code})` : ''}`,
      { retryable: true },
    );
  }
  const body = await response.body.arrayBuffer().then(
    (bytes) => parseJsonLoose(Buffer.from(bytes)),
    () => undefined,
  );
  if (response.statusCode >= 400) {
    throw tokenFailure(
      token.provider,
      `${token.issuer} refused the token request (HTTP ${response.statusCode})`,
      {
        upstreamStatus: response.statusCode,
        retryable: response.statusCode === 429 || response.statusCode >= 500,
      },
    );
  }
  const parsed = tokenOf(body);
  if (!parsed) {
    throw tokenFailure(token.provider, `${token.issuer} answered the token request without a usable token`, {
      upstreamStatus: response.statusCode,
      retryable: true,
    });
  }
  return parsed;
}

/** A failure to obtain a token; `reason` must hold nothing secret. */
export function tokenFailure(
  provider: string,
  reason: string,
  options: { upstreamStatus?: number; retryable: boolean },
): GatewayError {
  return new GatewayError('upstream_error', `Provider "${provider}": ${reason}`, {
    code: 'upstream_authentication_failed',
    ...options,
  });
}

/** `expires_in` is a number in current answers and a numeric string in some older ones. */
function tokenOf(body: unknown): IssuedToken | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { access_token: accessToken, expires_in: expiresIn } = body as Record<string, unknown>;
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return { accessToken, expiresInSeconds: seconds };
}
