// Metering end to end: a real gateway, the official OpenAI SDK (and raw SSE), the ledger in SQLite.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { formatMicros } from '../src/core/money.ts';
import type { UsageRecord } from '../src/metering/record.ts';
import { UsageRepository } from '../src/metering/repository.ts';
import { eventually } from '../src/providers/emulator/test-support.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

/** The negotiated price of the priced route, USD per million tokens. */
const INPUT_PRICE = 2;
const OUTPUT_PRICE = 8;

function expectedMicros(input: number, output: number): number {
  return input * INPUT_PRICE + output * OUTPUT_PRICE;
}

describe('metering end to end', () => {
  let gateway: TestGateway;
  let client: OpenAI;
  let repository: UsageRepository;
  let teamKey: string;
  let teamKeyId: string;

  before(async () => {
    gateway = await startTestGateway({
      metering: { flush_interval_ms: 20 },
      providers: [
        { name: 'emu', type: 'emulator' },
        { name: 'slow-emu', type: 'emulator', emulator: { tokens_per_second: 50 } },
      ],
      routes: [
        {
          name: 'chat-priced',
          targets: [
            {
              provider: 'emu',
              model: 'emulator-chat',
              price: { input_per_million: String(INPUT_PRICE), output_per_million: String(OUTPUT_PRICE) },
            },
          ],
        },
        { name: 'chat-unpriced', targets: [{ provider: 'emu', model: 'emulator-chat' }] },
        {
          name: 'chat-slow',
          targets: [
            {
              provider: 'slow-emu',
              model: 'emulator-chat',
              price: { input_per_million: '1', output_per_million: '1' },
            },
          ],
        },
      ],
    });
    repository = new UsageRepository(gateway.store.db);
    const created = await fetch(`${gateway.url}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'search-backend',
        metadata: {
          team: 'discovery',
          app: 'search',
          cost_center: 'cc-042',
          business_unit: 'consumer',
          tags: ['tier=gold'],
        },
      }),
    });
    assert.equal(created.status, 201);
    const body = (await created.json()) as { key: string; id: string };
    teamKey = body.key;
    teamKeyId = body.id;
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: teamKey, maxRetries: 0 });
  });

  after(async () => {
    await gateway.close();
  });

  /** The flusher runs every 20 ms here; wait for it to have stored the record. */
  async function storedRecord(requestId: string): Promise<UsageRecord> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const record = await repository.get(requestId);
      if (record) return record;
      if (Date.now() > deadline) throw new Error(`no usage record for ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('a non-streamed response carries its cost, and its record reaches the database', async () => {
    const { data, response } = await client.chat.completions
      .create(
        {
          model: 'chat-priced',
          messages: [{ role: 'user', content: 'Price this answer please' }],
          user: 'end-user-7',
        },
        { headers: { 'x-switchyard-tags': 'feature=autocomplete,env=test' } },
      )
      .withResponse();
    const input = data.usage?.prompt_tokens ?? 0;
    const output = data.usage?.completion_tokens ?? 0;
    assert.ok(input > 0 && output > 0);
    const micros = expectedMicros(input, output);
    assert.equal(response.headers.get('x-switchyard-cost-usd'), formatMicros(micros));
    assert.equal(response.headers.get('x-switchyard-tokens-input'), String(input));
    assert.equal(response.headers.get('x-switchyard-tokens-output'), String(output));
    assert.equal(response.headers.get('x-switchyard-tokens-cached'), '0');
    assert.equal(response.headers.get('x-switchyard-tokens-reasoning'), '0');
    const priceVersion = response.headers.get('x-switchyard-price-version');
    assert.ok(priceVersion);

    const requestId = response.headers.get('x-request-id') ?? '';
    const record = await storedRecord(requestId);
    assert.equal(record.cost_micros, micros);
    assert.equal(record.cost_known, true);
    assert.equal(record.price_version, priceVersion);
    assert.deepEqual([record.input_tokens, record.output_tokens], [input, output]);
    assert.equal(record.key_id, teamKeyId);
    assert.equal(record.key_name, 'search-backend');
    assert.equal(record.team, 'discovery');
    assert.equal(record.app, 'search');
    assert.equal(record.cost_center, 'cc-042');
    assert.equal(record.business_unit, 'consumer');
    assert.equal(record.user_id, 'end-user-7');
    assert.deepEqual(record.tags, ['tier=gold', 'feature=autocomplete', 'env=test']);
    assert.equal(record.requested_model, 'chat-priced');
    assert.equal(record.route, 'chat-priced');
    assert.equal(record.provider, 'emu');
    assert.equal(record.model, 'emulator-chat');
    assert.equal(record.status, 200);
    assert.equal(record.streamed, false);
    assert.equal(record.attempt_count, 1);
    assert.equal(record.attempts[0]?.outcome, 'success');
    assert.ok(record.latency_ms >= 0 && record.completed_at >= record.started_at);
  });

  test('a model without a price is recorded as unknown cost, not as free', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'chat-unpriced', messages: [{ role: 'user', content: 'No price here' }] })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-cost-usd'), null);
    assert.equal(response.headers.get('x-switchyard-cost-known'), 'false');
    const record = await storedRecord(response.headers.get('x-request-id') ?? '');
    assert.equal(record.cost_known, false);
    assert.ok(record.input_tokens > 0);
  });

  test('a failed request is metered with its status and error kind', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teamKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-route', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 404);
    const record = await storedRecord(response.headers.get('x-request-id') ?? '');
    assert.deepEqual([record.status, record.error_kind, record.cost_micros], [404, 'model_not_found', 0]);
  });

  test('a streamed response carries its cost beside the final usage', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teamKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat-priced',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Stream a priced answer' }],
      }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    const chunks = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
    const last = chunks.at(-1) as {
      usage: { prompt_tokens: number; completion_tokens: number };
      switchyard: { cost_usd: string; cost_known: boolean; price_version: string };
    };
    const micros = expectedMicros(last.usage.prompt_tokens, last.usage.completion_tokens);
    assert.equal(last.switchyard.cost_usd, formatMicros(micros));
    assert.equal(last.switchyard.cost_known, true);
    assert.ok(last.switchyard.price_version);

    const record = await storedRecord(response.headers.get('x-request-id') ?? '');
    assert.equal(record.streamed, true);
    assert.equal(record.cost_micros, micros, 'stream and record priced alike');
    assert.equal(record.price_version, last.switchyard.price_version);
  });

  test('a client that leaves before a non-streamed answer is recorded as 499 client_closed', async () => {
    const controller = new AbortController();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teamKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat-slow',
        messages: [{ role: 'user', content: 'Take your time [[emulator:tokens=500]]' }],
      }),
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await pending.catch(() => {});

    let record: UsageRecord | undefined;
    await eventually(async () => {
      record = (await repository.list({ limit: 10_000 })).find((entry) => entry.status === 499);
      return record !== undefined;
    }, 10_000);
    assert.ok(record, 'no record with status 499');
    assert.equal(record.error_kind, 'client_closed');
    assert.equal(record.error_code, 'client_disconnected');
    assert.equal(record.client_disconnected, true);
    assert.equal(record.route, 'chat-slow');
  });

  test('a stream the client leaves midway is metered with the tokens actually produced', async () => {
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teamKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat-slow',
        stream: true,
        messages: [{ role: 'user', content: 'Tell me a long story [[emulator:tokens=500]]' }],
      }),
      signal: controller.signal,
    });
    const requestId = response.headers.get('x-request-id') ?? '';
    const reader = response.body!.getReader();
    let chunks = 0;
    while (chunks < 5) {
      const { done } = await reader.read();
      if (done) break;
      chunks += 1;
    }
    controller.abort();
    await reader.cancel().catch(() => {});

    const record = await storedRecord(requestId);
    assert.equal(record.client_disconnected, true);
    assert.ok(
      record.output_tokens > 0 && record.output_tokens < 500,
      `output tokens ${record.output_tokens}`,
    );
    assert.equal(record.usage_estimated, true);
    assert.equal(record.cost_micros, record.input_tokens + record.output_tokens); // $1 per million each
  });
});
