import type { ChatResponse } from '../core/ir.ts';
import type { StreamDecoder } from '../dialects/types.ts';

/**
 * Cohere and Bedrock answers do not name the model that produced them (and a Gemini answer may
 * leave `modelVersion` out): the deployment's model stands in, so clients and usage records always
 * see which model served the request.
 */
export function withDeploymentModel(response: ChatResponse, model: string): ChatResponse {
  return response.model === '' ? { ...response, model } : response;
}

/** The same for a stream: a start event that names no model gets the deployment's. */
export function fillStartModel(decoder: StreamDecoder, model: string): StreamDecoder {
  return {
    push(event) {
      const frame = decoder.push(event);
      if (!frame) return frame;
      for (const decoded of frame.events) {
        if (decoded.type === 'start' && decoded.model === '') decoded.model = model;
      }
      return frame;
    },
  };
}
