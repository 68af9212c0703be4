import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { gatewayFailure } from '../testing/gateway-failure.ts';
import { RecordingUpstream } from '../testing/recording-upstream.ts';
import {
  assertOneRequestForConcurrentCallers,
  assertRefreshBeforeExpiry,
} from '../testing/token-source-checks.ts';
import { metadataServerTokenSource } from './metadata-token.ts';
import { googleTokenAnswer } from './service-account-fixtures.ts';

const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';

let server: RecordingUpstream;
before(async () => {
  server = await RecordingUpstream.start(() => ({ json: googleTokenAnswer() }));
});
after(() => server.close());

function source(metadataUrl = server.url) {
  const clock = new ManualClock(1_700_000_000_000);
  return { clock, tokens: metadataServerTokenSource({ provider: 'vertex', clock, metadataUrl }) };
}

describe('GCP metadata server tokens', () => {
  it('GETs the default service account token with Metadata-Flavor: Google', async () => {
    server.reply(() => ({ json: googleTokenAnswer() }));
    const { tokens } = source(`${server.url}/`);
    const count = server.requests.length;
    assert.match(await tokens.token(), /^ya29\.test-token-/);
    const sent = server.requests[count];
    assert.ok(sent);
    assert.equal(sent.method, 'GET');
    assert.equal(sent.url, TOKEN_PATH);
    assert.equal(sent.headers['metadata-flavor'], 'Google');
    assert.equal(sent.body, '');
  });

  it('caches the token and refreshes it five minutes before expiry', async () => {
    server.reply(() => ({ json: googleTokenAnswer(3599) }));
    const { tokens, clock } = source();
    await assertRefreshBeforeExpiry(server, tokens, clock, 3599);
  });

  it('asks once for many concurrent callers', async () => {
    await assertOneRequestForConcurrentCallers(server, source().tokens, () => ({
      json: googleTokenAnswer(),
    }));
  });

  it('names only the status when the server refuses', async () => {
    server.reply(() => ({ status: 404, text: 'service account default not found: ya29.leaked' }));
    const error = await gatewayFailure(source().tokens.token());
    assert.equal(
      error.message,
      'Provider "vertex": the GCP metadata server refused the token request (HTTP 404)',
    );
    assert.equal(error.retryable, false);
    assert.ok(!JSON.stringify(error).includes('ya29'));
  });

  it('reports a metadata server it cannot reach (not on GCP)', async () => {
    const error = await gatewayFailure(source('http://127.0.0.1:1').tokens.token());
    assert.match(error.message, /^Provider "vertex": could not reach the GCP metadata server/);
    assert.equal(error.retryable, true);
  });
});
