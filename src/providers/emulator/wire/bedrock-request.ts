/**
 * Reads Bedrock Converse request bodies into the engine's neutral shape, refusing what Converse
 * refuses with a ValidationException in Bedrock's wording. Written from
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html (request
 * fields), .../API_runtime_Message.html, .../API_runtime_ContentBlock.html (text, image, toolUse,
 * toolResult, reasoningContent, cachePoint, document), .../API_runtime_ToolConfiguration.html,
 * .../API_runtime_ToolChoice.html, .../API_runtime_InferenceConfiguration.html and
 * https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html. The checks
 * that matter most to a translating gateway: a conversation starts with a user message and
 * alternates roles; toolUse / toolResult blocks need a toolConfig; each toolResult answers a
 * toolUse of the turn before; reasoning must come back with its signature.
 */
import type {
  EngineMessage,
  EngineRequest,
  EngineTool,
  EngineToolCallInput,
  EngineToolChoice,
} from '../engine.ts';
import { isObject, type Json, reasoningSignatureValid } from './common.ts';
import { WireError } from './types.ts';

export interface ConverseCall {
  engine: EngineRequest;
  /** `additionalModelResponseFieldPaths` asked for `/stop_sequence` (Anthropic models on Bedrock). */
  wantsStopSequence: boolean;
}

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function parseConverseRequest(body: unknown, model: string): ConverseCall {
  if (!isObject(body)) throw invalid('Malformed input request, please reformat your input and try again.');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid(
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  }
  const toolConfig = isObject(body.toolConfig) ? body.toolConfig : undefined;
  const engineMessages: EngineMessage[] = [...parseSystem(body.system)];
  messages.forEach((message, index) => {
    engineMessages.push(...parseMessage(message, index, messages, toolConfig !== undefined));
  });
  const tools = parseTools(toolConfig);
  const inference = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
  const engine: EngineRequest = {
    model,
    messages: engineMessages,
    tools,
    toolChoice: parseToolChoice(toolConfig?.toolChoice, tools),
    parallelToolCalls: true,
    responseFormat: { type: 'text' },
    stop: parseStopSequences(inference.stopSequences),
  };
  const maxTokens = inference.maxTokens;
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw invalid(
        "1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    }
    engine.maxTokens = maxTokens;
  }
  const additional = isObject(body.additionalModelRequestFields) ? body.additionalModelRequestFields : {};
  if (wantsReasoning(additional)) engine.reasoning = true;
  const paths = body.additionalModelResponseFieldPaths;
  return {
    engine,
    wantsStopSequence: Array.isArray(paths) && paths.includes('/stop_sequence'),
  };
}

/** Claude's `thinking` and the `reasoning_config` other reasoning models take. */
function wantsReasoning(additional: Json): boolean {
  const thinking = additional.thinking;
  if (isObject(thinking) && thinking.type === 'enabled') return true;
  const config = additional.reasoning_config ?? additional.reasoningConfig;
  return isObject(config) && (config.type === 'enabled' || typeof config.maxReasoningEffort === 'string');
}

function parseSystem(value: unknown): EngineMessage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('Malformed input request: system must be a list of blocks');
  const text = value
    .filter((block) => isObject(block) && typeof block.text === 'string')
    .map((block) => (block as Json).text as string)
    .join('\n');
  return text.length > 0 ? [{ role: 'system', text }] : [];
}

