/**
 * Gemini `GenerateContentResponse` -> IR, whole (https://ai.google.dev/api/generate-content#generatecontentresponse)
 * and streamed (`streamGenerateContent?alt=sse`: every SSE data is one GenerateContentResponse chunk).
 * - parts: text -> text; `thought: true` -> reasoning; a `thoughtSignature` on any other part becomes
 *   a signature-only reasoning part just before it (the request encoder puts it back on that part);
 *   functionCall -> tool call with arguments as JSON text and the call's own id, or a generated
 *   `call_<random>` one (ids must stay unique across the conversation: tool results are matched by
 *   id); inline image data -> image;
 * - finish: STOP -> stop (tool_calls when the candidate called a function), MAX_TOKENS -> length,
 *   safety-type reasons (SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_*) and a
 *   blocked prompt -> content_filter, malformed or unexpected tool calls -> error, anything else
 *   (OTHER, LANGUAGE, unknown) -> stop; Gemini's own reason is kept in `extra.finishReason`;
 * - usage: promptTokenCount (cached tokens included, as the IR wants) + toolUsePromptTokenCount ->
 *   input; candidatesTokenCount + thoughtsTokenCount -> output (thoughts are billed as output);
 *   cachedContentTokenCount -> cacheRead; thoughtsTokenCount -> reasoning;
 * - stream: the first chunk yields `start`; a function call arrives whole in one chunk and yields
 *   tool_call_start + one delta + tool_call_end; the chunk with a finishReason yields `finish` then
 *   `usage` (usageMetadata is cumulative; the last one seen is reported once); an `error` payload is
 *   thrown as a GatewayError.
 */
import type { GatewayError } from '../../core/errors.ts';
import type {
  ChatResponse,
  ContentPart,
  FinishReason,
  StreamEvent,
  StreamFrame,
  Usage,
} from '../../core/ir.ts';
import type { SseEvent, StreamDecoder } from '../types.ts';
import {
  appendMergingText,
  arrayOf,
  count,
  generatedId,
  isRecord,
  type Json,
  malformedUpstream,
  nowSeconds,
  parseStreamData,
} from '../upstream-common.ts';

const CONTENT_FILTER_REASONS = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);
const ERROR_REASONS = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS']);

export function geminiFinishReason(reason: string, calledTool: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  if (ERROR_REASONS.has(reason)) return 'error';
  return calledTool ? 'tool_calls' : 'stop';
}

