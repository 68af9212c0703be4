/**
 * How a request to Bedrock Runtime proves who sends it:
 * - an Amazon Bedrock API key (`api_key`), sent as `Authorization: Bearer`
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html); or
 * - AWS Signature Version 4 over the request with the access key, secret and optional session token
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
 *   service name `bedrock`. Signing is @smithy/signature-v4's, the signer the AWS SDK itself uses.
 * The signature covers the headers given here (host, x-amz-date, x-amz-content-sha256, the session
 * token, content type, accept); headers added later (the hop header, static config headers) are sent
 * unsigned, which SigV4 allows.
 */
import type { SignatureV4 } from '@smithy/signature-v4';
import type { ProviderConfig } from '../../config/schema.ts';
import type { Clock } from '../../core/clock.ts';
import { GatewayError } from '../../core/errors.ts';

export const BEDROCK_SIGNING_SERVICE = 'bedrock';

export interface SignableRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The headers to send: the request's own plus whatever proves who sends it. */
export type BedrockAuth = (request: SignableRequest) => Promise<Record<string, string>>;

export function bedrockAuth(config: ProviderConfig, region: string, clock: Clock): BedrockAuth {
  const apiKey = config.api_key;
  if (apiKey) return async (request) => ({ ...request.headers, authorization: `Bearer ${apiKey}` });
  const accessKeyId = config.aws_access_key_id;
  const secretAccessKey = config.aws_secret_access_key;
  if (!accessKeyId || !secretAccessKey) {
    throw new GatewayError(
      'invalid_request',
      `Provider "${config.name}" of type bedrock needs api_key, or aws_access_key_id and aws_secret_access_key`,
    );
  }
  // The signer's modules load with the first signed request: a gateway without Bedrock never loads them.
  let signer: Promise<SignatureV4> | undefined;
  const createSigner = async () => {
    const [{ SignatureV4: Signer }, { Hash }] = await Promise.all([
      import('@smithy/signature-v4'),
      import('@smithy/core/serde'),
    ]);
    return new Signer({
      service: BEDROCK_SIGNING_SERVICE,
      region,
      credentials: {
        accessKeyId,
        secretAccessKey,
        ...(config.aws_session_token ? { sessionToken: config.aws_session_token } : {}),
      },
      sha256: Hash.bind(null, 'sha256'),
    });
  };
  return async (request) => {
    const url = new URL(request.url);
    signer ??= createSigner();
    const signed = await (await signer).sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...request.headers, host: url.host },
        body: request.body,
      },
      { signingDate: new Date(clock.now()) },
    );
    return signed.headers;
  };
}
