import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import { Catalog } from './catalog.ts';
import { classifyDiscovered } from './discover.ts';
import { catalogTargetOf } from './providers.ts';
import { CAPABILITY_NAMES, type Capabilities, type CapabilityName, type CatalogEntry } from './types.ts';

const NOW = Date.parse('2026-08-01T00:00:00Z');

function caps(...names: CapabilityName[]): Capabilities {
  return Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, names.includes(name)])) as Capabilities;
}

const CHAT_CAPS = caps('tools', 'parallelTools', 'vision', 'jsonSchema', 'systemMessages');

function chat(provider: string, id: string, input: string, output: string, rest: Partial<CatalogEntry> = {}) {
  return {
    provider,
    id,
    aliases: [],
    mode: 'chat',
    contextWindow: 128000,
    prices: { inputPerMillion: input, outputPerMillion: output },
    capabilities: CHAT_CAPS,
    ...rest,
  } satisfies CatalogEntry;
}

function catalog(): Catalog {
  const entries: CatalogEntry[] = [
    chat('openai', 'gpt-4o', '2.5', '10'),
    chat('openai', 'gpt-4o-mini', '0.15', '0.6', { deprecationDate: '2027-01-01' }),
    chat('openai', 'gpt-4o-mini-2024-07-18', '0.15', '0.6'),
    chat('openai', 'ft:gpt-4o-mini-2024-07-18', '0.3', '1.2'),
    chat('azure-openai', 'gpt-4o-mini', '0.165', '0.66', { aliases: ['azure/gpt-4o-mini'] }),
    chat('gemini', 'gemini-2.0-flash', '0.1', '0.4', {
      platform: 'google-ai',
      aliases: ['gemini/gemini-2.0-flash'],
      contextWindow: 1048576,
      capabilities: caps('tools', 'vision', 'jsonSchema', 'systemMessages'),
    }),
    chat('gemini', 'gemini-2.0-flash', '0.15', '0.6', {
      platform: 'vertex',
      aliases: ['vertex_ai/gemini-2.0-flash'],
      contextWindow: 1048576,
    }),
    chat('groq', 'llama-3.1-8b-instant', '0.05', '0.08', {
      aliases: ['groq/llama-3.1-8b-instant'],
      contextWindow: 131072,
      capabilities: caps('tools', 'parallelTools', 'systemMessages'),
    }),
    chat('mistral', 'mistral-small', '0.1', '0.3', { contextWindow: 32000 }),
    chat('together', 'free-model', '0', '0', { contextWindow: 200000 }),
    chat('deepseek', 'retired-model', '0.01', '0.01', { deprecationDate: '2020-01-01' }),
    chat('anthropic', 'claude-sonnet-4-5', '3', '15', {
      contextWindow: 200000,
      maxOutputTokens: 64000,
      capabilities: caps('tools', 'vision', 'reasoning', 'promptCaching', 'systemMessages'),
    }),
    {
      provider: 'openai',
      id: 'text-embedding-3-small',
      aliases: [],
      mode: 'embedding',
      contextWindow: 8191,
      prices: { inputPerMillion: '0.02', outputPerMillion: '0' },
      capabilities: caps(),
    },
    {
      provider: 'openai',
      id: 'text-embedding-3-large',
      aliases: [],
      mode: 'embedding',
      contextWindow: 8191,
      prices: { inputPerMillion: '0.13', outputPerMillion: '0' },
      capabilities: caps(),
    },
  ];
  return new Catalog({
    version: 'cccccccccccccccc',
    generatedFrom: 'test',
    sourceDate: '2026-07-24',
    effectiveDate: '2026-07-24',
    entries,
  });
}

const refs = (entries: Array<{ provider: string; platform?: string; id: string }>) =>
  entries.map((e) => `${e.provider}${e.platform ? `:${e.platform}` : ''}/${e.id}`);

