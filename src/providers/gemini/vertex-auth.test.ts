import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import type { EmbeddingRequest } from '../../core/ir.ts';
import { chatRequest } from '../../dialects/testing.ts';
import { createProvider } from '../registry.ts';
import {
  deployment,
  providerConfig,
  RecordingUpstream,
  type StubReply,
  testContext,
} from '../testing/recording-upstream.ts';
import type { Provider } from '../types.ts';
import { geminiEndpoint } from './endpoint.ts';
import {
  googleTokenAnswer,
  lastGoogleToken,
  removeTempKeyFiles,
  serviceAccountKeyJson,
  writeTempKeyFile,
} from './service-account-fixtures.ts';

const VERTEX_PATH = '/v1/projects/acme-ai/locations/europe-west4/publishers/google/models/';
const METADATA_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const answer = JSON.parse(
  readFileSync(new URL('../../dialects/fixtures/gemini/response-text.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** One local server plays Google's token endpoint, the metadata server and Vertex AI. */
let google: RecordingUpstream;
let vertexReply: () => StubReply;
const opened: Provider[] = [];

before(async () => {
  google = await RecordingUpstream.start((request) => {
    if (request.url === '/token' || request.url === METADATA_PATH) {
      return { json: googleTokenAnswer() };
    }
    return vertexReply();
  });
});
beforeEach(() => {
  vertexReply = () => ({ json: answer });
});
after(async () => {
  await Promise.all(opened.map((provider) => provider.close?.()));
  await google.close();
  removeTempKeyFiles();
});

function vertex(credentials: Record<string, unknown>, model = 'gemini-2.5-flash') {
  const config = providerConfig({
    name: 'vertex',
    type: 'gemini',
    project: 'acme-ai',
    location: 'europe-west4',
    base_url: google.url,
    ...credentials,
  });
  const provider = createProvider(config, testContext());
  opened.push(provider);
  return { provider, target: deployment(config, model) };
}

const keyFile = () => ({ credentials_file: writeTempKeyFile(serviceAccountKeyJson(`${google.url}/token`)) });
const signal = () => new AbortController().signal;

/** The requests to Vertex AI (not to a token server) since `from`, with their bearer tokens. */
function vertexBearers(from: number): string[] {
  return google.requests
    .slice(from)
    .filter((request) => request.url.startsWith(VERTEX_PATH))
    .map((request) => String(request.headers.authorization));
}

function tokenRequests(from: number): number {
  return google.requests.slice(from).filter((request) => !request.url.startsWith(VERTEX_PATH)).length;
}

describe('gemini provider on Vertex AI: fetched credentials', () => {
  it('signs in with a token fetched with credentials_file, fetched once for many requests', async () => {
    const { provider, target } = vertex(keyFile());
    const from = google.requests.length;
    await provider.chat(chatRequest(), target, signal());
    await provider.chat(chatRequest(), target, signal());
    assert.equal(tokenRequests(from), 1);
    const fetched = `Bearer ${lastGoogleToken()}`;
    assert.deepEqual(vertexBearers(from), [fetched, fetched]);
    assert.equal(google.requests[from]?.url, '/token', 'the token is fetched before the first call');
  });

  it('drops a token Vertex AI refuses (401) and fetches a new one for the next request', async () => {
    const { provider, target } = vertex(keyFile());
    const from = google.requests.length;
    await provider.chat(chatRequest(), target, signal());
    vertexReply = () => ({ status: 401, json: { error: { code: 401, status: 'UNAUTHENTICATED' } } });
    await assert.rejects(provider.chat(chatRequest(), target, signal()), (error: unknown) => {
      return error instanceof GatewayError && error.upstreamStatus === 401;
    });
    vertexReply = () => ({ json: answer });
    await provider.chat(chatRequest(), target, signal());
    assert.equal(tokenRequests(from), 2);
    const [first, refused, next] = vertexBearers(from);
    assert.equal(refused, first);
    assert.notEqual(next, first);
    assert.equal(next, `Bearer ${lastGoogleToken()}`);
  });

  it('keeps a token Vertex AI answers 403 to (a permission, not the token, is wrong)', async () => {
    const { provider, target } = vertex(keyFile());
    const from = google.requests.length;
    vertexReply = () => ({ status: 403, json: { error: { code: 403, status: 'PERMISSION_DENIED' } } });
    await assert.rejects(provider.chat(chatRequest(), target, signal()));
    await assert.rejects(provider.chat(chatRequest(), target, signal()));
    assert.equal(tokenRequests(from), 1);
  });

  it('embeds with the fetched token and drops it on a 401 too', async () => {
    const { provider, target } = vertex(keyFile(), 'text-embedding-005');
    const request: EmbeddingRequest = {
      model: 'embed-default',
      input: ['alpha'],
      extra: {},
      source: { dialect: 'openai-embeddings', body: {} },
    };
    const from = google.requests.length;
    vertexReply = () => ({ status: 401, json: { error: { code: 401, status: 'UNAUTHENTICATED' } } });
    await assert.rejects(provider.embed?.(request, target, signal()) as Promise<unknown>);
    vertexReply = () => ({ json: { predictions: [{ embeddings: { values: [1, 2] } }] } });
    await provider.embed?.(request, target, signal());
    assert.equal(tokenRequests(from), 2);
    assert.equal(vertexBearers(from).at(-1), `Bearer ${lastGoogleToken()}`);
  });

  it('takes the same key inline from credentials_json', async () => {
    const { provider, target } = vertex({
      credentials_json: JSON.stringify(serviceAccountKeyJson(`${google.url}/token`)),
    });
    const from = google.requests.length;
    await provider.chat(chatRequest(), target, signal());
    assert.equal(google.requests[from]?.url, '/token');
    assert.deepEqual(vertexBearers(from), [`Bearer ${lastGoogleToken()}`]);
  });

  it('asks the metadata server with google_auth: metadata', async () => {
    const { provider, target } = vertex({ google_auth: 'metadata', google_metadata_url: google.url });
    const from = google.requests.length;
    await provider.chat(chatRequest(), target, signal());
    assert.equal(google.requests[from]?.url, METADATA_PATH);
    assert.equal(google.requests[from]?.headers['metadata-flavor'], 'Google');
    assert.deepEqual(vertexBearers(from), [`Bearer ${lastGoogleToken()}`]);
  });

  it('fails at start on a missing key file, naming the provider and the path', () => {
    assert.throws(
      () => vertex({ credentials_file: '/nonexistent/switchyard-key.json' }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.message ===
          'Provider "vertex" of type gemini: credentials_file "/nonexistent/switchyard-key.json" does not exist',
    );
  });

  it('refuses no credential, or two', () => {
    const base = { name: 'v', type: 'gemini', project: 'p', location: 'us-central1' };
    assert.throws(
      () => geminiEndpoint(providerConfig(base)),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.message ===
          'Provider "v" of type gemini: Vertex AI needs one credential: access_token, credentials_file, credentials_json or google_auth: metadata',
    );
    assert.throws(
      () => geminiEndpoint(providerConfig({ ...base, access_token: 'ya29.static', google_auth: 'metadata' })),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.message ===
          'Provider "v" of type gemini: Vertex AI takes exactly one credential, but access_token and google_auth are both set; keep one',
    );
  });
});
