/**
 * Where a `gemini` provider sends its requests and how it signs them in: Google AI Studio (the Gemini
 * API, an API key) or, when `project` and `location` are set, Vertex AI (an OAuth access token:
 * static, or fetched with a service account; see vertex-auth.ts).
 * Both take the same generateContent bodies; the model and the streaming mode are in the URL.
 *
 * - Gemini API: https://ai.google.dev/api/generate-content, https://ai.google.dev/api/embeddings
 *   (batchEmbedContents), https://ai.google.dev/api/models (models.list), and
 *   https://ai.google.dev/gemini-api/docs/api-key (the `x-goog-api-key` header).
 * - Vertex AI: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 *   (projects.locations.publishers.models.generateContent / streamGenerateContent) and
 *   https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 *   (`:predict` for embeddings).
 */
import type { ProviderConfig } from '../../config/schema.ts';
import { isVertex } from '../../config/vertex-credentials.ts';
import { systemClock } from '../../core/clock.ts';
import { joinUrl } from '../http.ts';
import type { TokenSource } from '../oauth-token.ts';
import { geminiConfigError as configError } from './config-error.ts';
import { type VertexAuthContext, vertexAuth } from './vertex-auth.ts';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export interface GeminiEndpoint {
  kind: 'ai-studio' | 'vertex';
  chatUrl(model: string, stream: boolean): string;
  embedUrl(model: string): string;
  /** Absent on Vertex AI, whose model garden is not listed per project. */
  modelsUrl?: (pageToken: string | undefined) => string;
  authHeaders(): Record<string, string> | Promise<Record<string, string>>;
  /** Present when the endpoint fetches its own tokens, so one the upstream refuses can be dropped. */
  tokens?: TokenSource;
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model; the URL wants the id. */
function modelSegment(model: string): string {
  return encodeURIComponent(model.replace(/^models\//, ''));
}

/** `context` matters only to Vertex AI credentials that fetch tokens (the clock, a test dispatcher). */
export function geminiEndpoint(
  config: ProviderConfig,
  context: VertexAuthContext = { clock: systemClock },
): GeminiEndpoint {
  if (isVertex(config)) return vertexEndpoint(config, context);
  const apiKey = config.api_key;
  if (!apiKey && !config.base_url)
    throw configError(config, 'needs api_key (or project and location for Vertex AI)');
  const base = joinUrl(config.base_url ?? GEMINI_BASE_URL, 'v1beta');
  return {
    kind: 'ai-studio',
    chatUrl: (model, stream) =>
      `${base}/models/${modelSegment(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    embedUrl: (model) => `${base}/models/${modelSegment(model)}:batchEmbedContents`,
    modelsUrl: (pageToken) => {
      const query = new URLSearchParams({ pageSize: '1000' });
      if (pageToken) query.set('pageToken', pageToken);
      return `${base}/models?${query}`;
    },
    // The header, never the `key=` query parameter: URLs end up in access logs and traces.
    authHeaders: (): Record<string, string> => (apiKey ? { 'x-goog-api-key': apiKey } : {}),
  };
}

function vertexEndpoint(config: ProviderConfig, context: VertexAuthContext): GeminiEndpoint {
  const { project, location } = config;
  if (!project || !location) throw configError(config, 'Vertex AI needs both project and location');
  const auth = vertexAuth(config, context);
  // The global location has no regional host.
  const host =
    location === 'global'
      ? 'https://aiplatform.googleapis.com'
      : `https://${location}-aiplatform.googleapis.com`;
  const models = joinUrl(
    config.base_url ?? host,
    `v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models`,
  );
  return {
    kind: 'vertex',
    chatUrl: (model, stream) =>
      `${models}/${modelSegment(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    embedUrl: (model) => `${models}/${modelSegment(model)}:predict`,
    authHeaders: () => auth.headers(),
    ...(auth.tokens ? { tokens: auth.tokens } : {}),
  };
}
