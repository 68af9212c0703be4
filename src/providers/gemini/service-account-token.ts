/**
 * Access tokens for a Google service account by the JWT bearer grant (RFC 7523): the gateway signs a
 * short assertion with the account's private key and trades it at the key's `token_uri`.
 * Google's documentation: https://developers.google.com/identity/protocols/oauth2/service-account
 * ("Preparing to make an authorized API call", HTTP/REST: the JWT header and claim set, the token
 * request and its answer).
 */
import { importPKCS8, SignJWT } from 'jose';
import { CachingTokenSource, type TokenSource, type TokenSourceOptions } from '../oauth-token.ts';
import { requestAccessToken, tokenFailure } from '../token-endpoint.ts';
import type { ServiceAccountKey } from './service-account-key.ts';

/** Vertex AI accepts this scope (and no narrower one). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The longest assertion Google accepts. */
const ASSERTION_LIFETIME_SECONDS = 3600;
const SIGNING_ALGORITHM = 'RS256';

type SigningKey = Awaited<ReturnType<typeof importPKCS8>>;

export function serviceAccountTokenSource(key: ServiceAccountKey, options: TokenSourceOptions): TokenSource {
  let signingKey: Promise<SigningKey> | undefined;
  const sign = async (nowMs: number): Promise<string> => {
    try {
      signingKey ??= importPKCS8(key.privateKey, SIGNING_ALGORITHM);
      return await signAssertion(key, await signingKey, nowMs);
    } catch {
      // The key was checked at start, so this is unexpected; the cause stays out of the error in
      // case anything of the key travels with it.
      throw tokenFailure(options.provider, 'could not sign the token request with the service-account key', {
        retryable: false,
      });
    }
  };
  return new CachingTokenSource(options.clock, async () =>
    requestAccessToken({
      url: key.tokenUri,
      method: 'POST',
      form: { grant_type: JWT_BEARER_GRANT, assertion: await sign(options.clock.now()) },
      issuer: 'the Google OAuth token endpoint',
      provider: options.provider,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    }),
  );
}

function signAssertion(key: ServiceAccountKey, signingKey: SigningKey, nowMs: number): Promise<string> {
  const issuedAt = Math.floor(nowMs / 1000);
  return new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader({
      alg: SIGNING_ALGORITHM,
      typ: 'JWT',
      ...(key.privateKeyId ? { kid: key.privateKeyId } : {}),
    })
    .setIssuer(key.clientEmail)
    .setAudience(key.tokenUri)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
    .sign(signingKey);
}
