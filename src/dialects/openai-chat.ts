import { decodeChatRequest } from './openai/decode-request.ts';
import { encodeChatRequest } from './openai/encode-request.ts';
import { decodeChatError, encodeChatError } from './openai/errors.ts';
import { decodeChatResponse, encodeChatResponse } from './openai/response.ts';
import { OpenAIStreamDecoder } from './openai/stream-decoder.ts';
import { OpenAIStreamEncoder } from './openai/stream-encoder.ts';
import type { ChatDialect } from './types.ts';

/**
 * OpenAI Chat Completions (`/v1/chat/completions`): the dialect of OpenAI clients, and of OpenAI and
 * every OpenAI-compatible upstream (vLLM, Ollama, Groq, DeepSeek, ...). Pure codecs.
 */
export const openaiChat: ChatDialect = {
  name: 'openai-chat',
  decodeRequest: decodeChatRequest,
  encodeRequest: encodeChatRequest,
  decodeResponse: decodeChatResponse,
  encodeResponse: (response, _request, extension) => encodeChatResponse(response, extension),
  createStreamDecoder: () => new OpenAIStreamDecoder(),
  createStreamEncoder: (options) => new OpenAIStreamEncoder(options),
  encodeError: encodeChatError,
  decodeError: decodeChatError,
};
