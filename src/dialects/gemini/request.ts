/**
 * IR -> Gemini `GenerateContentRequest` (https://ai.google.dev/api/generate-content#request-body).
 * The model and streaming are part of the URL (`models/{model}:generateContent` or
 * `:streamGenerateContent?alt=sse`), so neither is in the body. Choices made where the IR and Gemini
 * differ:
 * - roles: assistant -> `model`; user and tool -> `user`; consecutive turns of one role are merged
 *   (parallel function responses must share one turn);
 * - tool results carry the function NAME, not the call id: it is looked up from the matching tool
 *   call earlier in the conversation; call ids themselves are never sent (Vertex AI rejects them);
 *   the result text is sent as the response object when it is a JSON object, else as `{output}`
 *   (`{error}` for failed calls), as the function-calling guide suggests; images in a tool result
 *   follow the function response as inline data in the same turn;
 * - images: base64 and `data:` URLs -> `inlineData`; other URLs -> `fileData` with a MIME type
 *   guessed from the file extension (image/jpeg when unknown). Gemini fetches only URLs it can reach
 *   (File API, gs:// on Vertex AI, public URLs on models that support them); nothing is fetched here;
 * - reasoning: thought summaries are not sent back; their `thoughtSignature`s are, on the part that
 *   followed them. Gemini 3 rejects a function call turn without a signature, and signatures are lost
 *   when the conversation went through a client that drops reasoning (OpenAI), so the first function
 *   call of a model turn that has none gets the documented validator-skipping placeholder;
 * - reasoning effort -> `thinkingBudget` (the budgets Google's OpenAI compatibility layer documents),
 *   with `includeThoughts` so the thought summaries come back as reasoning;
 * - json_object -> `responseMimeType: application/json`; json_schema -> also `responseSchema`,
 *   narrowed to Gemini's schema subset (see schema.ts); so are tool parameters.
 */
import { GatewayError } from '../../core/errors.ts';
import type {
  ChatRequest,
  ContentPart,
  ImagePart,
  Message,
  ReasoningEffort,
  ToolResultPart,
} from '../../core/ir.ts';
import {
  isRecord,
  type Json,
  jsonOrText,
  parseDataUrl,
  parseToolArguments,
  textOfParts,
  thinkingBudget,
} from '../upstream-common.ts';
import { toGeminiSchema } from './schema.ts';

/** Thinking budgets for OpenAI-style effort, as Google maps them for Gemini 2.5 models. */
export const GEMINI_THINKING_BUDGETS: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * Sent as the `thoughtSignature` of a function call that has lost its own, so Gemini 3 skips the
 * signature check instead of rejecting the turn (documented for conversations that come from
 * elsewhere). Earlier models ignore signatures they did not ask for.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

interface Content {
  role: 'user' | 'model';
  parts: Json[];
}

export function encodeGeminiRequest(request: ChatRequest): Json {
  const body: Json = { contents: encodeContents(request.messages) };
  if (request.system.length > 0) {
    body.systemInstruction = { parts: request.system.map((part) => ({ text: part.text })) };
  }
  const tools = request.tools ?? [];
  if (tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: tools.map((tool) => {
          const declaration: Json = { name: tool.name };
          if (tool.description) declaration.description = tool.description;
          const parameters = toGeminiSchema(tool.parameters);
          // Gemini rejects an object schema without properties: a tool without arguments has no schema.
          if (isRecord(parameters.properties)) declaration.parameters = parameters;
          return declaration;
        }),
      },
    ];
    const config = functionCallingConfig(request);
    if (config) body.toolConfig = { functionCallingConfig: config };
  }
  const generationConfig = encodeGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function functionCallingConfig(request: ChatRequest): Json | undefined {
  const choice = request.toolChoice;
  if (!choice) return undefined;
  switch (choice.type) {
    case 'auto':
      return { mode: 'AUTO' };
    case 'none':
      return { mode: 'NONE' };
    case 'required':
      return { mode: 'ANY' };
    case 'tool':
      return { mode: 'ANY', allowedFunctionNames: [choice.name] };
  }
}