test('get finds a model by id, alias, any case, Gemini models/ prefix and fine-tune name', () => {
  const models = catalog();
  assert.equal(models.get('openai', 'gpt-4o')?.id, 'gpt-4o');
  assert.equal(models.get('openai', 'GPT-4o-Mini')?.id, 'gpt-4o-mini');
  assert.equal(models.get('azure-openai', 'azure/gpt-4o-mini')?.provider, 'azure-openai');
  assert.equal(models.get('gemini', 'models/gemini-2.0-flash')?.platform, 'google-ai');
  assert.equal(
    models.get({ provider: 'gemini', platform: 'vertex' }, 'gemini-2.0-flash')?.prices.inputPerMillion,
    '0.15',
  );
  assert.equal(models.get('openai', 'ft:gpt-4o-mini-2024-07-18:acme::9xYz')?.prices.inputPerMillion, '0.3');
  assert.equal(models.get('openai', 'llama-3.1-8b-instant'), undefined);
  assert.equal(models.get('no-such-provider', 'gpt-4o'), undefined);
});

test('find resolves provider/model references and bare names, the vendor first', () => {
  const models = catalog();
  assert.equal(models.find('gpt-4o-mini')?.provider, 'openai');
  assert.equal(models.find('azure-openai/gpt-4o-mini')?.provider, 'azure-openai');
  assert.equal(models.find('gemini-2.0-flash')?.platform, 'google-ai');
  assert.equal(models.find('vertex/gemini-2.0-flash')?.platform, 'vertex');
  assert.equal(models.find('gemini/gemini-2.0-flash')?.platform, 'google-ai');
  assert.equal(models.find('groq/llama-3.1-8b-instant')?.provider, 'groq');
  assert.equal(models.find('llama-3.1-8b-instant')?.provider, 'groq');
  assert.equal(models.find('nobody/nothing'), undefined);
  assert.deepEqual(refs(models.findAll('gpt-4o-mini')), ['openai/gpt-4o-mini', 'azure-openai/gpt-4o-mini']);
});

test('list filters by provider, mode, capability, price, context and retirement', () => {
  const models = catalog();
  assert.equal(models.list().length, 14);
  assert.deepEqual(refs(models.list({ mode: 'embedding' })), [
    'openai/text-embedding-3-small',
    'openai/text-embedding-3-large',
  ]);
  assert.deepEqual(refs(models.list({ provider: 'Gemini' })), [
    'gemini:google-ai/gemini-2.0-flash',
    'gemini:vertex/gemini-2.0-flash',
  ]);
  assert.deepEqual(refs(models.list({ capabilities: ['reasoning'] })), ['anthropic/claude-sonnet-4-5']);
  assert.deepEqual(refs(models.list({ minContextWindow: 200000, mode: 'chat' })), [
    'gemini:google-ai/gemini-2.0-flash',
    'gemini:vertex/gemini-2.0-flash',
    'together/free-model',
    'anthropic/claude-sonnet-4-5',
  ]);
  const cheap = refs(models.list({ mode: 'chat', maxInputPerMillion: '0.1', maxOutputPerMillion: '0.3' }));
  assert.deepEqual(cheap, [
    'groq/llama-3.1-8b-instant',
    'mistral/mistral-small',
    'together/free-model',
    'deepseek/retired-model',
  ]);
  const current = refs(
    models.list({ mode: 'chat', maxInputPerMillion: '0.1', excludeRetired: true, now: NOW }),
  );
  assert.ok(!current.includes('deepseek/retired-model'));
});

test('list rejects a filter it cannot apply, naming the field', () => {
  const models = catalog();
  const fails = (filter: Parameters<Catalog['list']>[0], param: string) =>
    assert.throws(
      () => models.list(filter),
      (error) => error instanceof GatewayError && error.status === 400 && error.param === param,
    );
  fails({ capabilities: ['telepathy' as CapabilityName] }, 'capabilities');
  fails({ maxInputPerMillion: 'cheap' }, 'maxInputPerMillion');
  fails({ minContextWindow: -1 }, 'minContextWindow');
  fails({ mode: 'image' as 'chat' }, 'mode');
});

test('search matches every word and ranks exact and prefix matches first', () => {
  const models = catalog();
  assert.deepEqual(refs(models.search('gpt-4o')).slice(0, 2), ['openai/gpt-4o', 'openai/gpt-4o-mini']);
  assert.deepEqual(refs(models.search('mini')).slice(0, 3), [
    'openai/gpt-4o-mini',
    'openai/gpt-4o-mini-2024-07-18',
    'openai/ft:gpt-4o-mini-2024-07-18',
  ]);
  assert.deepEqual(refs(models.search('groq llama')), ['groq/llama-3.1-8b-instant']);
  assert.deepEqual(refs(models.search('vertex flash')), ['gemini:vertex/gemini-2.0-flash']);
  assert.equal(models.search('mini', 1).length, 1);
  assert.deepEqual(models.search('   '), []);
  assert.deepEqual(models.search('nothing-like-this'), []);
});

