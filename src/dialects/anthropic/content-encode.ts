import type { ImagePart, ImageSource, ReasoningPart, TextPart, ToolResultPart } from '../../core/ir.ts';

/** IR parts -> Anthropic content blocks, shared by the request and response encoders. */

export type WireBlock = Record<string, unknown>;

export function encodeTextBlock(part: TextPart): WireBlock {
  const block: WireBlock = { type: 'text', text: part.text };
  if (part.cacheControl) block.cache_control = { ...part.cacheControl };
  return block;
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/**
 * OpenAI clients send inline images as `data:` URLs, which Anthropic's `url` source does not take:
 * those become base64 sources.
 */
export function encodeImageSource(source: ImageSource): WireBlock {
  if (source.kind === 'base64') return { type: 'base64', media_type: source.mediaType, data: source.data };
  const inline = DATA_URL.exec(source.url);
  if (inline) return { type: 'base64', media_type: inline[1], data: inline[2] };
  return { type: 'url', url: source.url };
}

export function encodeImageBlock(part: ImagePart): WireBlock {
  return { type: 'image', source: encodeImageSource(part.source) };
}

/**
 * A reasoning part as a thinking block. Anthropic only accepts thinking it signed itself, so
 * unsigned reasoning (another provider's) yields undefined unless `allowUnsigned` (responses to a
 * client, where the text is still worth showing).
 */
export function encodeReasoningBlock(part: ReasoningPart, allowUnsigned: boolean): WireBlock | undefined {
  if (part.redactedData !== undefined) return { type: 'redacted_thinking', data: part.redactedData };
  if (part.signature === undefined && !allowUnsigned) return undefined;
  return { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
}

export function encodeToolResultBlock(part: ToolResultPart): WireBlock {
  const block: WireBlock = { type: 'tool_result', tool_use_id: part.toolCallId };
  const [only] = part.content;
  if (part.content.length === 1 && only?.type === 'text' && !only.cacheControl) block.content = only.text;
  else if (part.content.length > 0) {
    block.content = part.content.map((item) =>
      item.type === 'text' ? encodeTextBlock(item) : encodeImageBlock(item),
    );
  }
  if (part.isError) block.is_error = true;
  return block;
}

/**
 * Tool-call arguments (JSON text) as the object `tool_use.input` requires. Empty text means no
 * arguments; undefined means the text is not a JSON object.
 */
export function parseToolArguments(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
