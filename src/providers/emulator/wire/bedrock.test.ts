import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { type EmulatorHandle, startEmulator } from '../server.ts';
import { postJson } from '../test-support.ts';

const ACCESS_KEY = 'AKIDEMULATOR';
const SIGNED = {
  authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'ab'.repeat(32)}`,
  'x-amz-date': '20250101T000000Z',
};
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ apiKey: ACCESS_KEY });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const call = (action: string, body: unknown, headers: Record<string, string> = SIGNED, model = MODEL) =>
  postJson(`${emulator.url}/model/${encodeURIComponent(model)}/${action}`, body, headers);
const user = (text: string) => ({ messages: [{ role: 'user', content: [{ text }] }] });
const TOOLS = {
  toolConfig: {
    tools: [
      {
        toolSpec: {
          name: 'lookup',
          inputSchema: { json: { type: 'object', properties: { id: { type: 'integer' } } } },
        },
      },
    ],
  },
};

interface StreamMessage {
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

/** Splits a whole event-stream body at each message's length prefix and decodes it with the AWS SDKs' codec. */
async function eventStream(response: Response): Promise<StreamMessage[]> {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const bytes = Buffer.from(await response.arrayBuffer());
  const out: StreamMessage[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    const message = codec.decode(bytes.subarray(offset, offset + length));
    offset += length;
    const headers = Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, String(value.value)]),
    );
    out.push({ headers, payload: JSON.parse(toUtf8(message.body)) as Record<string, unknown> });
  }
  return out;
}

describe('Bedrock Converse', () => {
  test('a whole answer: output message, stop reason, usage, metrics', async () => {
    const response = await call('converse', {
      ...user('Say it [[emulator:echo]]'),
      inferenceConfig: { maxTokens: 50 },
    });
    assert.equal(response.status, 200);
    assert.ok(response.headers.get('x-amzn-requestid'));
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(body.output, { message: { role: 'assistant', content: [{ text: 'Say it' }] } });
    assert.equal(body.stopReason, 'end_turn');
    const usage = body.usage as Record<string, number>;
    assert.equal(usage.outputTokens, 2);
    assert.equal(usage.totalTokens, (usage.inputTokens ?? 0) + 2);
    assert.equal(typeof (body.metrics as { latencyMs: unknown }).latencyMs, 'number');
  });

  test('converse-stream is an AWS event stream of Converse events', async () => {
    const response = await call('converse-stream', {
      ...user('Look it up [[emulator:reasoning]]'),
      ...TOOLS,
    });
    assert.equal(response.headers.get('content-type'), 'application/vnd.amazon.eventstream');
    const messages = await eventStream(response);
    assert.ok(messages.every((message) => message.headers[':message-type'] === 'event'));
    assert.ok(
      messages.every((message) => typeof message.payload.p === 'string'),
      'payloads are padded',
    );
    const types = messages.map((message) => message.headers[':event-type']);
    assert.equal(types[0], 'messageStart');
    assert.deepEqual(types.slice(-2), ['messageStop', 'metadata']);
    const deltas = messages.filter((message) => message.headers[':event-type'] === 'contentBlockDelta');
    const kinds = deltas.map((message) => Object.keys(message.payload.delta as object)[0]);
    assert.ok(kinds.includes('reasoningContent') && kinds.includes('toolUse'));
    const signature = deltas.find(
      (message) =>
        'signature' in ((message.payload.delta as { reasoningContent?: object }).reasoningContent ?? {}),
    );
    assert.ok(signature, 'reasoning ends with its signature');
    const start = messages.find(
      (message) => message.headers[':event-type'] === 'contentBlockStart',
    ) as StreamMessage;
    assert.match(
      String((start.payload.start as { toolUse: { toolUseId: string } }).toolUse.toolUseId),
      /^tooluse_/,
    );
    const [stop, metadata] = messages.slice(-2) as [StreamMessage, StreamMessage];
    assert.equal(stop.payload.stopReason, 'tool_use');
    const usage = metadata.payload.usage as { outputTokens: number };
    assert.equal(usage.outputTokens, deltas.length - 1, 'one token per delta, the signature aside');
  });

  test('a stream cut by errorAfterChunks ends with an exception message', async () => {
    emulator.setFaults([{ errorAfterChunks: 2, status: 429 }]);
    const messages = await eventStream(await call('converse-stream', user('hi [[emulator:tokens=5]]')));
    assert.equal(messages.length, 3);
    assert.equal(messages[2]?.headers[':message-type'], 'exception');
    assert.equal(messages[2]?.headers[':exception-type'], 'throttlingException');
    assert.equal(typeof messages[2]?.payload.message, 'string');
  });

  test('what Converse refuses: role order, tool blocks without toolConfig, stray tool results', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] }, /must start with a user message/],
      [
        {
          messages: [
            { role: 'user', content: [{ text: 'a' }] },
            { role: 'user', content: [{ text: 'b' }] },
          ],
        },
        /must alternate between user and assistant/,
      ],
      [
        {
          messages: [
            { role: 'user', content: [{ text: 'go' }] },
            { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'lookup', input: {} } }] },
            { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'r' }] } }] },
          ],
        },
        /toolConfig field must be defined/,
      ],
      [
        {
          ...TOOLS,
          messages: [
            { role: 'user', content: [{ text: 'go' }] },
            { role: 'assistant', content: [{ text: 'no tools' }] },
            { role: 'user', content: [{ toolResult: { toolUseId: 't9', content: [{ text: 'r' }] } }] },
          ],
        },
        /exceeds the number of toolUse blocks/,
      ],
    ];
    for (const [body, message] of cases) {
      const response = await call('converse', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(String(response.headers.get('x-amzn-errortype')), /^ValidationException:/);
      assert.match(((await response.json()) as { message: string }).message, message);
    }
  });

  test('auth: a SigV4 header with the right access key id, or a bearer API key', async () => {
    assert.equal((await call('converse', user('hi'), { authorization: `Bearer ${ACCESS_KEY}` })).status, 200);
    const wrongKey = await call('converse', user('hi'), {
      ...SIGNED,
      authorization: SIGNED.authorization.replace(ACCESS_KEY, 'AKIDOTHER'),
    });
    assert.equal(wrongKey.status, 403);
    assert.match(String(wrongKey.headers.get('x-amzn-errortype')), /^UnrecognizedClientException:/);
    const malformed = await call('converse', user('hi'), { authorization: 'AWS4-HMAC-SHA256 Credential=x' });
    assert.match(String(malformed.headers.get('x-amzn-errortype')), /^IncompleteSignatureException:/);
    const missing = await call('converse', user('hi'), {});
    assert.match(String(missing.headers.get('x-amzn-errortype')), /^MissingAuthenticationTokenException:/);
  });

  test('a fault status carries its exception name in x-amzn-errortype', async () => {
    emulator.setFaults([{ status: 429, times: 1 }]);
    const response = await call('converse', user('hi'));
    assert.equal(response.status, 429);
    assert.match(String(response.headers.get('x-amzn-errortype')), /^ThrottlingException:/);
  });
});

describe('Bedrock InvokeModel for embeddings', () => {
  test('Titan v2: 256/512/1024 dimensions, token count in body and header', async () => {
    const response = await call(
      'invoke',
      { inputText: 'alpha beta', dimensions: 256, normalize: true },
      SIGNED,
      'amazon.titan-embed-text-v2:0',
    );
    const body = (await response.json()) as { embedding: number[]; inputTextTokenCount: number };
    assert.equal(body.embedding.length, 256);
    assert.equal(response.headers.get('x-amzn-bedrock-input-token-count'), String(body.inputTextTokenCount));
    const odd = await call(
      'invoke',
      { inputText: 'alpha', dimensions: 1536 },
      SIGNED,
      'amazon.titan-embed-text-v2:0',
    );
    assert.equal(odd.status, 400);
  });

  test('Cohere embed: texts in, a list of vectors out; input_type is required', async () => {
    const model = 'cohere.embed-english-v3';
    const body = (await (
      await call('invoke', { texts: ['a', 'b'], input_type: 'search_document' }, SIGNED, model)
    ).json()) as {
      embeddings: number[][];
      response_type: string;
    };
    assert.equal(body.embeddings.length, 2);
    assert.equal(body.embeddings[0]?.length, 1024);
    assert.equal(body.response_type, 'embeddings_floats');
    assert.equal((await call('invoke', { texts: ['a'] }, SIGNED, model)).status, 400);
  });
});