test('compare puts models side by side with their blended price, in the order asked', () => {
  const compared = catalog().compare([
    'gpt-4o',
    'groq/llama-3.1-8b-instant',
    'openai/text-embedding-3-small',
  ]);
  assert.deepEqual(
    compared.map((item) => [item.model, item.blendedPerMillion]),
    [
      ['openai/gpt-4o', '4.375'],
      ['groq/llama-3.1-8b-instant', '0.0575'],
      ['openai/text-embedding-3-small', '0.02'],
    ],
  );
  assert.throws(
    () => catalog().compare(['gpt-4o', 'gpt-99']),
    (error) => error instanceof GatewayError && error.status === 404 && error.param === 'models[1]',
  );
  assert.throws(
    () => catalog().compare([]),
    (error) => error instanceof GatewayError && error.status === 400,
  );
});

test('estimate gives a monthly cost per candidate in exact micro-USD, cheapest first', () => {
  const estimate = catalog().estimate({ requestsPerDay: 1000, inputTokens: 2000, outputTokens: 500 }, [
    'openai/gpt-4o',
    'gpt-4o-mini',
    'anthropic/claude-sonnet-4-5',
  ]);
  assert.equal(estimate.days, 30);
  assert.equal(estimate.requests, 30000);
  assert.deepEqual(
    estimate.results.map((r) => [r.model, r.perRequestMicros, r.totalMicros]),
    [
      ['openai/gpt-4o-mini', 600, 18_000_000], // 2000 x 0.15 + 500 x 0.6
      ['openai/gpt-4o', 10_000, 300_000_000], // 2000 x 2.5 + 500 x 10
      ['anthropic/claude-sonnet-4-5', 13_500, 405_000_000], // 2000 x 3 + 500 x 15
    ],
  );
});

test('estimate counts cached input and rounds once for the whole period', () => {
  const models = catalog();
  const cached = models.estimate(
    { requestsPerDay: 10, inputTokens: 2000, outputTokens: 500, cachedInputTokens: 1000, days: 1 },
    ['gpt-4o-mini'],
  );
  // No cache price: cached input costs the input price, so it equals the uncached cost here.
  assert.equal(cached.results[0]?.perRequestMicros, 600);
  // 10 input tokens at $0.05/M is half a micro-dollar a request: 0 each, 15000 over 30000 requests.
  const tiny = models.estimate({ requestsPerDay: 1000, inputTokens: 10, outputTokens: 0 }, [
    'groq/llama-3.1-8b-instant',
  ]);
  assert.equal(tiny.results[0]?.perRequestMicros, 0);
  assert.equal(tiny.results[0]?.totalMicros, 15_000);
});

test('estimate rejects a workload it cannot price exactly', () => {
  const models = catalog();
  const fails = (workload: Parameters<Catalog['estimate']>[0], param: string) =>
    assert.throws(
      () => models.estimate(workload, ['gpt-4o']),
      (error) => error instanceof GatewayError && error.param === param,
    );
  fails({ requestsPerDay: -1, inputTokens: 1, outputTokens: 1 }, 'requestsPerDay');
  fails({ requestsPerDay: 1, inputTokens: 1.5, outputTokens: 1 }, 'inputTokens');
  fails({ requestsPerDay: 1, inputTokens: 10, outputTokens: 1, cachedInputTokens: 11 }, 'cachedInputTokens');
  fails({ requestsPerDay: 1, inputTokens: 10, outputTokens: 1, days: 0.5 }, 'days');
  fails({ requestsPerDay: 1, inputTokens: 10 } as Parameters<Catalog['estimate']>[0], 'outputTokens');
});

