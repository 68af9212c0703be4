/**
 * Choices the Anthropic codecs make where the Messages API and the IR do not line up one to one.
 * Each is exported so callers and tests refer to the same value the codec uses.
 */

/**
 * `max_tokens` is required by the Messages API but optional in OpenAI Chat. Providers set
 * `request.maxOutputTokens` from the deployment's limits before encoding; this is the last resort
 * when nothing did, small enough for every current Claude model.
 */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/**
 * The Messages API has no native JSON-schema response mode here, so `response_format: json_schema`
 * is sent as a single forced tool whose input schema is the requested schema (the tool-use "JSON
 * mode" the tool-use guide documents). Codecs are stateless, so the tool's fixed name is the marker:
 * decoders turn a `tool_use` block of this name back into JSON text. A client tool of the same
 * name would be read the same way, so the name is deliberately specific.
 */
export const JSON_RESPONSE_TOOL_NAME = 'json_response';

/** Appended to the system prompt for `response_format: json_object`. */
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single JSON object and nothing else.';

/**
 * The Messages API requires the first turn to be the user's. When a conversation from another
 * dialect starts with an assistant turn (or has no turns, only a system prompt), this minimal user
 * turn is put first: it carries no instruction, so it does not steer the answer.
 */
export const LEADING_USER_TURN_TEXT = '(continued)';

/** Extended-thinking budgets for OpenAI-style `reasoning_effort`. 1024 is the documented minimum. */
export const THINKING_BUDGET_BY_EFFORT = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
} as const;

export const MIN_THINKING_BUDGET = 1024;

/** The image media types the vision guide lists for base64 sources. */
export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
