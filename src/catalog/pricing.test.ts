import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { Usage } from '../core/ir.ts';
import { Catalog } from './catalog.ts';
import { costOf } from './pricing.ts';
import type { CatalogEntry, Prices } from './types.ts';

function usage(partial: Partial<Usage>): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    ...partial,
  };
}

const MINI: Prices = { inputPerMillion: '0.15', outputPerMillion: '0.6', cacheReadPerMillion: '0.075' };
const SONNET: Prices = {
  inputPerMillion: '3',
  outputPerMillion: '15',
  cacheReadPerMillion: '0.3',
  cacheWritePerMillion: '3.75',
  tiers: [
    { aboveInputTokens: 200000, inputPerMillion: '6', outputPerMillion: '22.5', cacheReadPerMillion: '0.6' },
  ],
};
const REASONER: Prices = { inputPerMillion: '1', outputPerMillion: '4', reasoningPerMillion: '8' };

test('cost of a usage, in integer micro-USD, for a table of cases', () => {
  const cases: Array<[string, Prices, Partial<Usage>, number | undefined]> = [
    // 1000 x 0.15 + 500 x 0.6 = 150 + 300
    ['plain', MINI, { inputTokens: 1000, outputTokens: 500 }, 450],
    // 200 billed input x 0.15 + 800 cached x 0.075 + 500 x 0.6 = 30 + 60 + 300
    ['cached read', MINI, { inputTokens: 1000, cacheReadTokens: 800, outputTokens: 500 }, 390],
    // no cache-write price: written tokens cost the input price
    ['cache write without a price', MINI, { inputTokens: 1000, cacheWriteTokens: 1000 }, 150],
    // 10000 x 3 + 20000 written x 3.75 + 70000 read x 0.3 + 1000 x 15 = 30000 + 75000 + 21000 + 15000
    [
      'read and write',
      SONNET,
      { inputTokens: 100000, cacheWriteTokens: 20000, cacheReadTokens: 70000, outputTokens: 1000 },
      141000,
    ],
    // exactly at the threshold: base prices
    ['at the tier threshold', SONNET, { inputTokens: 200000, outputTokens: 1000 }, 615000],
    // one token above: the whole request at the tier: 200001 x 6 + 1000 x 22.5
    ['above the tier threshold', SONNET, { inputTokens: 200001, outputTokens: 1000 }, 1222506],
    // reasoning tokens are part of output; a separate reasoning price applies to them
    ['reasoning price', REASONER, { inputTokens: 1000, outputTokens: 3000, reasoningTokens: 2000 }, 21000],
    ['reasoning without a price', MINI, { outputTokens: 3000, reasoningTokens: 2000 }, 1800],
    // half a micro-dollar rounds to even, once for the whole request
    ['rounding', MINI, { inputTokens: 3, outputTokens: 0 }, 0],
    ['nothing used', MINI, {}, 0],
    // an embedding model without an output price is fine until output is billed
    ['missing output price', { inputPerMillion: '0.02' }, { inputTokens: 1000 }, 20],
    [
      'missing output price with output',
      { inputPerMillion: '0.02' },
      { inputTokens: 1, outputTokens: 1 },
      undefined,
    ],
  ];
  for (const [name, prices, used, expected] of cases) {
    assert.equal(costOf(prices, usage(used)), expected, name);
  }
  // 300000 input: the tier applies. 100000 billed x 6 + 100000 read x 0.6 (the tier's cache-read
  // price) + 100000 written x 3.75 (the tier has no write price: the base one) = 600000 + 60000 + 375000
  assert.equal(
    costOf(SONNET, usage({ inputTokens: 300000, cacheReadTokens: 100000, cacheWriteTokens: 100000 })),
    1035000,
  );
});

test('no price means unknown cost, not zero', () => {
  assert.equal(costOf(undefined, usage({ inputTokens: 10 })), undefined);
  assert.equal(costOf({}, usage({ inputTokens: 10 })), undefined);
});

test('cached counts larger than the input are clamped, never negative', () => {
  assert.equal(costOf(MINI, usage({ inputTokens: 100, cacheReadTokens: 1000 })), 8); // 100 x 0.075 = 7.5 -> 8
});

function entry(
  partial: Partial<CatalogEntry> & Pick<CatalogEntry, 'provider' | 'id' | 'prices'>,
): CatalogEntry {
  return {
    aliases: [],
    mode: 'chat',
    capabilities: {
      tools: false,
      parallelTools: false,
      toolChoice: false,
      vision: false,
      pdfInput: false,
      audioInput: false,
      audioOutput: false,
      jsonSchema: false,
      reasoning: false,
      promptCaching: false,
      systemMessages: true,
      webSearch: false,
      computerUse: false,
    },
    ...partial,
  };
}

