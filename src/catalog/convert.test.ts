import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertSourceTable, isSourceTable, sourceTableDate } from './convert.ts';
import { parseCatalogDocument, serializeCatalog } from './document.ts';
import type { CatalogEntry } from './types.ts';

/** A few records shaped like the public price table, covering each conversion rule. */
function table(): Record<string, unknown> {
  return {
    sample_spec: { litellm_provider: 'one of ...', mode: 'one of ...' },
    last_updated: '2026-07-24T18:23:43+00:00',
    'gpt-4o-mini': {
      litellm_provider: 'openai',
      mode: 'chat',
      max_input_tokens: 128000,
      max_output_tokens: 16384,
      input_cost_per_token: 1.5e-7,
      output_cost_per_token: 6e-7,
      cache_read_input_token_cost: 7.5e-8,
      supports_function_calling: true,
      supports_vision: true,
      supports_system_messages: true,
    },
    'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', input_cost_per_image: 0.04 },
    'claude-sonnet-4-5': {
      litellm_provider: 'anthropic',
      mode: 'chat',
      max_input_tokens: 200000,
      max_output_tokens: 64000,
      input_cost_per_token: 0.000003,
      output_cost_per_token: 0.000015,
      cache_creation_input_token_cost: 0.00000375,
      cache_read_input_token_cost: 3e-7,
      input_cost_per_token_above_200k_tokens: 0.000006,
      output_cost_per_token_above_200k_tokens: 0.0000225,
      input_cost_per_token_above_200k_tokens_priority: 0.00001,
      supports_prompt_caching: true,
      supports_reasoning: true,
      deprecation_date: '2027-09-29',
    },
    'gemini/gemini-2.5-flash': {
      litellm_provider: 'gemini',
      mode: 'chat',
      input_cost_per_token: 3e-7,
      output_cost_per_token: 0.0000025,
      supports_system_messages: false,
    },
    'gemini-2.5-flash': {
      litellm_provider: 'vertex_ai-language-models',
      mode: 'chat',
      input_cost_per_token: 3e-7,
    },
    'vertex_ai/gemini-2.5-flash': { litellm_provider: 'vertex_ai-language-models', mode: 'chat' },
    'groq/openai/gpt-oss-20b': {
      litellm_provider: 'groq',
      mode: 'chat',
      input_cost_per_token: 7.5e-8,
      output_cost_per_token: 3e-7,
    },
    'meta.llama3-8b-instruct-v1:0': {
      litellm_provider: 'bedrock',
      mode: 'chat',
      input_cost_per_token: 3e-7,
      output_cost_per_token: 6e-7,
    },
    'bedrock/eu-west-2/meta.llama3-8b-instruct-v1:0': {
      litellm_provider: 'bedrock',
      mode: 'chat',
      input_cost_per_token: 3.9e-7,
      output_cost_per_token: 7.8e-7,
    },
    'bedrock/us-east-1/meta.llama3-8b-instruct-v1:0': {
      litellm_provider: 'bedrock',
      mode: 'chat',
      input_cost_per_token: 3e-7,
      output_cost_per_token: 6e-7,
    },
    'bedrock/us-gov-west-1/amazon.titan-text-lite-v1': {
      litellm_provider: 'bedrock',
      mode: 'chat',
      input_cost_per_token: 3e-7,
      output_cost_per_token: 4e-7,
    },
    'bedrock/us-east-1/1-month-commitment/anthropic.claude-v1': {
      litellm_provider: 'bedrock',
      mode: 'chat',
      input_cost_per_second: 0.0175,
    },
    'dashscope/qwen-flash': {
      litellm_provider: 'dashscope',
      mode: 'chat',
      tiered_pricing: [
        { input_cost_per_token: 5e-8, output_cost_per_token: 4e-7, range: [0, 256000] },
        { input_cost_per_token: 2.5e-7, output_cost_per_token: 0.000002, range: [256000, 1000000] },
      ],
    },
    'text-embedding-3-small': {
      litellm_provider: 'openai',
      mode: 'embedding',
      input_cost_per_token: 2e-8,
      output_cost_per_token: 0,
    },
    'together-ai-up-to-4b': { litellm_provider: 'together_ai', mode: 'chat', input_cost_per_token: 1e-7 },
    'watsonx/ibm/granite-13b': { litellm_provider: 'watsonx', mode: 'chat', input_cost_per_token: 1e-7 },
  };
}

function convert(source = table()) {
  return convertSourceTable(source, { generatedFrom: 'prices.json', sourceDate: '2026-07-24' });
}

function find(entries: CatalogEntry[], provider: string, id: string, platform?: string): CatalogEntry {
  const entry = entries.find((e) => e.provider === provider && e.id === id && e.platform === platform);
  assert.ok(entry, `${provider}/${platform ?? ''}/${id} is in the catalog`);
  return entry;
}

