import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { GatewayError } from '../../core/errors.ts';
import { RecordingUpstream } from '../testing/recording-upstream.ts';
import { EntraTokenSource } from './entra-token.ts';

const SECRET = 'cs~VerySecretValue_123';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

let upstream: RecordingUpstream;
let issued = 0;

before(async () => {
  upstream = await RecordingUpstream.start(() => ({ json: tokenAnswer() }));
});
after(() => upstream.close());

function tokenAnswer(expiresIn: number | string = 3599) {
  issued++;
  return {
    token_type: 'Bearer',
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: `eyJ0.token-${issued}`,
  };
}

function source(clock = new ManualClock(1_000_000)) {
  return {
    clock,
    tokens: new EntraTokenSource(
      { tenantId: TENANT, clientId: 'app-id-1', clientSecret: SECRET, authorityHost: `${upstream.url}/` },
      { provider: 'azure-eu', clock },
    ),
  };
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the token request to fail');
}

describe('Entra ID client credentials', () => {
  it('posts the documented form to the tenant token endpoint', async () => {
    upstream.reply(() => ({ json: tokenAnswer() }));
    const { tokens } = source();
    const count = upstream.requests.length;
    await tokens.token();
    const sent = upstream.requests[count];
    assert.ok(sent);
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, `/${TENANT}/oauth2/v2.0/token`);
    assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(sent.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('client_id'), 'app-id-1');
    assert.equal(form.get('client_secret'), SECRET);
    assert.equal(form.get('scope'), 'https://cognitiveservices.azure.com/.default');
  });

  it('asks once for many concurrent and later callers', async () => {
    upstream.reply(() => ({ json: tokenAnswer() }));
    const { tokens } = source();
    const count = upstream.requests.length;
    const values = await Promise.all(Array.from({ length: 8 }, () => tokens.token()));
    assert.equal(new Set(values).size, 1);
    assert.equal(await tokens.token(), values[0]);
    assert.equal(upstream.requests.length - count, 1);
  });

  it('refreshes five minutes before the token expires, not earlier', async () => {
    upstream.reply(() => ({ json: tokenAnswer(3600) }));
    const { tokens, clock } = source();
    const count = upstream.requests.length;
    const first = await tokens.token();
    clock.advance(55 * 60_000 - 1);
    assert.equal(await tokens.token(), first);
    assert.equal(upstream.requests.length - count, 1);
    clock.advance(1);
    const second = await tokens.token();
    assert.notEqual(second, first);
    assert.equal(upstream.requests.length - count, 2);
  });

  it('keeps using a token due for refresh while Entra ID fails, until it expires', async () => {
    upstream.reply(() => ({ json: tokenAnswer(3600) }));
    const { tokens, clock } = source();
    const first = await tokens.token();
    upstream.reply(() => ({ status: 503, text: 'Service Unavailable' }));
    clock.advance(58 * 60_000);
    assert.equal(await tokens.token(), first);
    clock.advance(2 * 60_000);
    const error = await failure(tokens.token());
    assert.equal(
      error.message,
      'Provider "azure-eu": Microsoft Entra ID refused the token request (HTTP 503)',
    );
    assert.equal(error.retryable, true);
  });

  it('reads expires_in given as a string (older token endpoints)', async () => {
    upstream.reply(() => ({ json: tokenAnswer('3600') }));
    const { tokens, clock } = source();
    const count = upstream.requests.length;
    await tokens.token();
    clock.advance(30 * 60_000);
    await tokens.token();
    assert.equal(upstream.requests.length - count, 1);
  });

  it('fetches again after invalidate()', async () => {
    upstream.reply(() => ({ json: tokenAnswer() }));
    const { tokens } = source();
    const first = await tokens.token();
    tokens.invalidate();
    assert.notEqual(await tokens.token(), first);
  });

  it('replaces the endpoint text by a fixed message with the status, and does not cache the failure', async () => {
    upstream.reply(() => ({
      status: 401,
      json: {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided: ${SECRET}`,
      },
    }));
    const { tokens } = source();
    const error = await failure(tokens.token());
    assert.equal(
      error.message,
      'Provider "azure-eu": Microsoft Entra ID refused the token request (HTTP 401)',
    );
    assert.equal(error.code, 'upstream_authentication_failed');
    assert.equal(error.retryable, false);
    assert.ok(!JSON.stringify(error).includes(SECRET));
    assert.equal(error.cause, undefined);

    upstream.reply(() => ({ json: tokenAnswer() }));
    assert.match(await tokens.token(), /^eyJ0\.token-/);
  });

  it('treats an answer without a token as a failure', async () => {
    upstream.reply(() => ({ json: { token_type: 'Bearer' } }));
    const error = await failure(source().tokens.token());
    assert.match(error.message, /without a usable token/);
  });

  it('reports an unreachable endpoint without the request', async () => {
    const clock = new ManualClock(0);
    const tokens = new EntraTokenSource(
      { tenantId: TENANT, clientId: 'app', clientSecret: SECRET, authorityHost: 'http://127.0.0.1:1' },
      { provider: 'azure-eu', clock },
    );
    const error = await failure(tokens.token());
    assert.match(error.message, /could not reach Microsoft Entra ID/);
    assert.equal(error.retryable, true);
    assert.ok(!error.message.includes(SECRET));
  });
});
