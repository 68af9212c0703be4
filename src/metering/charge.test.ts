import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Catalog } from '../catalog/catalog.ts';
import type { PriceOverride } from '../config/schema.ts';
import type { Usage } from '../core/ir.ts';
import { catalogPricer } from './catalog-pricer.ts';
import { chargeFor } from './charge.ts';
import type { PricedProvider } from './pricer.ts';
import { costExtension, costHeaders } from './stage.ts';

const pricer = catalogPricer(Catalog.shipped());

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

function provider(type: PricedProvider['type'], extra: Partial<PricedProvider> = {}): PricedProvider {
  return { name: `${type}-test`, type, ...extra };
}

function charge(p: PricedProvider, model: string, used: Partial<Usage>, override?: PriceOverride) {
  return chargeFor({ pricer, provider: p, model, override, usage: usage(used) });
}

describe('cost of a request, from the shipped catalog', () => {
  const cases: Array<{
    name: string;
    provider: PricedProvider;
    model: string;
    usage: Partial<Usage>;
    micros: number;
  }> = [
    {
      name: 'input and output at list price',
      provider: provider('openai'),
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1000, outputTokens: 500 },
      micros: 450, // 1000 x 0.15 + 500 x 0.60
    },
    {
      name: 'cached input read at the cache price',
      provider: provider('openai'),
      model: 'gpt-4o-mini',
      usage: { inputTokens: 10_000, cacheReadTokens: 4000, outputTokens: 200 },
      micros: 1320, // 6000 x 0.15 + 4000 x 0.075 + 200 x 0.60
    },
    {
      name: 'prompt cache reads and writes',
      provider: provider('anthropic'),
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 3000, cacheReadTokens: 1000, cacheWriteTokens: 1000, outputTokens: 100 },
      micros: 8550, // 1000 x 3 + 1000 x 0.30 + 1000 x 3.75 + 100 x 15
    },
    {
      name: 'long-context tier: the whole request at the higher price',
      provider: provider('gemini'),
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 250_000, outputTokens: 1000 },
      micros: 640_000, // 250000 x 2.50 + 1000 x 15
    },
    {
      name: 'exactly at the tier threshold: base price',
      provider: provider('gemini'),
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 200_000, outputTokens: 1000 },
      micros: 260_000, // 200000 x 1.25 + 1000 x 10
    },
    {
      name: 'Claude long context with a cache write',
      provider: provider('anthropic'),
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 300_000, cacheWriteTokens: 100_000, outputTokens: 10 },
      micros: 1_950_225, // 200000 x 6 + 100000 x 7.50 + 10 x 22.50
    },
    {
      name: 'reasoning tokens billed as output',
      provider: provider('openai'),
      model: 'o3-mini',
      usage: { inputTokens: 100, outputTokens: 1000, reasoningTokens: 800 },
      micros: 4510, // 100 x 1.10 + 1000 x 4.40
    },
    {
      name: 'embeddings: input only, rounded half-even once',
      provider: provider('openai'),
      model: 'text-embedding-3-small',
      usage: { inputTokens: 12_345 },
      micros: 247, // 246.9
    },
    {
      name: 'parts summed before rounding (0.75 + 0.60 = 1.35 -> 1, not 1 + 1)',
      provider: provider('openai'),
      model: 'gpt-4o-mini',
      usage: { inputTokens: 5, outputTokens: 1 },
      micros: 1,
    },
    {
      name: 'half-even: 4.5 rounds to 4',
      provider: provider('openai'),
      model: 'gpt-4o-mini',
      usage: { inputTokens: 30 },
      micros: 4,
    },
    {
      name: 'Azure prices its own deployments',
      provider: provider('azure-openai'),
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1000, outputTokens: 500 },
      micros: 495, // 1000 x 0.165 + 500 x 0.66
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const result = charge(testCase.provider, testCase.model, testCase.usage);
      assert.equal(result.costKnown, true);
      assert.equal(result.costMicros, testCase.micros);
      assert.match(result.priceVersion ?? '', /@[0-9a-f]{12}$/);
    });
  }

  it('a target price override replaces the list price, and the version says so', () => {
    const list = charge(provider('openai'), 'gpt-4o-mini', { inputTokens: 1000, outputTokens: 500 });
    const negotiated = charge(
      provider('openai'),
      'gpt-4o-mini',
      { inputTokens: 1000, outputTokens: 500 },
      { input_per_million: '0.10' },
    );
    assert.equal(negotiated.costMicros, 400); // 1000 x 0.10 + 500 x 0.60 (output keeps the list price)
    assert.notEqual(negotiated.priceVersion, list.priceVersion);
  });

  it('an override prices a model the catalog does not know', () => {
    const result = charge(
      provider('emulator'),
      'emulator-large',
      { inputTokens: 1000, outputTokens: 500 },
      { input_per_million: '1', output_per_million: '2' },
    );
    assert.deepEqual([result.costKnown, result.costMicros], [true, 2000]);
  });

  it('a provider discount comes off list prices, rounded once after the discount', () => {
    const discounted = charge(provider('openai', { discount_percent: 15 }), 'gpt-4o-mini', {
      inputTokens: 1000,
      outputTokens: 500,
    });
    assert.equal(discounted.costMicros, 382); // 450 x 0.85 = 382.5 -> 382 (half-even)
    assert.match(discounted.priceVersion ?? '', /;discount=15%$/);
    const fractional = charge(provider('openai', { discount_percent: 12.5 }), 'gpt-4o-mini', {
      inputTokens: 10_000,
      cacheReadTokens: 4000,
      outputTokens: 200,
    });
    assert.equal(fractional.costMicros, 1155); // 1320 x 0.875
  });

  it('a negotiated target price is charged as is, without the provider discount', () => {
    const result = charge(
      provider('openai', { discount_percent: 50 }),
      'gpt-4o-mini',
      { inputTokens: 1000, outputTokens: 500 },
      { input_per_million: '0.10' },
    );
    assert.equal(result.costMicros, 400);
  });

  it('an unpriced model is unknown, not free', () => {
    const emulator = charge(provider('emulator'), 'emulator-large', { inputTokens: 10, outputTokens: 10 });
    assert.deepEqual(emulator, {
      costMicros: 0,
      costKnown: false,
      priceVersion: null,
      zeroCostAnomaly: false,
    });
    const missing = charge(provider('openai'), 'no-such-model-anywhere', { inputTokens: 10 });
    assert.equal(missing.costKnown, false);
  });

  it('tokens priced at zero are flagged as an anomaly; a request without tokens is not', () => {
    const free = charge(
      provider('openai'),
      'gpt-4o-mini',
      { inputTokens: 100, outputTokens: 100 },
      { input_per_million: '0', output_per_million: '0' },
    );
    assert.deepEqual([free.costKnown, free.costMicros, free.zeroCostAnomaly], [true, 0, true]);
    const nothing = charge(provider('openai'), 'gpt-4o-mini', {});
    assert.deepEqual([nothing.costKnown, nothing.costMicros, nothing.zeroCostAnomaly], [true, 0, false]);
  });
});