test('recognizes the public table and reads its date', () => {
  assert.equal(isSourceTable(table()), true);
  assert.equal(isSourceTable({ format: 'switchyard-catalog', entries: [] }), false);
  assert.equal(sourceTableDate(table()), '2026-07-24');
});

test('prices become exact per-million strings; capabilities and limits are kept', () => {
  const entry = find(convert().entries, 'openai', 'gpt-4o-mini');
  assert.deepEqual(entry.prices, {
    inputPerMillion: '0.15',
    outputPerMillion: '0.6',
    cacheReadPerMillion: '0.075',
  });
  assert.equal(entry.contextWindow, 128000);
  assert.equal(entry.maxOutputTokens, 16384);
  assert.equal(entry.capabilities.tools, true);
  assert.equal(entry.capabilities.vision, true);
  assert.equal(entry.capabilities.jsonSchema, false);
});

test('long-context prices become tiers; priority-tier fields are not mistaken for them', () => {
  const claude = find(convert().entries, 'anthropic', 'claude-sonnet-4-5');
  assert.deepEqual(claude.prices.tiers, [
    { aboveInputTokens: 200000, inputPerMillion: '6', outputPerMillion: '22.5' },
  ]);
  assert.equal(claude.prices.cacheWritePerMillion, '3.75');
  assert.equal(claude.deprecationDate, '2027-09-29');
  const qwen = find(convert().entries, 'dashscope', 'qwen-flash');
  assert.equal(qwen.prices.inputPerMillion, '0.05');
  assert.deepEqual(qwen.prices.tiers, [
    { aboveInputTokens: 256000, inputPerMillion: '0.25', outputPerMillion: '2' },
  ]);
});

test('system messages count as supported unless the table says otherwise', () => {
  const entries = convert().entries;
  assert.equal(find(entries, 'anthropic', 'claude-sonnet-4-5').capabilities.systemMessages, true);
  assert.equal(find(entries, 'gemini', 'gemini-2.5-flash', 'google-ai').capabilities.systemMessages, false);
  assert.equal(find(entries, 'openai', 'text-embedding-3-small').capabilities.systemMessages, false);
});

test('routing prefixes are stripped into the id and kept as aliases; Gemini keeps its platform', () => {
  const entries = convert().entries;
  const groq = find(entries, 'groq', 'openai/gpt-oss-20b');
  assert.deepEqual(groq.aliases, ['groq/openai/gpt-oss-20b']);
  const studio = find(entries, 'gemini', 'gemini-2.5-flash', 'google-ai');
  assert.deepEqual(studio.aliases, ['gemini/gemini-2.5-flash']);
  const vertex = find(entries, 'gemini', 'gemini-2.5-flash', 'vertex');
  // Two keys name the same Vertex model: merged, the priced record wins.
  assert.equal(vertex.prices.inputPerMillion, '0.3');
  assert.deepEqual(vertex.aliases, ['vertex_ai/gemini-2.5-flash']);
});

test('region-keyed records become regional prices of one entry', () => {
  const entries = convert().entries;
  const llama = find(entries, 'bedrock', 'meta.llama3-8b-instruct-v1:0');
  assert.equal(llama.prices.inputPerMillion, '0.3');
  // us-east-1 charges the base price, so only eu-west-2 is listed.
  assert.deepEqual(llama.regionalPrices, {
    'eu-west-2': { inputPerMillion: '0.39', outputPerMillion: '0.78' },
  });
  const titan = find(entries, 'bedrock', 'amazon.titan-text-lite-v1');
  assert.deepEqual(titan.regions, ['us-gov-west-1']);
  assert.equal(titan.prices.outputPerMillion, '0.4');
});

test('non-token modes, commitments, price brackets and unsupported providers are left out', () => {
  const ids = convert().entries.map((entry) => `${entry.provider}/${entry.id}`);
  assert.ok(!ids.includes('openai/dall-e-3'));
  assert.ok(!ids.some((id) => id.includes('commitment') || id.includes('claude-v1')));
  assert.ok(!ids.some((id) => id.includes('together-ai-up-to-4b')));
  assert.ok(!ids.some((id) => id.includes('granite')));
  assert.equal(ids.length, 9);
});

test('the same table always serializes to the same bytes, whatever its key order', () => {
  const first = serializeCatalog(convert());
  const reversed = Object.fromEntries(Object.entries(table()).reverse());
  assert.equal(serializeCatalog(convert(reversed)), first);
  assert.equal(serializeCatalog(convert()), first);
});

test('a price change changes the version; the serialized file reads back identically', () => {
  const before = convert();
  const changed = table();
  (changed['gpt-4o-mini'] as Record<string, unknown>).input_cost_per_token = 1e-7;
  const after = convert(changed);
  assert.notEqual(after.version, before.version);
  const reread = parseCatalogDocument(JSON.parse(serializeCatalog(before)), 'test');
  assert.deepEqual(reread, before);
});
