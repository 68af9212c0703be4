/**
 * Where a `gemini` provider sends its requests and how it signs them in: Google AI Studio (the Gemini
 * API, an API key) or, when `project` and `location` are set, Vertex AI (an OAuth access token).
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
import { GatewayError } from '../../core/errors.ts';
import { joinUrl } from '../http.ts';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export interface GeminiEndpoint {
  kind: 'ai-studio' | 'vertex';
  chatUrl(model: string, stream: boolean): string;
  embedUrl(model: string): string;
  /** Absent on Vertex AI, whose model garden is not listed per project. */
  modelsUrl?: (pageToken: string | undefined) => string;
  authHeaders(): Record<string, string>;
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model; the URL wants the id. */
function modelSegment(model: string): string {
  return encodeURIComponent(model.replace(/^models\//, ''));
}

function configError(config: ProviderConfig, message: string): GatewayError {
  return new GatewayError('invalid_request', `Provider "${config.name}" of type gemini: ${message}`);
}

export function geminiEndpoint(config: ProviderConfig): GeminiEndpoint {
  if (config.project !== undefined || config.location !== undefined) return vertexEndpoint(config);
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

function vertexEndpoint(config: ProviderConfig): GeminiEndpoint {
  const { project, location, access_token: token } = config;
  if (!project || !location) throw configError(config, 'Vertex AI needs both project and location');
  if (!token) throw configError(config, 'Vertex AI needs access_token');
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
    authHeaders: () => ({ authorization: `Bearer ${token}` }),
  };
}
