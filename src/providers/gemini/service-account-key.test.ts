import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import {
  CLIENT_EMAIL,
  PRIVATE_KEY_ID,
  removeTempKeyFiles,
  serviceAccountKeyJson,
  writeTempKeyFile,
} from './service-account-fixtures.ts';
import { parseServiceAccountKey, readServiceAccountKeyFile } from './service-account-key.ts';

const PROVIDER = { name: 'vertex' };
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const PEM_BODY_LINE = /^[A-Za-z0-9+/=]{40,}$/m;

after(removeTempKeyFiles);

/** The config error reading `path` raises; it must hold nothing of the private key. */
function fileError(path: string): GatewayError {
  try {
    readServiceAccountKeyFile(PROVIDER, path);
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.kind, 'invalid_request');
    assert.ok(!error.message.includes('PRIVATE KEY'));
    assert.doesNotMatch(error.message, PEM_BODY_LINE);
    return error;
  }
  throw new Error(`expected ${path} to be refused`);
}

describe('service-account key', () => {
  it('reads a key file as Google Cloud hands it out', () => {
    const path = writeTempKeyFile(serviceAccountKeyJson(GOOGLE_TOKEN_URI));
    const key = readServiceAccountKeyFile(PROVIDER, path);
    assert.equal(key.clientEmail, CLIENT_EMAIL);
    assert.equal(key.privateKeyId, PRIVATE_KEY_ID);
    assert.equal(key.tokenUri, GOOGLE_TOKEN_URI);
    assert.match(key.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('names the provider and the path of a missing file or a folder', () => {
    const folder = mkdtempSync(join(tmpdir(), 'switchyard-sa-'));
    try {
      assert.equal(
        fileError(join(folder, 'absent.json')).message,
        `Provider "vertex" of type gemini: credentials_file "${join(folder, 'absent.json')}" does not exist`,
      );
      assert.equal(
        fileError(folder).message,
        `Provider "vertex" of type gemini: credentials_file "${folder}" cannot be read (EISDIR)`,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not JSON without quoting it (it may be the bare PEM key)', () => {
    const pem = serviceAccountKeyJson(GOOGLE_TOKEN_URI).private_key;
    const path = writeTempKeyFile(pem);
    assert.equal(
      fileError(path).message,
      `Provider "vertex" of type gemini: credentials_file "${path}" is not JSON`,
    );
  });

  it('refuses other Google credential types', () => {
    const path = writeTempKeyFile({ ...serviceAccountKeyJson(GOOGLE_TOKEN_URI), type: 'authorized_user' });
    assert.match(
      fileError(path).message,
      /is not a service-account key: its "type" must be "service_account"$/,
    );
  });

  it('lists every missing field', () => {
    const { client_email: _, token_uri: __, ...partial } = serviceAccountKeyJson(GOOGLE_TOKEN_URI);
    const path = writeTempKeyFile(partial);
    assert.equal(
      fileError(path).message,
      `Provider "vertex" of type gemini: credentials_file "${path}" lacks client_email, token_uri`,
    );
  });

  it('refuses a private key that is not an RSA PKCS#8 PEM', () => {
    const key = serviceAccountKeyJson(GOOGLE_TOKEN_URI);
    const lines = key.private_key.trim().split('\n');
    const truncated = { ...key, private_key: [...lines.slice(0, 4), lines.at(-1)].join('\n') };
    const pkcs1 = { ...key, private_key: key.private_key.replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY') };
    for (const broken of [truncated, pkcs1]) {
      assert.match(
        fileError(writeTempKeyFile(broken)).message,
        /has a private_key that is not a PEM-encoded RSA key/,
      );
    }
  });

  it('requires an https token_uri, allowing http only for a local test server', () => {
    for (const uri of ['http://oauth2.googleapis.com/token', 'http://10.0.0.8/token', 'not a url']) {
      const path = writeTempKeyFile(serviceAccountKeyJson(uri));
      assert.match(fileError(path).message, /has a token_uri that is not an https URL/);
    }
    for (const uri of ['http://127.0.0.1:8080/token', 'http://localhost:9/token', GOOGLE_TOKEN_URI]) {
      assert.equal(
        readServiceAccountKeyFile(PROVIDER, writeTempKeyFile(serviceAccountKeyJson(uri))).tokenUri,
        uri,
      );
    }
  });

  it('names credentials_json as the origin of inline JSON', () => {
    assert.throws(
      () => parseServiceAccountKey(PROVIDER, '{"type":"service_account"', 'credentials_json'),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.message === 'Provider "vertex" of type gemini: credentials_json is not JSON',
    );
  });
});
