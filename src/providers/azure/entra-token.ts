// Microsoft Entra ID access tokens for Azure OpenAI, by the OAuth 2.0 client credentials grant.
// Vendor documentation this follows:
// - Client credentials flow (request, response, errors):
//   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// - Azure OpenAI authentication (Entra ID bearer tokens, scope https://cognitiveservices.azure.com/.default):
//   https://learn.microsoft.com/en-us/azure/ai-services/openai/reference#authentication
import { CachingTokenSource, type IssuedToken, type TokenSourceOptions } from '../oauth-token.ts';
import { requestAccessToken } from '../token-endpoint.ts';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_TOKEN_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface ClientCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost?: string;
  scope?: string;
}

/**
 * One Entra ID access token, cached and refreshed as CachingTokenSource does. Neither the client
 * secret nor a token ever appears in an error message (see requestAccessToken).
 */
export class EntraTokenSource extends CachingTokenSource {
  constructor(credentials: ClientCredentials, options: TokenSourceOptions) {
    super(options.clock, () => requestEntraToken(credentials, options));
  }
}

function requestEntraToken(
  credentials: ClientCredentials,
  options: TokenSourceOptions,
): Promise<IssuedToken> {
  const authority = (credentials.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
  return requestAccessToken({
    url: `${authority}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`,
    method: 'POST',
    form: {
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: credentials.scope ?? DEFAULT_TOKEN_SCOPE,
    },
    issuer: 'Microsoft Entra ID',
    provider: options.provider,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
}
