import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../server.ts';
import { postJson } from '../test-support.ts';

const KEY = 'gemini-emulator-key';
const studio = { 'x-goog-api-key': KEY };
const VERTEX_BASE = '/v1/projects/p1/locations/us-central1/publishers/google/models';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ apiKey: KEY });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

type Response = {
  candidates: Array<{
    content: { role: string; parts: Array<Record<string, unknown>> };
    finishReason?: string;
  }>;
  usageMetadata: Record<string, number>;
  modelVersion: string;
};

const generate = (
  body: Record<string, unknown>,
  method = 'generateContent',
  headers: Record<string, string> = studio,
) => postJson(`${emulator.url}/v1beta/models/gemini-2.5-flash:${method}`, body, headers);
const user = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

/** The `data:` payloads of an SSE body (Gemini separates events with CRLF CRLF). */
function sseResponses(text: string): Response[] {
  return text
    .split('\r\n\r\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice('data: '.length)) as Response);
}

describe('Gemini generateContent', () => {
  test('text, finish reason and usage; the model version is the URL model', async () => {
    const body = (await (await generate(user('Say it [[emulator:echo]]'))).json()) as Response;
    assert.deepEqual(body.candidates[0]?.content, { parts: [{ text: 'Say it' }], role: 'model' });
    assert.equal(body.candidates[0]?.finishReason, 'STOP');
    assert.equal(body.usageMetadata.candidatesTokenCount, 2);
    assert.equal(body.usageMetadata.totalTokenCount, (body.usageMetadata.promptTokenCount ?? 0) + 2);
    assert.equal(body.modelVersion, 'gemini-2.5-flash');
  });

  test('function calls, then function responses answered in the next turn', async () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
          },
        ],
      },
    ];
    const first = (await (await generate({ ...user('Weather?'), tools })).json()) as Response;
    const call = first.candidates[0]?.content.parts[0];
    assert.deepEqual(call, { functionCall: { name: 'get_weather', args: { city: 'example city' } } });
    assert.equal(first.candidates[0]?.finishReason, 'STOP');
    const second = (await (
      await generate({
        tools,
        contents: [
          ...user('Weather?').contents,
          { role: 'model', parts: [call] },
          {
            role: 'user',
            parts: [{ functionResponse: { name: 'get_weather', response: { result: 'sunny' } } }],
          },
        ],
      })
    ).json()) as Response;
    assert.deepEqual(second.candidates[0]?.content.parts, [{ text: 'The tool returned: sunny' }]);
    const unanswered = await generate({
      tools,
      contents: [
        ...user('Weather?').contents,
        { role: 'model', parts: [call] },
        ...user('never mind').contents,
      ],
    });
    assert.equal(unanswered.status, 400);
    assert.match(
      ((await unanswered.json()) as { error: { message: string } }).error.message,
      /function response turn/,
    );
  });

  test('a Schema keyword Gemini does not know is refused, as the real API does', async () => {
    const response = await generate({
      ...user('hi'),
      tools: [
        {
          functionDeclarations: [{ name: 'f', parameters: { type: 'object', additionalProperties: false } }],
        },
      ],
    });
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: { code: number; status: string; message: string } })
      .error;
    assert.equal(error.status, 'INVALID_ARGUMENT');
    assert.match(error.message, /Unknown name "additionalProperties"/);
  });

  test('thoughts: counted always, returned as thought parts only with includeThoughts', async () => {
    const hidden = (await (
      await generate(user('Think [[emulator:reasoning]] [[emulator:tokens=3]]'))
    ).json()) as Response;
    assert.ok((hidden.usageMetadata.thoughtsTokenCount ?? 0) > 0);
    assert.equal(
      hidden.candidates[0]?.content.parts.some((part) => part.thought === true),
      false,
    );
    const shown = (await (
      await generate({
        ...user('Think [[emulator:tokens=3]]'),
        generationConfig: { thinkingConfig: { includeThoughts: true } },
      })
    ).json()) as Response;
    const [thought, answer] = shown.candidates[0]?.content.parts ?? [];
    assert.equal(thought?.thought, true);
    assert.equal(typeof answer?.thoughtSignature, 'string');
    assert.equal(shown.usageMetadata.candidatesTokenCount, 3);
  });

  test('streamGenerateContent?alt=sse: a response per token, cumulative usage, the finish reason last', async () => {
    const response = await postJson(
      `${emulator.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      user('Stream [[emulator:tokens=4]]'),
      studio,
    );
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const responses = sseResponses(await response.text());
    assert.equal(responses.length, 4);
    assert.deepEqual(
      responses.map((item) => item.usageMetadata.candidatesTokenCount),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      responses.map((item) => item.candidates[0]?.finishReason),
      [undefined, undefined, undefined, 'STOP'],
    );
  });

  test('streamGenerateContent without alt=sse is one JSON array', async () => {
    const response = await generate(user('Stream [[emulator:tokens=3]]'), 'streamGenerateContent');
    const array = (await response.json()) as Response[];
    assert.equal(array.length, 3);
  });

  test('batchEmbedContents: one vector per request; the model must match the URL', async () => {
    const url = `${emulator.url}/v1beta/models/gemini-embedding-001:batchEmbedContents`;
    const request = (text: string, model = 'models/gemini-embedding-001') => ({
      model,
      content: { parts: [{ text }] },
      outputDimensionality: 8,
    });
    const body = (await (await postJson(url, { requests: [request('a'), request('b')] }, studio)).json()) as {
      embeddings: Array<{ values: number[] }>;
    };
    assert.equal(body.embeddings.length, 2);
    assert.equal(body.embeddings[0]?.values.length, 8);
    const mismatch = await postJson(url, { requests: [request('a', 'models/other')] }, studio);
    assert.equal(mismatch.status, 400);
  });

  test("API key errors look like Google's: 403 without a key, 400 API_KEY_INVALID with a wrong one", async () => {
    const missing = await generate(user('hi'), 'generateContent', {});
    assert.equal(missing.status, 403);
    assert.equal(((await missing.json()) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');
    const wrong = await generate(user('hi'), 'generateContent', { 'x-goog-api-key': 'nope' });
    assert.equal(wrong.status, 400);
    const body = (await wrong.json()) as { error: { status: string; details: Array<{ reason: string }> } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.details[0]?.reason, 'API_KEY_INVALID');
  });

  test("a fault status is rendered with Google's status names", async () => {
    emulator.setFaults([{ status: 429, times: 1 }]);
    const response = await generate(user('hi'));
    assert.equal(response.status, 429);
    assert.deepEqual(
      ((await response.json()) as { error: { code: number; status: string } }).error.status,
      'RESOURCE_EXHAUSTED',
    );
  });
});

describe('Gemini on Vertex AI', () => {
  test('generateContent with a bearer token; x-goog-api-key is not enough', async () => {
    const url = `${emulator.url}${VERTEX_BASE}/gemini-2.5-pro:generateContent`;
    const ok = await postJson(url, user('hi [[emulator:tokens=2]]'), { authorization: `Bearer ${KEY}` });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as Response).usageMetadata.candidatesTokenCount, 2);
    const refused = await postJson(url, user('hi'), studio);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
  });

  test(':predict embeds instances and reports token statistics', async () => {
    const url = `${emulator.url}${VERTEX_BASE}/text-embedding-005:predict`;
    const body = (await (
      await postJson(
        url,
        { instances: [{ content: 'alpha beta' }], parameters: { outputDimensionality: 16 } },
        { authorization: `Bearer ${KEY}` },
      )
    ).json()) as {
      predictions: Array<{ embeddings: { values: number[]; statistics: { token_count: number } } }>;
    };
    assert.equal(body.predictions[0]?.embeddings.values.length, 16);
    assert.ok((body.predictions[0]?.embeddings.statistics.token_count ?? 0) > 0);
  });
});
