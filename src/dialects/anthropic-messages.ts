/**
 * The Anthropic Messages dialect (POST /v1/messages): pure codecs between the Messages API's wire
 * format and the IR, in both directions (clients that speak it, and upstreams that speak it).
 *
 * Shapes follow the public documentation:
 * - Messages API request and response: https://platform.claude.com/docs/en/api/messages
 * - Streaming events: https://platform.claude.com/docs/en/build-with-claude/streaming
 * - Tool use (incl. the forced-tool "JSON mode"): https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview
 * - Vision (image sources): https://platform.claude.com/docs/en/build-with-claude/vision
 * - Extended thinking: https://platform.claude.com/docs/en/build-with-claude/extended-thinking
 * - Prompt caching (cache_control, cache usage): https://platform.claude.com/docs/en/build-with-claude/prompt-caching
 * - Errors: https://platform.claude.com/docs/en/api/errors
 *
 * The parts live in ./anthropic/: request decoding with the gateway's validation, request
 * encoding (where the translation choices are documented), responses, streams and errors.
 */

import { decodeError, encodeError } from './anthropic/errors.ts';
import { decodeRequest } from './anthropic/request-decode.ts';
import { encodeRequest } from './anthropic/request-encode.ts';
import { decodeResponse, encodeResponse } from './anthropic/response.ts';
import { createStreamDecoder } from './anthropic/stream-decode.ts';
import { createStreamEncoder } from './anthropic/stream-encode.ts';
import type { ChatDialect } from './types.ts';

export {
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  JSON_OBJECT_INSTRUCTION,
  JSON_RESPONSE_TOOL_NAME,
  LEADING_USER_TURN_TEXT,
  THINKING_BUDGET_BY_EFFORT,
} from './anthropic/constants.ts';

export const anthropicMessages: ChatDialect = {
  name: 'anthropic-messages',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  encodeResponse,
  createStreamDecoder,
  createStreamEncoder,
  encodeError,
  decodeError,
};