function encodeGenerationConfig(request: ChatRequest): Json {
  const config: Json = {};
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format?.type === 'json_object' || format?.type === 'json_schema')
    config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') config.responseSchema = toGeminiSchema(format.schema);
  if (request.reasoning) {
    const thinking: Json = { includeThoughts: true };
    const budget = thinkingBudget(request.reasoning, GEMINI_THINKING_BUDGETS);
    if (budget !== undefined) thinking.thinkingBudget = budget;
    config.thinkingConfig = thinking;
  }
  return config;
}

function encodeContents(messages: readonly Message[]): Content[] {
  const contents: Content[] = [];
  const toolNames = new Map<string, string>();
  messages.forEach((message, index) => {
    const role = message.role === 'assistant' ? 'model' : 'user';
    const parts =
      role === 'model'
        ? encodeModelParts(message.content, toolNames, index)
        : encodeUserParts(message.content, toolNames, index);
    if (parts.length === 0) return;
    const previous = contents[contents.length - 1];
    if (previous && previous.role === role) previous.parts.push(...parts);
    else contents.push({ role, parts });
  });
  for (const content of contents) if (content.role === 'model') ensureCallSignature(content);
  return contents;
}

function encodeModelParts(
  content: readonly ContentPart[],
  toolNames: Map<string, string>,
  messageIndex: number,
): Json[] {
  const parts: Json[] = [];
  let signature: string | undefined;
  const withSignature = (part: Json): Json => {
    if (signature !== undefined) part.thoughtSignature = signature;
    signature = undefined;
    return part;
  };
  content.forEach((part, partIndex) => {
    switch (part.type) {
      case 'text':
        if (part.text !== '') parts.push(withSignature({ text: part.text }));
        break;
      case 'tool_call':
        toolNames.set(part.id, part.name);
        parts.push(
          withSignature({
            functionCall: {
              name: part.name,
              args: parseToolArguments(
                part.arguments,
                `messages[${messageIndex}].content[${partIndex}].arguments`,
              ),
            },
          }),
        );
        break;
      case 'reasoning':
        // The signature belongs to the part after the thought; one left at the end is optional and dropped.
        if (part.signature) signature = part.signature;
        break;
      case 'image':
        parts.push(withSignature(encodeImage(part)));
        break;
      case 'tool_result':
        break;
    }
  });
  return parts;
}

function encodeUserParts(
  content: readonly ContentPart[],
  toolNames: Map<string, string>,
  index: number,
): Json[] {
  const parts: Json[] = [];
  content.forEach((part, partIndex) => {
    switch (part.type) {
      case 'text':
        if (part.text !== '') parts.push({ text: part.text });
        break;
      case 'image':
        parts.push(encodeImage(part));
        break;
      case 'tool_result':
        parts.push(...encodeToolResult(part, toolNames, `messages[${index}].content[${partIndex}]`));
        break;
      case 'tool_call':
      case 'reasoning':
        // Only the model produces these; a user turn cannot carry them on Gemini's wire.
        break;
    }
  });
  return parts;
}

function encodeToolResult(part: ToolResultPart, toolNames: Map<string, string>, param: string): Json[] {
  const name = toolNames.get(part.toolCallId);
  if (name === undefined) {
    throw new GatewayError(
      'invalid_request',
      `${param}: no earlier tool call has the id "${part.toolCallId}" (Gemini needs the tool's name)`,
      { param },
    );
  }
  const value = jsonOrText(textOfParts(part.content));
  const response = part.isError ? { error: value } : isRecord(value) ? value : { output: value };
  const images = part.content.filter((item): item is ImagePart => item.type === 'image').map(encodeImage);
  return [{ functionResponse: { name, response } }, ...images];
}

function encodeImage(part: ImagePart): Json {
  const source = part.source;
  if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  const inline = parseDataUrl(source.url);
  if (inline) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
  return { fileData: { mimeType: guessImageMimeType(source.url), fileUri: source.url } };
}

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

export function guessImageMimeType(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not an absolute URL: guess from the text as given.
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (extension && IMAGE_TYPES[extension]) ?? 'image/jpeg';
}

/** Gemini 3 validates the first function call of each step; a call without a signature gets the placeholder. */
function ensureCallSignature(content: Content): void {
  const firstCall = content.parts.find((part) => part.functionCall !== undefined);
  if (firstCall && firstCall.thoughtSignature === undefined)
    firstCall.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
}
