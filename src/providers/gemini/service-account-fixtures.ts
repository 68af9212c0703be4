/**
 * Test support (not used at run time): a service-account key as Google Cloud hands it out, with a
 * freshly generated RSA key pair so tests can verify what the gateway signs, and an answer of a
 * token endpoint.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLIENT_EMAIL = 'switchyard@acme-ai.iam.gserviceaccount.com';
export const PRIVATE_KEY_ID = '3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a';

let pair: { privateKey: string; publicKey: KeyObject } | undefined;

/** One key pair for the whole test file: RSA generation takes a noticeable moment. */
function keyPair(): { privateKey: string; publicKey: KeyObject } {
  pair ??= (() => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
  })();
  return pair;
}

/** The public half, to verify assertions with. */
export function servicePublicKey(): KeyObject {
  return keyPair().publicKey;
}

/** The fields of a downloaded JSON key, pointing its `token_uri` where the test says. */
export function serviceAccountKeyJson(tokenUri: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'service_account',
    project_id: 'acme-ai',
    private_key_id: PRIVATE_KEY_ID,
    private_key: keyPair().privateKey,
    client_email: CLIENT_EMAIL,
    client_id: '104857600000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    ...overrides,
  };
}

const tempFolders: string[] = [];

/** Writes `content` (an object as JSON, or text as is) to a new file in a fresh temporary folder. */
export function writeTempKeyFile(content: unknown): string {
  const folder = mkdtempSync(join(tmpdir(), 'switchyard-sa-'));
  tempFolders.push(folder);
  const path = join(folder, 'key.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2), {
    mode: 0o600,
  });
  return path;
}

export function removeTempKeyFiles(): void {
  for (const folder of tempFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

let issued = 0;

/** A token endpoint's (or the metadata server's) answer, with a new token each time. */
export function googleTokenAnswer(expiresIn = 3599) {
  issued++;
  return { access_token: lastGoogleToken(), expires_in: expiresIn, token_type: 'Bearer' };
}

/** The token the latest googleTokenAnswer() handed out. */
export function lastGoogleToken(): string {
  return `ya29.test-token-${issued}`;
}
