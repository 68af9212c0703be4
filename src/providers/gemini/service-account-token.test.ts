import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { ManualClock } from '../../core/clock.ts';
import { gatewayFailure } from '../testing/gateway-failure.ts';
import { RecordingUpstream } from '../testing/recording-upstream.ts';
import {
  assertOneRequestForConcurrentCallers,
  assertRefreshBeforeExpiry,
} from '../testing/token-source-checks.ts';
import {
  CLIENT_EMAIL,
  googleTokenAnswer,
  PRIVATE_KEY_ID,
  serviceAccountKeyJson,
  servicePublicKey,
} from './service-account-fixtures.ts';
import { parseServiceAccountKey } from './service-account-key.ts';
import {
  CLOUD_PLATFORM_SCOPE,
  JWT_BEARER_GRANT,
  serviceAccountTokenSource,
} from './service-account-token.ts';

const START = 1_700_000_000_000;

let upstream: RecordingUpstream;
before(async () => {
  upstream = await RecordingUpstream.start(() => ({ json: googleTokenAnswer() }));
});
after(() => upstream.close());

function tokenUri(): string {
  return `${upstream.url}/token`;
}

function source(clock = new ManualClock(START)) {
  const key = parseServiceAccountKey(
    { name: 'vertex' },
    JSON.stringify(serviceAccountKeyJson(tokenUri())),
    'key',
  );
  return { clock, tokens: serviceAccountTokenSource(key, { provider: 'vertex', clock }) };
}

function assertionOf(index: number): string {
  const assertion = new URLSearchParams(upstream.requests[index]?.body).get('assertion');
  assert.ok(assertion, 'the form carries an assertion');
  return assertion;
}

describe('service-account tokens (JWT bearer grant)', () => {
  it('posts the jwt-bearer form to token_uri with an RS256 assertion Google accepts', async () => {
    upstream.reply(() => ({ json: googleTokenAnswer() }));
    const { tokens } = source();
    const count = upstream.requests.length;
    assert.match(await tokens.token(), /^ya29\.test-token-/);
    const sent = upstream.requests[count];
    assert.ok(sent);
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/token');
    assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(sent.body);
    assert.deepEqual([...form.keys()].sort(), ['assertion', 'grant_type']);
    assert.equal(form.get('grant_type'), JWT_BEARER_GRANT);

    const assertion = assertionOf(count);
    const { payload, protectedHeader } = await jwtVerify(assertion, servicePublicKey(), {
      algorithms: ['RS256'],
      issuer: CLIENT_EMAIL,
      audience: tokenUri(),
      currentDate: new Date(START),
    });
    assert.deepEqual(protectedHeader, { alg: 'RS256', typ: 'JWT', kid: PRIVATE_KEY_ID });
    assert.equal(payload.scope, CLOUD_PLATFORM_SCOPE);
    assert.equal(payload.aud, tokenUri());
    assert.equal(payload.iat, START / 1000);
    assert.equal(payload.exp, START / 1000 + 3600);
  });

  it('leaves kid out when the key has no private_key_id', async () => {
    upstream.reply(() => ({ json: googleTokenAnswer() }));
    const clock = new ManualClock(START);
    const json = serviceAccountKeyJson(tokenUri(), { private_key_id: undefined });
    const key = parseServiceAccountKey({ name: 'vertex' }, JSON.stringify(json), 'key');
    const count = upstream.requests.length;
    await serviceAccountTokenSource(key, { provider: 'vertex', clock }).token();
    assert.deepEqual(decodeProtectedHeader(assertionOf(count)), { alg: 'RS256', typ: 'JWT' });
  });

  it('caches the token: a later call asks nothing', async () => {
    upstream.reply(() => ({ json: googleTokenAnswer() }));
    const { tokens } = source();
    const count = upstream.requests.length;
    const first = await tokens.token();
    assert.equal(await tokens.token(), first);
    assert.equal(upstream.requests.length - count, 1);
  });

  it('asks once for many concurrent callers', async () => {
    await assertOneRequestForConcurrentCallers(upstream, source().tokens, () => ({
      json: googleTokenAnswer(),
    }));
  });

  it('refreshes five minutes before expiry with a newly signed assertion', async () => {
    upstream.reply(() => ({ json: googleTokenAnswer(3600) }));
    const { tokens, clock } = source();
    const refresh = await assertRefreshBeforeExpiry(upstream, tokens, clock, 3600);
    const { payload } = await jwtVerify(assertionOf(refresh), servicePublicKey(), {
      currentDate: new Date(clock.now()),
    });
    assert.equal(payload.iat, (START + 55 * 60_000) / 1000);
  });

  for (const [status, retryable] of [
    [400, false],
    [500, true],
  ] as const) {
    it(`turns HTTP ${status} into a fixed message without the assertion, the key or the answer`, async () => {
      upstream.reply((request) => ({
        status,
        json: { error: 'invalid_grant', error_description: `Invalid JWT Signature: ${request.body}` },
      }));
      const { tokens } = source();
      const count = upstream.requests.length;
      const error = await gatewayFailure(tokens.token());
      assert.equal(
        error.message,
        `Provider "vertex": the Google OAuth token endpoint refused the token request (HTTP ${status})`,
      );
      assert.equal(error.code, 'upstream_authentication_failed');
      assert.equal(error.upstreamStatus, status);
      assert.equal(error.retryable, retryable);
      assert.equal(error.cause, undefined);
      const everything = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
      assert.ok(!everything.includes(assertionOf(count)));
      assert.ok(!everything.includes('PRIVATE KEY'));
      assert.ok(!everything.includes('invalid_grant'));
    });
  }

  it('does not cache a failure: the next call asks again', async () => {
    upstream.reply(() => ({ status: 503, text: 'unavailable' }));
    const { tokens } = source();
    await gatewayFailure(tokens.token());
    upstream.reply(() => ({ json: googleTokenAnswer() }));
    assert.match(await tokens.token(), /^ya29\.test-token-/);
  });
});
