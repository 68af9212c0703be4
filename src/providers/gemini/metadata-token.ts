/**
 * Access tokens of the service account attached to the workload, from the GCP metadata server
 * (Compute Engine, GKE with Workload Identity, Cloud Run). No key leaves Google: the server hands
 * out short-lived tokens to whatever runs on the machine or in the pod.
 * Google's documentation: https://cloud.google.com/compute/docs/access/authenticate-workloads
 * ("Get an access token": the URL, the `Metadata-Flavor: Google` header, the JSON answer).
 */
import { joinUrl } from '../http.ts';
import { CachingTokenSource, type TokenSource, type TokenSourceOptions } from '../oauth-token.ts';
import { requestAccessToken } from '../token-endpoint.ts';

export const DEFAULT_METADATA_URL = 'http://metadata.google.internal';
const TOKEN_PATH = 'computeMetadata/v1/instance/service-accounts/default/token';

export interface MetadataServerOptions extends TokenSourceOptions {
  /** Only the operator's config sets this (tests point it at a local server). */
  metadataUrl?: string | undefined;
}

export function metadataServerTokenSource(options: MetadataServerOptions): TokenSource {
  const url = joinUrl(options.metadataUrl ?? DEFAULT_METADATA_URL, TOKEN_PATH);
  return new CachingTokenSource(options.clock, () =>
    requestAccessToken({
      url,
      method: 'GET',
      // The metadata server refuses requests without it (a guard against forwarded requests).
      headers: { 'metadata-flavor': 'Google' },
      issuer: 'the GCP metadata server',
      provider: options.provider,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    }),
  );
}