function parseMessage(
  value: unknown,
  index: number,
  all: readonly unknown[],
  hasToolConfig: boolean,
): EngineMessage[] {
  if (!isObject(value)) throw invalid(`Malformed input request: messages.${index} must be an object`);
  const role = value.role;
  if (role !== 'user' && role !== 'assistant') {
    throw invalid(
      `1 validation error detected: Value '${String(role)}' at 'messages.${index + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`,
    );
  }
  if (index === 0 && role !== 'user') {
    throw invalid(
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  }
  const previous = all[index - 1];
  if (isObject(previous) && previous.role === role) {
    throw invalid(
      'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
    );
  }
  const content = value.content;
  if (!Array.isArray(content) || content.length === 0) {
    throw invalid(
      `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`,
    );
  }
  const blocks = content.map((block) => (isObject(block) ? block : {}));
  const usesTools = blocks.some((block) => block.toolUse !== undefined || block.toolResult !== undefined);
  if (usesTools && !hasToolConfig) {
    throw invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  }
  return role === 'assistant' ? [parseAssistant(blocks, index)] : parseUser(blocks, index, previous);
}

function parseAssistant(blocks: Json[], index: number): EngineMessage {
  const texts: string[] = [];
  const toolCalls: EngineToolCallInput[] = [];
  for (const block of blocks) {
    if (typeof block.text === 'string') texts.push(block.text);
    else if (isObject(block.toolUse)) {
      const use = block.toolUse;
      if (typeof use.toolUseId !== 'string' || typeof use.name !== 'string') {
        throw invalid(`Malformed input request: messages.${index} toolUse needs toolUseId and name`);
      }
      toolCalls.push({ id: use.toolUseId, name: use.name, arguments: JSON.stringify(use.input ?? {}) });
    } else if (isObject(block.reasoningContent)) {
      const reasoning = block.reasoningContent.reasoningText;
      if (isObject(reasoning)) {
        const { text, signature } = reasoning;
        if (
          typeof text !== 'string' ||
          typeof signature !== 'string' ||
          !reasoningSignatureValid(text, signature)
        ) {
          throw invalid(
            `The model returned the following errors: messages.${index}.content: Invalid \`signature\` in \`thinking\` block`,
          );
        }
      }
    }
  }
  const message: EngineMessage = { role: 'assistant', text: texts.join('\n') };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return message;
}

function parseUser(blocks: Json[], index: number, previous: unknown): EngineMessage[] {
  const uses = new Set(toolUseIds(previous));
  const results: EngineMessage[] = [];
  const texts: string[] = [];
  let images = 0;
  for (const block of blocks) {
    if (typeof block.text === 'string') texts.push(block.text);
    else if (isObject(block.image)) {
      const image = block.image;
      if (typeof image.format !== 'string' || !IMAGE_FORMATS.has(image.format)) {
        throw invalid(
          `1 validation error detected: Value at 'messages.${index + 1}.member.content.member.image.format' failed to satisfy constraint: Member must satisfy enum value set: [gif, jpeg, png, webp]`,
        );
      }
      images++;
    } else if (isObject(block.toolResult)) {
      const result = block.toolResult;
      if (typeof result.toolUseId !== 'string' || !uses.has(result.toolUseId)) {
        throw invalid(
          `The number of toolResult blocks at messages.${index}.content exceeds the number of toolUse blocks of previous turn.`,
        );
      }
      results.push({ role: 'tool', text: toolResultText(result.content), toolCallId: result.toolUseId });
    }
  }
  if (texts.length === 0 && images === 0) return results;
  const user: EngineMessage = { role: 'user', text: texts.join('\n') };
  if (images > 0) user.images = images;
  return [...results, user];
}

function toolResultText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      if (!isObject(block)) return '';
      if (typeof block.text === 'string') return block.text;
      if (block.json !== undefined) return JSON.stringify(block.json);
      return '';
    })
    .join('');
}

function toolUseIds(message: unknown): string[] {
  if (!isObject(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return [];
  return message.content.flatMap((block) =>
    isObject(block) && isObject(block.toolUse) && typeof block.toolUse.toolUseId === 'string'
      ? [block.toolUse.toolUseId]
      : [],
  );
}

function parseTools(config: Json | undefined): EngineTool[] {
  if (config === undefined) return [];
  const tools = config.tools;
  if (!Array.isArray(tools) || tools.length === 0) {
    throw invalid(
      "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const out: EngineTool[] = [];
  tools.forEach((tool, index) => {
    if (!isObject(tool) || tool.cachePoint !== undefined) return;
    const spec = tool.toolSpec;
    if (!isObject(spec))
      throw invalid(`Malformed input request: toolConfig.tools.${index} must hold a toolSpec`);
    if (typeof spec.name !== 'string' || !TOOL_NAME.test(spec.name)) {
      throw invalid(
        `1 validation error detected: Value at 'toolConfig.tools.${index + 1}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`,
      );
    }
    const schema =
      isObject(spec.inputSchema) && isObject(spec.inputSchema.json) ? spec.inputSchema.json : undefined;
    if (!schema)
      throw invalid(
        `Malformed input request: toolConfig.tools.${index}.toolSpec.inputSchema.json is required`,
      );
    out.push(
      typeof spec.description === 'string'
        ? { name: spec.name, description: spec.description, parameters: schema }
        : { name: spec.name, parameters: schema },
    );
  });
  return out;
}

function parseToolChoice(value: unknown, tools: EngineTool[]): EngineToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (!isObject(value)) throw invalid('Malformed input request: toolConfig.toolChoice must be an object');
  if (value.auto !== undefined) return 'auto';
  if (value.any !== undefined) return 'required';
  if (isObject(value.tool) && typeof value.tool.name === 'string') {
    const name = value.tool.name;
    if (!tools.some((tool) => tool.name === name)) {
      throw invalid(`The tool ${name} named in toolChoice is not defined in toolConfig.tools.`);
    }
    return { name };
  }
  throw invalid('Malformed input request: toolConfig.toolChoice must hold auto, any or tool');
}

function parseStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw invalid('Malformed input request: inferenceConfig.stopSequences must be a list of strings');
  }
  return value as string[];
}

function invalid(message: string): WireError {
  return new WireError(400, message, null, 'ValidationException');
}
