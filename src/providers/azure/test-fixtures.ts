/** Test data: Azure OpenAI answers as the service sends them, content-filter annotations included. */
import { sseBody } from '../testing/recording-upstream.ts';

/** A chat completion as Azure returns it, with its content-filter annotations. */
export function completion(finishReason = 'stop', content: string | null = 'Bonjour.') {
  return {
    id: 'chatcmpl-AzU1',
    object: 'chat.completion',
    created: 1_738_686_168,
    model: 'gpt-4o-2024-11-20',
    prompt_filter_results: [
      { prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } },
    ],
    choices: [
      {
        index: 0,
        finish_reason: finishReason,
        message: { role: 'assistant', content },
        content_filter_results: { hate: { filtered: finishReason === 'content_filter', severity: 'medium' } },
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  };
}

/** Azure's stream: a prompt-filter chunk with no id or model first, then the completion's chunks. */
export const AZURE_STREAM = sseBody([
  {
    choices: [],
    created: 0,
    id: '',
    model: '',
    object: '',
    prompt_filter_results: [
      { prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } },
    ],
  },
  {
    id: 'chatcmpl-AzS9',
    object: 'chat.completion.chunk',
    created: 1_738_686_170,
    model: 'gpt-4o-2024-11-20',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  },
  {
    id: 'chatcmpl-AzS9',
    object: 'chat.completion.chunk',
    created: 1_738_686_170,
    model: 'gpt-4o-2024-11-20',
    choices: [{ index: 0, delta: { content: 'Bon' }, finish_reason: null, content_filter_results: {} }],
  },
  {
    id: 'chatcmpl-AzS9',
    object: 'chat.completion.chunk',
    created: 1_738_686_170,
    model: 'gpt-4o-2024-11-20',
    choices: [
      {
        index: 0,
        delta: {},
        finish_reason: 'content_filter',
        content_filter_results: { violence: { filtered: true } },
      },
    ],
  },
  {
    id: 'chatcmpl-AzS9',
    object: 'chat.completion.chunk',
    created: 1_738_686_170,
    model: 'gpt-4o-2024-11-20',
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  },
  '[DONE]',
]);