describe('cost as the client sees it', () => {
  it('headers carry the cost with six decimals, the tokens and the price version', () => {
    const used = usage({ inputTokens: 1200, cacheReadTokens: 200, outputTokens: 30, reasoningTokens: 10 });
    const result = chargeFor({
      pricer,
      provider: provider('openai'),
      model: 'gpt-4o-mini',
      override: undefined,
      usage: used,
    });
    const headers = costHeaders(result, used);
    assert.equal(headers['x-switchyard-cost-usd'], '0.000183'); // 1000 x 0.15 + 200 x 0.075 + 30 x 0.6 = 183
    assert.equal(headers['x-switchyard-tokens-input'], '1200');
    assert.equal(headers['x-switchyard-tokens-output'], '30');
    assert.equal(headers['x-switchyard-tokens-cached'], '200');
    assert.equal(headers['x-switchyard-tokens-reasoning'], '10');
    assert.equal(headers['x-switchyard-price-version'], result.priceVersion);
  });

  it('an unknown cost is left out of the headers and the stream extension says null', () => {
    const used = usage({ inputTokens: 5 });
    const unknown = chargeFor({
      pricer,
      provider: provider('emulator'),
      model: 'm',
      override: undefined,
      usage: used,
    });
    const headers = costHeaders(unknown, used);
    assert.equal(headers['x-switchyard-cost-usd'], undefined);
    assert.equal(headers['x-switchyard-cost-known'], 'false');
    assert.deepEqual(costExtension(unknown), { cost_usd: null, cost_known: false, price_version: null });
  });
});
