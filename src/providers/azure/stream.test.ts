import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamFrame } from '../../core/ir.ts';
import { collect } from '../testing/recording-upstream.ts';
import { isLegacyVersion } from './provider.ts';
import { startFromCompletionChunk } from './stream.ts';

async function* from(frames: StreamFrame[]): AsyncGenerator<StreamFrame> {
  yield* frames;
}

const filterChunk = JSON.stringify({ id: '', model: '', created: 0, choices: [], prompt_filter_results: [] });
const decodedStart = { type: 'start', id: 'chatcmpl_local', model: '', created: 1 } as const;

describe('azure stream start', () => {
  it('leaves a stream that starts with a named chunk alone', async () => {
    const frames: StreamFrame[] = [
      {
        events: [
          { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o', created: 5 },
          { type: 'text', text: 'Hi' },
        ],
        raw: {
          dialect: 'openai-chat',
          data: JSON.stringify({ id: 'chatcmpl-1', model: 'gpt-4o', created: 5, choices: [] }),
        },
      },
    ];
    assert.deepEqual(await collect(startFromCompletionChunk(from(frames))), frames);
  });

  it('still starts a stream that ended on filter annotations alone', async () => {
    const out = await collect(
      startFromCompletionChunk(
        from([{ events: [decodedStart], raw: { dialect: 'openai-chat', data: filterChunk } }]),
      ),
    );
    assert.deepEqual(
      out.map((frame) => frame.events),
      [[], [decodedStart]],
    );
  });

  it('starts before the first answer event even when no chunk names the completion', async () => {
    const out = await collect(
      startFromCompletionChunk(
        from([
          { events: [decodedStart], raw: { dialect: 'openai-chat', data: filterChunk } },
          { events: [{ type: 'text', text: 'Hi' }], raw: { dialect: 'openai-chat', data: '{"choices":[]}' } },
        ]),
      ),
    );
    assert.deepEqual(out[1]?.events, [decodedStart, { type: 'text', text: 'Hi' }]);
  });
});

describe('azure api-version', () => {
  it('tells dated versions before 2024-09-01 from later ones and from v1', () => {
    assert.equal(isLegacyVersion('2024-06-01'), true);
    assert.equal(isLegacyVersion('2024-08-01-preview'), true);
    assert.equal(isLegacyVersion('2024-09-01-preview'), false);
    assert.equal(isLegacyVersion('2024-10-21'), false);
    assert.equal(isLegacyVersion('v1'), false);
  });
});