export function geminiUsage(metadata: unknown): Usage {
  const usage = isRecord(metadata) ? metadata : {};
  const thoughts = count(usage.thoughtsTokenCount);
  return {
    inputTokens: count(usage.promptTokenCount) + count(usage.toolUsePromptTokenCount),
    outputTokens: count(usage.candidatesTokenCount) + thoughts,
    cacheReadTokens: count(usage.cachedContentTokenCount),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

function createdOf(body: Json): number {
  const time = typeof body.createTime === 'string' ? Date.parse(body.createTime) : Number.NaN;
  return Number.isFinite(time) ? Math.floor(time / 1000) : nowSeconds();
}

function firstCandidate(body: Json): Json | undefined {
  const candidate = arrayOf(body.candidates)[0];
  return isRecord(candidate) ? candidate : undefined;
}

function partsOf(candidate: Json | undefined): Json[] {
  const content = candidate?.content;
  return isRecord(content) ? arrayOf(content.parts).filter(isRecord) : [];
}

function blockedPrompt(body: Json): string | undefined {
  const feedback = body.promptFeedback;
  return isRecord(feedback) && typeof feedback.blockReason === 'string' ? feedback.blockReason : undefined;
}

/** One Gemini part as IR content (a thought signature on a non-thought part comes first, on its own). */
function decodePart(part: Json): ContentPart[] {
  const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined;
  if (part.thought === true) {
    const text = typeof part.text === 'string' ? part.text : '';
    return [{ type: 'reasoning', text, ...(signature ? { signature } : {}) }];
  }
  const decoded: ContentPart[] = signature ? [{ type: 'reasoning', text: '', signature }] : [];
  if (typeof part.text === 'string') {
    decoded.push({ type: 'text', text: part.text });
  } else if (isRecord(part.functionCall)) {
    const call = part.functionCall;
    decoded.push({
      type: 'tool_call',
      id: typeof call.id === 'string' && call.id !== '' ? call.id : generatedId('call'),
      name: typeof call.name === 'string' ? call.name : '',
      arguments: JSON.stringify(isRecord(call.args) ? call.args : {}),
    });
  } else if (isRecord(part.inlineData) && typeof part.inlineData.data === 'string') {
    const mediaType =
      typeof part.inlineData.mimeType === 'string' ? part.inlineData.mimeType : 'application/octet-stream';
    decoded.push({ type: 'image', source: { kind: 'base64', mediaType, data: part.inlineData.data } });
  }
  return decoded;
}

export function decodeGeminiResponse(body: unknown): ChatResponse {
  if (!isRecord(body)) throw malformedUpstream('gemini', 'the body is not a JSON object');
  const candidate = firstCandidate(body);
  const blocked = blockedPrompt(body);
  if (!candidate && !blocked) throw malformedUpstream('gemini', 'no candidates');
  const content: ContentPart[] = [];
  for (const part of partsOf(candidate)) {
    for (const decoded of decodePart(part)) appendMergingText(content, decoded);
  }
  const rawReason = typeof candidate?.finishReason === 'string' ? candidate.finishReason : blocked;
  const calledTool = content.some((part) => part.type === 'tool_call');
  const finishReason: FinishReason =
    blocked && !candidate ? 'content_filter' : geminiFinishReason(rawReason ?? 'STOP', calledTool);
  const extra: Json = {};
  if (rawReason) extra.finishReason = rawReason;
  if (blocked) extra.promptFeedback = body.promptFeedback;
  return {
    id: typeof body.responseId === 'string' ? body.responseId : generatedId('gen'),
    model: typeof body.modelVersion === 'string' ? body.modelVersion : '',
    created: createdOf(body),
    content,
    finishReason,
    usage: geminiUsage(body.usageMetadata),
    extra,
  };
}

/** Stream decoder; `toError` turns an in-stream `{error}` payload into the error to throw. */
export function createGeminiStreamDecoder(
  toError: (status: number, body: unknown) => GatewayError,
): StreamDecoder {
  let started = false;
  let toolCalls = 0;
  let finished = false;
  let usageSent = false;
  let usage: Usage | undefined;

  return {
    push(event: SseEvent): StreamFrame | undefined {
      const data = event.data.trim();
      if (data === '' || data === '[DONE]') return undefined;
      const chunk = parseStreamData('gemini', data);
      if (!isRecord(chunk)) throw malformedUpstream('gemini', 'a stream chunk is not a JSON object');
      if (isRecord(chunk.error)) {
        const status = typeof chunk.error.code === 'number' ? chunk.error.code : 500;
        throw toError(status, chunk);
      }
      const events: StreamEvent[] = [];
      if (!started) {
        started = true;
        events.push({
          type: 'start',
          id: typeof chunk.responseId === 'string' ? chunk.responseId : generatedId('gen'),
          model: typeof chunk.modelVersion === 'string' ? chunk.modelVersion : '',
          created: createdOf(chunk),
        });
      }
      const candidate = firstCandidate(chunk);
      for (const part of partsOf(candidate)) {
        for (const decoded of decodePart(part)) {
          if (decoded.type === 'text' && decoded.text !== '')
            events.push({ type: 'text', text: decoded.text });
          else if (decoded.type === 'reasoning')
            events.push({
              type: 'reasoning',
              text: decoded.text,
              ...(decoded.signature ? { signature: decoded.signature } : {}),
            });
          else if (decoded.type === 'tool_call') {
            const index = toolCalls++;
            events.push(
              { type: 'tool_call_start', index, id: decoded.id, name: decoded.name },
              { type: 'tool_call_delta', index, argumentsDelta: decoded.arguments },
              { type: 'tool_call_end', index },
            );
          }
        }
      }
      if (chunk.usageMetadata !== undefined) usage = geminiUsage(chunk.usageMetadata);
      const reason = typeof candidate?.finishReason === 'string' ? candidate.finishReason : undefined;
      const blocked = candidate ? undefined : blockedPrompt(chunk);
      if (!finished && (reason || blocked)) {
        finished = true;
        const finish = blocked ? 'content_filter' : geminiFinishReason(reason ?? 'STOP', toolCalls > 0);
        events.push({ type: 'finish', reason: finish });
      }
      if (finished && !usageSent && usage) {
        usageSent = true;
        events.push({ type: 'usage', usage });
      }
      return events.length > 0 ? { events, raw: { dialect: 'gemini', data: event.data } } : undefined;
    },
  };
}
