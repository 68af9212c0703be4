/**
 * How a `gemini` provider signs in to Vertex AI: a static access token, a service-account key (file
 * or inline JSON), or the GCP metadata server. The last two fetch tokens here and refresh them
 * before they expire. The key is read when the provider is built, so a broken one stops the start.
 */
import type { ProviderConfig } from '../../config/schema.ts';
import { chooseVertexCredential } from '../../config/vertex-credentials.ts';
import { bearerHeaders, type TokenSource, type TokenSourceOptions } from '../oauth-token.ts';
import type { ProviderContext } from '../types.ts';
import { geminiConfigError } from './config-error.ts';
import { metadataServerTokenSource } from './metadata-token.ts';
import { parseServiceAccountKey, readServiceAccountKeyFile } from './service-account-key.ts';
import { serviceAccountTokenSource } from './service-account-token.ts';

export interface VertexAuth {
  headers(): Record<string, string> | Promise<Record<string, string>>;
  /** Present when tokens are fetched here, so one Vertex AI refuses can be dropped. */
  tokens?: TokenSource;
}

export type VertexAuthContext = Pick<ProviderContext, 'clock' | 'dispatcher'>;

export function vertexAuth(config: ProviderConfig, context: VertexAuthContext): VertexAuth {
  const choice = chooseVertexCredential(config);
  if (!choice.ok) throw geminiConfigError(config, choice.problem);
  const { credential } = choice;
  if (credential.kind === 'access_token') {
    const header = { authorization: `Bearer ${credential.token}` };
    return { headers: () => header };
  }
  const options: TokenSourceOptions = {
    provider: config.name,
    clock: context.clock,
    ...(context.dispatcher ? { dispatcher: context.dispatcher } : {}),
  };
  const tokens =
    credential.kind === 'metadata_server'
      ? metadataServerTokenSource({ ...options, metadataUrl: credential.metadataUrl })
      : serviceAccountTokenSource(
          credential.kind === 'credentials_file'
            ? readServiceAccountKeyFile(config, credential.path)
            : parseServiceAccountKey(config, credential.json, 'credentials_json'),
          options,
        );
  return { headers: () => bearerHeaders(tokens), tokens };
}
