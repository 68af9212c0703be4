/**
 * The Azure OpenAI wire format: OpenAI's Chat Completions and Embeddings on an Azure resource, in
 * both URL styles, with Azure's content-filter annotations. Written from:
 * - REST reference (deployment URLs, required `api-version`, `api-key` or Entra ID bearer auth):
 *   https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
 * - The v1 API (`/openai/v1/...`, `model` = deployment name, no `api-version` needed):
 *   https://learn.microsoft.com/en-us/azure/ai-foundry/openai/api-version-lifecycle
 * - Content filtering (`prompt_filter_results`, `content_filter_results`, the filter-only first
 *   stream chunk): https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/content-filter
 * Requests without `api-version` on a deployment URL get Azure's 404 `Resource not found`. Dated
 * versions before 2024-09-01 refuse `max_completion_tokens` and `stream_options`, which they predate.
 * Answers name the deployment as their `model`.
 */
import { bearerToken, decodeSegment, header, isObject } from './common.ts';
import { chatRoute, embeddingsRoute, openaiErrorBody } from './openai.ts';
import type { OpenAIFlavour } from './openai-render.ts';
import { WireError, type WireFormat, type WireRequest, type WireRoute } from './types.ts';

const AZURE: OpenAIFlavour = { contentFilter: true };
const DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;
const FIRST_MODERN_VERSION = '2024-09-01';
/** Fields dated versions before FIRST_MODERN_VERSION do not know. */
const MODERN_FIELDS = ['max_completion_tokens', 'stream_options'];

/** The deployment named in a deployment URL. */
function deploymentOf(path: string): string {
  const match = DEPLOYMENT.exec(path);
  return match ? decodeSegment(match[1] as string) : '';
}

/** The dated API refuses what its version cannot read, before answering like OpenAI. */
function dated(route: WireRoute): WireRoute {
  return {
    ...route,
    handle(request: WireRequest) {
      const version = request.query.get('api-version');
      if (!version) throw new WireError(404, 'Resource not found', null, '404');
      const date = /^\d{4}-\d{2}-\d{2}/.exec(version)?.[0];
      if (date !== undefined && date < FIRST_MODERN_VERSION && isObject(request.body)) {
        const body = request.body;
        const unknown = MODERN_FIELDS.find((field) => body[field] !== undefined);
        if (unknown)
          throw new WireError(400, `Unrecognized request argument supplied: ${unknown}`, null, null);
      }
      // The deployment decides the model; a body `model` is ignored, as Azure does.
      return route.handle({
        ...request,
        body: isObject(request.body) ? { ...request.body, model: deploymentOf(request.path) } : request.body,
      });
    },
    model: (request) => deploymentOf(request.path),
  };
}

const byDeployment = (_model: string, path: string) => deploymentOf(path);
const deploymentChat = dated(chatRoute({ flavour: AZURE, modelName: byDeployment }));
const deploymentEmbeddings = dated(embeddingsRoute({ modelName: byDeployment }));
const v1Chat = chatRoute({ flavour: AZURE });
const v1Embeddings = embeddingsRoute();

export const azureWire: WireFormat = {
  name: 'azure-openai',
  route(method, path) {
    if (method !== 'POST') return undefined;
    const match = DEPLOYMENT.exec(path);
    if (match) return match[2] === 'embeddings' ? deploymentEmbeddings : deploymentChat;
    if (path === '/openai/v1/chat/completions') return v1Chat;
    if (path === '/openai/v1/embeddings') return v1Embeddings;
    return undefined;
  },
  /** A resource key in `api-key`, or a Microsoft Entra ID token as a bearer token. */
  authorized(headers, apiKey) {
    return header(headers, 'api-key') === apiKey || bearerToken(headers) === apiKey;
  },
  unauthorized: () =>
    new WireError(
      401,
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      null,
      '401',
    ),
  errorBody: openaiErrorBody,
  streamError(body) {
    return `data: ${JSON.stringify(body)}\n\n`;
  },
  responseHeaders(requestId) {
    return { 'apim-request-id': requestId, 'x-request-id': requestId, 'x-ms-region': 'Emulator' };
  },
};
