import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../../core/errors.ts';
import { assembleStream, chatRequest } from '../../dialects/testing.ts';
import { createProvider } from '../registry.ts';
import {
  collect,
  deployment,
  eventsOfFrames,
  providerConfig,
  testContext,
} from '../testing/recording-upstream.ts';
import type { Provider } from '../types.ts';
import {
  assertValidSignature,
  EventStreamUpstream,
  eventFrame,
  exceptionFrame,
  SIGV4_FIELDS as sigv4,
} from './testing.ts';

const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../dialects/fixtures/bedrock/${name}`, import.meta.url), 'utf8'),
  ) as unknown;

const opened: Provider[] = [];

function bedrock(fields: Record<string, unknown>, model: string, baseUrl: string) {
  const config = providerConfig({
    name: 'br',
    type: 'bedrock',
    aws_region: 'us-east-1',
    base_url: baseUrl,
    ...fields,
  });
  const provider = createProvider(config, testContext());
  opened.push(provider);
  return { provider, target: deployment(config, model) };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const signal = () => new AbortController().signal;

after(() => Promise.all(opened.map((p) => p.close?.())));

describe('bedrock provider: ConverseStream', () => {
  let stub: EventStreamUpstream;
  const toolStream = () =>
    (fixture('stream-tools.json') as Array<{ event: string; data: unknown }>).map((item) =>
      eventFrame(item.event, item.data),
    );

  before(async () => {
    stub = await EventStreamUpstream.start();
  });
  after(() => stub.close());

  it('decodes binary frames split across writes, and names the deployment model', async () => {
    // Cuts inside preludes, headers and payloads, and pieces that hold the end of one frame and the
    // start of the next.
    stub.answer(toolStream(), (total) =>
      Array.from({ length: Math.floor(total / 37) }, (_, i) => (i + 1) * 37),
    );
    const { provider, target } = bedrock(sigv4, CLAUDE, stub.url);
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    const sent = stub.requests.at(-1);
    assert.equal(sent?.url, '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream');
    assert.equal(sent?.headers.accept, 'application/vnd.amazon.eventstream');
    if (sent) await assertValidSignature(sent, Number(new URL(stub.url).port));
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const events = eventsOfFrames(await collect(result.frames));
    const start = events[0];
    assert.equal(start?.type === 'start' && start.model, CLAUDE);
    const assembled = assembleStream(events);
    assert.equal(assembled.text, 'Let me check the charts.');
    assert.equal(assembled.reasoning, "I need the station's top song.");
    assert.deepEqual(assembled.toolCalls, [
      { id: 'tooluse_3QzX8a1dT-6g0Rk9yqLhSw', name: 'top_song', arguments: '{"sign": "WZPZ"}' },
    ]);
    assert.ok(events.some((event) => event.type === 'finish' && event.reason === 'tool_calls'));
    const usage = events.find((event) => event.type === 'usage');
    assert.deepEqual(usage, {
      type: 'usage',
      usage: {
        inputTokens: 402 + 1024,
        outputTokens: 87,
        cacheReadTokens: 1024,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
  });

  it('an exception frame mid-stream ends it with the GatewayError it names', async () => {
    stub.answer(
      [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
        exceptionFrame('throttlingException', {
          message: 'Too many tokens, please wait before trying again.',
        }),
      ],
      (total) => [5, total - 9],
    );
    const { provider, target } = bedrock(sigv4, CLAUDE, stub.url);
    const result = await provider.chat(chatRequest({ stream: true }), target, signal());
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const frame of result.frames) for (const event of frame.events) seen.push(event.type);
      })(),
    );
    assert.deepEqual(seen, ['start', 'text']);
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
  });

  it('cancelling mid-stream ends it with a GatewayError and closes the upstream connection', async () => {
    stub.answer([eventFrame('messageStart', { role: 'assistant' })], () => [], true);
    const { provider, target } = bedrock(sigv4, CLAUDE, stub.url);
    const controller = new AbortController();
    const result = await provider.chat(chatRequest({ stream: true }), target, controller.signal);
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const iterator = result.frames[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    controller.abort();
    await assert.rejects(iterator.next(), (error: unknown) => error instanceof GatewayError);
    await stub.closed;
  });
});
