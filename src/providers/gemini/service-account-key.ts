/**
 * A Google service-account key, the JSON file Google Cloud hands out ("Create key", JSON), read and
 * checked when the provider is built, so a missing or damaged key stops the start instead of the
 * first request. Errors name the provider and the setting, never the key's content.
 * Format: https://cloud.google.com/iam/docs/keys-create-delete (JSON key files) and
 * https://developers.google.com/identity/protocols/oauth2/service-account (fields used to sign).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ProviderConfig } from '../../config/schema.ts';
import { geminiConfigError } from './config-error.ts';

export interface ServiceAccountKey {
  clientEmail: string;
  /** PEM, PKCS#8 ("BEGIN PRIVATE KEY"). */
  privateKey: string;
  /** Sent as the JWT's `kid`, so Google picks the right public key at once. */
  privateKeyId: string | undefined;
  tokenUri: string;
}

type Provider = Pick<ProviderConfig, 'name'>;

const REQUIRED_FIELDS = ['client_email', 'private_key', 'token_uri'] as const;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function readServiceAccountKeyFile(config: Provider, path: string): ServiceAccountKey {
  const origin = `credentials_file "${path}"`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw geminiConfigError(
      config,
      code === 'ENOENT'
        ? `${origin} does not exist`
        : `${origin} cannot be read (${code ?? 'unknown error'})`,
    );
  }
  return parseServiceAccountKey(config, text, origin);
}

/** `origin` names where the text came from: `credentials_json`, or the file. */
export function parseServiceAccountKey(config: Provider, text: string, origin: string): ServiceAccountKey {
  const fail = (problem: string) => geminiConfigError(config, `${origin} ${problem}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which may be the key itself.
    throw fail('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw fail('is not a JSON object');
  const key = parsed as Record<string, unknown>;
  if (key.type !== 'service_account') {
    throw fail('is not a service-account key: its "type" must be "service_account"');
  }
  const missing = REQUIRED_FIELDS.filter((field) => typeof key[field] !== 'string' || key[field] === '');
  if (missing.length > 0) throw fail(`lacks ${missing.join(', ')}`);
  const {
    client_email: clientEmail,
    private_key: privateKey,
    token_uri: tokenUri,
  } = key as Record<(typeof REQUIRED_FIELDS)[number], string>;
  if (!isRsaPkcs8(privateKey)) throw fail('has a private_key that is not a PEM-encoded RSA key (PKCS#8)');
  if (!isAllowedTokenUri(tokenUri)) {
    throw fail(`has a token_uri that is not an https URL (http is allowed for localhost only): ${tokenUri}`);
  }
  return {
    clientEmail,
    privateKey,
    privateKeyId:
      typeof key.private_key_id === 'string' && key.private_key_id !== '' ? key.private_key_id : undefined,
    tokenUri,
  };
}

function isRsaPkcs8(pem: string): boolean {
  if (!/^\s*-----BEGIN PRIVATE KEY-----/.test(pem)) return false;
  try {
    return createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/** The assertion and the token travel over this URL, so it must be TLS but for a local test server. */
function isAllowedTokenUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
}