test('alternatives are cheaper, as capable, with as large a context, and not retired', () => {
  const result = catalog().alternatives('openai/gpt-4o', { now: NOW });
  assert.equal(result.model, 'openai/gpt-4o');
  assert.equal(result.blendedPerMillion, '4.375');
  // Gemini on AI Studio lacks parallel tools, Groq lacks vision, Mistral's window is smaller, Claude
  // lacks parallel tools, the free and the retired models are left out, and the dated gpt-4o-mini
  // is the same suggestion as gpt-4o-mini.
  assert.deepEqual(
    result.alternatives.map((a) => [a.model, a.blendedPerMillion, a.priceRatio]),
    [
      ['openai/gpt-4o-mini', '0.2625', 0.06],
      ['vertex/gemini-2.0-flash', '0.2625', 0.06],
      ['azure-openai/gpt-4o-mini', '0.28875', 0.066],
      ['openai/ft:gpt-4o-mini-2024-07-18', '0.525', 0.12],
    ],
  );
});

test('alternatives can include free models, stay within given providers, and be limited', () => {
  const models = catalog();
  const withFree = models.alternatives('openai/gpt-4o', { includeFree: true, now: NOW, limit: 2 });
  assert.deepEqual(
    withFree.alternatives.map((a) => [a.model, a.priceRatio]),
    [
      ['together/free-model', 0],
      ['openai/gpt-4o-mini', 0.06],
    ],
  );
  const azureOnly = models.alternatives('gpt-4o', { providers: ['azure-openai'], now: NOW });
  assert.deepEqual(
    azureOnly.alternatives.map((a) => a.model),
    ['azure-openai/gpt-4o-mini'],
  );
  const embeddings = models.alternatives('text-embedding-3-large', { now: NOW });
  assert.deepEqual(
    embeddings.alternatives.map((a) => [a.model, a.priceRatio]),
    [['openai/text-embedding-3-small', 0.1538]],
  );
  assert.deepEqual(models.alternatives('groq/llama-3.1-8b-instant', { now: NOW }).alternatives, []);
});

test('alternatives need a known model with a price', () => {
  const models = catalog();
  assert.throws(
    () => models.alternatives('gpt-99'),
    (error) => error instanceof GatewayError && error.status === 404 && error.param === 'model',
  );
  const unpriced = new Catalog({
    ...models.snapshot(),
    entries: [{ ...chat('openai', 'mystery', '1', '1'), prices: {} }],
  });
  assert.throws(
    () => unpriced.alternatives('openai/mystery'),
    (error) => error instanceof GatewayError && error.code === 'price_unknown',
  );
});

test('discovery marks the models a provider reports that the catalog lacks', () => {
  const found = classifyDiscovered(catalog(), { provider: 'openai' }, [
    'gpt-4o-mini',
    'my-org-custom-model',
    'gpt-4o-mini',
  ]);
  assert.deepEqual(found, [
    { model: 'gpt-4o-mini', known: true, ref: 'openai/gpt-4o-mini', deprecationDate: '2027-01-01' },
    { model: 'my-org-custom-model', known: false },
  ]);
  assert.deepEqual(classifyDiscovered(catalog(), undefined, ['llama3']), [{ model: 'llama3', known: false }]);
});

test('a configured provider maps to the catalog provider that prices it', () => {
  assert.deepEqual(catalogTargetOf({ type: 'openai' }), { provider: 'openai' });
  assert.deepEqual(catalogTargetOf({ type: 'gemini' }), { provider: 'gemini', platform: 'google-ai' });
  assert.deepEqual(catalogTargetOf({ type: 'gemini', project: 'p', location: 'europe-west4' }), {
    provider: 'gemini',
    platform: 'vertex',
  });
  assert.deepEqual(catalogTargetOf({ type: 'bedrock', aws_region: 'eu-west-2' }), {
    provider: 'bedrock',
    region: 'eu-west-2',
  });
  assert.deepEqual(catalogTargetOf({ type: 'openai-compatible', preset: 'groq' }), { provider: 'groq' });
  assert.deepEqual(catalogTargetOf({ type: 'openai-compatible', preset: 'together_ai' }), {
    provider: 'together',
  });
  assert.equal(catalogTargetOf({ type: 'openai-compatible', preset: 'vllm' }), undefined);
  assert.equal(catalogTargetOf({ type: 'openai-compatible' }), undefined);
  assert.equal(catalogTargetOf({ type: 'emulator' }), undefined);
});