function catalog(clock = new ManualClock(Date.parse('2026-08-01T00:00:00Z'))): Catalog {
  return new Catalog(
    {
      version: 'aaaaaaaaaaaaaaaa',
      generatedFrom: 'prices.json',
      sourceDate: '2026-07-24',
      effectiveDate: '2026-07-24',
      entries: [
        entry({ provider: 'openai', id: 'gpt-4o-mini', prices: MINI }),
        entry({ provider: 'anthropic', id: 'claude-sonnet-4-5', prices: SONNET }),
        entry({
          provider: 'bedrock',
          id: 'meta.llama3-8b-instruct-v1:0',
          prices: { inputPerMillion: '0.3', outputPerMillion: '0.6' },
          regionalPrices: { 'eu-west-2': { inputPerMillion: '0.39', outputPerMillion: '0.78' } },
        }),
      ],
    },
    { clock },
  );
}

test('a catalog price carries its source, effective date and a version', () => {
  const quote = catalog().priceFor('openai', 'gpt-4o-mini');
  assert.ok(quote);
  assert.equal(quote.source, 'prices.json');
  assert.equal(quote.effectiveDate, '2026-07-24');
  assert.equal(quote.catalogVersion, 'aaaaaaaaaaaaaaaa');
  assert.match(quote.version, /^openai\/gpt-4o-mini@[0-9a-f]{12}$/);
  assert.deepEqual(quote.prices, MINI);
  assert.equal(costOf(quote, usage({ inputTokens: 1000, outputTokens: 500 })), 450);
});

test('the price version changes with the price and only with it', () => {
  const first = catalog().priceFor('openai', 'gpt-4o-mini');
  const again = catalog().priceFor('openai', 'gpt-4o-mini');
  assert.equal(first?.version, again?.version);
  const repriced = new Catalog({
    ...catalog().snapshot(),
    version: 'bbbbbbbbbbbbbbbb',
    entries: [entry({ provider: 'openai', id: 'gpt-4o-mini', prices: { ...MINI, inputPerMillion: '0.1' } })],
  }).priceFor('openai', 'gpt-4o-mini');
  assert.notEqual(repriced?.version, first?.version);
});

test('a region with its own prices is charged those', () => {
  const quote = catalog().priceFor(
    { provider: 'bedrock', region: 'eu-west-2' },
    'meta.llama3-8b-instruct-v1:0',
  );
  assert.equal(quote?.prices.inputPerMillion, '0.39');
  assert.match(quote?.version ?? '', /#eu-west-2@/);
  const elsewhere = catalog().priceFor(
    { provider: 'bedrock', region: 'us-east-1' },
    'meta.llama3-8b-instruct-v1:0',
  );
  assert.equal(elsewhere?.prices.inputPerMillion, '0.3');
});

test('a configured override wins over the catalog and is stamped as config', () => {
  const clock = new ManualClock(Date.parse('2026-08-01T12:00:00Z'));
  const quote = catalog(clock).priceFor('openai', 'gpt-4o-mini', { input_per_million: '0.10' });
  assert.ok(quote);
  assert.equal(quote.source, 'config');
  assert.equal(quote.effectiveDate, '2026-08-01T12:00:00.000Z');
  // Only the overridden price changes.
  assert.deepEqual(quote.prices, {
    inputPerMillion: '0.1',
    outputPerMillion: '0.6',
    cacheReadPerMillion: '0.075',
  });
  assert.notEqual(quote.version, catalog().priceFor('openai', 'gpt-4o-mini')?.version);
  assert.equal(costOf(quote, usage({ inputTokens: 1000, outputTokens: 500 })), 400);
});

test('an override of a tiered model is a flat negotiated rate', () => {
  const quote = catalog().priceFor('anthropic', 'claude-sonnet-4-5', {
    input_per_million: '2',
    output_per_million: '10',
  });
  assert.equal(quote?.prices.tiers, undefined);
  assert.equal(costOf(quote, usage({ inputTokens: 300000 })), 600000);
});

test('an unknown model has no price unless an override gives one', () => {
  const models = catalog();
  assert.equal(models.priceFor('openai', 'gpt-9-unreleased'), undefined);
  assert.equal(models.priceFor('openai', 'gpt-9-unreleased', {}), undefined);
  const quote = models.priceFor('openai', 'gpt-9-unreleased', {
    input_per_million: '1',
    output_per_million: '2',
  });
  assert.equal(quote?.catalogVersion, undefined);
  assert.match(quote?.version ?? '', /^openai\/gpt-9-unreleased@/);
  assert.equal(costOf(quote, usage({ inputTokens: 1000, outputTokens: 1000 })), 3000);
});

test('quotes are shared and cannot be changed by a caller', () => {
  const quote = catalog().priceFor('openai', 'gpt-4o-mini');
  assert.throws(() => {
    (quote as { prices: Prices }).prices.inputPerMillion = '0';
  }, TypeError);
});
