import type { GatewayError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { StreamEvent, StreamFrame, Usage } from '../../core/ir.ts';
import { formatSse } from '../sse-format.ts';
import type { StreamEncoder, StreamEncoderOptions } from '../types.ts';
import { errorObject } from './errors.ts';
import { finishToOpenAI, usageToOpenAI } from './usage.ts';
import type { Json } from './validate.ts';

const DONE = 'data: [DONE]\n\n';

/**
 * IR frames -> `chat.completion.chunk` events for an OpenAI client. Frames that came from an
 * OpenAI-compatible upstream are written as the upstream sent them, except those carrying usage:
 * the gateway always asks the upstream for usage, so that chunk is rebuilt, or dropped when the
 * client did not ask for it.
 */
export class OpenAIStreamEncoder implements StreamEncoder {
  private id: string | undefined;
  private model = '';
  private created = 0;
  private roleSent = false;

  constructor(private readonly options: StreamEncoderOptions) {}

  encode(frame: StreamFrame): string {
    let hasUsage = false;
    for (const event of frame.events) {
      if (event.type === 'start') {
        this.id = event.id;
        this.model = event.model;
        this.created = event.created;
      } else if (event.type === 'usage') {
        hasUsage = true;
      }
    }
    const raw = frame.raw;
    if (raw !== undefined && raw.dialect === 'openai-chat' && !hasUsage) {
      this.roleSent = true;
      return formatSse(raw.data);
    }
    let out = '';
    for (const event of frame.events) out += this.encodeEvent(event);
    return out;
  }

  end(): string {
    return DONE;
  }

  error(error: GatewayError): string {
    return formatSse(JSON.stringify({ error: errorObject(error) }));
  }

  private encodeEvent(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        return this.roleSent ? '' : this.chunk({ content: '' });
      case 'text':
        return this.chunk({ content: event.text });
      case 'reasoning':
        // Signature-only events (Anthropic) carry nothing an OpenAI client can use.
        return event.text ? this.chunk({ reasoning_content: event.text }) : '';
      case 'tool_call_start':
        return this.chunk({
          tool_calls: [
            {
              index: event.index,
              id: event.id,
              type: 'function',
              function: { name: event.name, arguments: '' },
            },
          ],
        });
      case 'tool_call_delta':
        return this.chunk({
          tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }],
        });
      case 'tool_call_end':
        return '';
      case 'finish':
        return this.chunk({}, finishToOpenAI(event.reason));
      case 'usage':
        return this.options.request.includeUsage ? this.usageChunk(event.usage) : '';
    }
  }

  /** The first delta of a stream carries the role, as OpenAI's own streams do. */
  private chunk(delta: Json, finishReason: string | null = null): string {
    if (!this.roleSent) {
      this.roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    const body: Json = {
      ...this.header(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    if (this.options.request.includeUsage) body.usage = null;
    return formatSse(JSON.stringify(body));
  }

  private usageChunk(usage: Usage): string {
    const body: Json = { ...this.header(), choices: [], usage: usageToOpenAI(usage) };
    const extension = this.options.usageExtension?.(usage);
    if (extension !== undefined) body.switchyard = extension;
    return formatSse(JSON.stringify(body));
  }

  private header(): Json {
    if (this.id === undefined) {
      this.id = newId('chatcmpl');
      this.created = Math.floor(Date.now() / 1000);
    }
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }
}
