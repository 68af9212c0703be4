/**
 * The committed catalog: facts it must always hold, and, where the public price table is at hand, a
 * check that it says what the table says and that the generator reproduces it byte for byte.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Catalog } from './catalog.ts';
import { parseCatalogDocument, serializeCatalog } from './document.ts';
import { parseSourceKey, SOURCE_PROVIDERS } from './providers.ts';
import type { CatalogEntry } from './types.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shippedFile = join(repoRoot, 'src/catalog/data/catalog.json');
const SOURCE_NAME = 'model_prices_and_context_window.json';

function sourcePath(): string | undefined {
  const configured = process.env.SWITCHYARD_SHARED_DATA;
  const candidates = configured
    ? [configured.endsWith('.json') ? configured : join(configured, SOURCE_NAME)]
    : [resolve(repoRoot, '../shared/data', SOURCE_NAME)];
  return candidates.find((path) => existsSync(path));
}

const source = sourcePath();
const skipWithoutSource = source
  ? false
  : `the public price table is not here (set SWITCHYARD_SHARED_DATA to the folder holding ${SOURCE_NAME})`;

const catalog = Catalog.shipped();

test('hard facts hold in the committed catalog', () => {
  const mini = catalog.get('openai', 'gpt-4o-mini');
  assert.equal(mini?.prices.inputPerMillion, '0.15');
  assert.equal(mini?.prices.outputPerMillion, '0.6');
  assert.equal(mini?.contextWindow, 128000);
  assert.equal(mini?.capabilities.tools, true);
  const sonnet = catalog.get('anthropic', 'claude-sonnet-4-5');
  assert.equal(sonnet?.contextWindow, 200000);
  assert.equal(sonnet?.prices.cacheReadPerMillion, '0.3');
  assert.equal(sonnet?.prices.cacheWritePerMillion, '3.75');
  assert.equal(sonnet?.capabilities.promptCaching, true);
  const pro = catalog.get('gemini', 'gemini-2.5-pro');
  assert.equal(pro?.prices.inputPerMillion, '1.25');
  assert.deepEqual(pro?.prices.tiers?.[0], {
    aboveInputTokens: 200000,
    inputPerMillion: '2.5',
    outputPerMillion: '15',
    cacheReadPerMillion: '0.25',
  });
  assert.equal(catalog.get('openai', 'text-embedding-3-small')?.prices.inputPerMillion, '0.02');
  // A Bedrock geographic inference profile costs more than the global one.
  assert.equal(catalog.get('bedrock', 'global.anthropic.claude-opus-4-6-v1')?.prices.inputPerMillion, '5');
  assert.equal(catalog.get('bedrock', 'us.anthropic.claude-opus-4-6-v1')?.prices.inputPerMillion, '5.5');
});

test('every supported provider has chat models in the committed catalog', () => {
  const targets = [
    'openai',
    'azure-openai',
    'anthropic',
    'gemini:google-ai',
    'gemini:vertex',
    'mistral',
    'cohere',
    'bedrock',
    'groq',
    'together',
    'fireworks',
    'deepseek',
    'xai',
    'ollama',
  ];
  for (const target of targets) {
    const [provider, platform] = target.split(':');
    const chats = catalog.list({
      provider,
      mode: 'chat',
      ...(platform ? { platform: platform as 'vertex' } : {}),
    });
    assert.ok(chats.length > 0, `${target} has chat models`);
  }
  assert.ok(catalog.list({ mode: 'embedding' }).length >= 50);
  assert.ok(catalog.entries.length >= 1500, `${catalog.entries.length} entries`);
});

test('the committed file is valid, canonical, versioned by its content and small enough to load', () => {
  const text = readFileSync(shippedFile, 'utf8');
  assert.ok(Buffer.byteLength(text) < 2 * 1024 * 1024, 'under 2 MB');
  const header = JSON.parse(text) as { version: string; entryCount: number; sourceDate: string };
  const checked = parseCatalogDocument(JSON.parse(text), shippedFile);
  assert.equal(checked.version, header.version);
  assert.equal(header.entryCount, checked.entries.length);
  assert.equal(catalog.version, header.version);
  assert.equal(serializeCatalog(checked), text);
});

interface SourceRecord {
  litellm_provider: string;
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  max_input_tokens?: number;
  max_output_tokens?: number;
  supports_function_calling?: boolean;
  supports_vision?: boolean;
  supports_reasoning?: boolean;
  supports_prompt_caching?: boolean;
  supports_response_schema?: boolean;
}

function readSource(): Record<string, SourceRecord> {
  return JSON.parse(readFileSync(source!, 'utf8')) as Record<string, SourceRecord>;
}

/** Per-million decimal string and per-token float agree, and the string carries no float noise. */
function samePrice(perMillion: string | undefined, perToken: number | undefined, label: string): void {
  if (perToken === undefined) {
    assert.equal(perMillion, undefined, label);
    return;
  }
  assert.ok(perMillion !== undefined, `${label}: has a price`);
  assert.match(perMillion, /^\d+(\.\d{1,12})?$/, `${label}: ${perMillion} is a short exact decimal`);
  const expected = perToken * 1e6;
  assert.ok(
    Math.abs(Number(perMillion) - expected) <= Math.abs(expected) * 1e-9,
    `${label}: ${perMillion} vs ${perToken}`,
  );
}

/** Table keys, and the catalog provider (platform) and id they should become. */
const SAMPLE: Array<[string, string, string]> = [
  ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
  ['gpt-5', 'openai', 'gpt-5'],
  ['o3-mini', 'openai', 'o3-mini'],
  ['text-embedding-3-large', 'openai', 'text-embedding-3-large'],
  ['azure/gpt-4o', 'azure-openai', 'gpt-4o'],
  ['claude-haiku-4-5', 'anthropic', 'claude-haiku-4-5'],
  ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
  ['gemini/gemini-2.5-flash-lite', 'gemini:google-ai', 'gemini-2.5-flash-lite'],
  ['gemini-2.5-flash', 'gemini:vertex', 'gemini-2.5-flash'],
  ['vertex_ai/claude-opus-4-5', 'gemini:vertex', 'claude-opus-4-5'],
  ['mistral/mistral-large-latest', 'mistral', 'mistral-large-latest'],
  ['mistral/mistral-embed', 'mistral', 'mistral-embed'],
  ['command-r-plus', 'cohere', 'command-r-plus'],
  ['embed-english-v3.0', 'cohere', 'embed-english-v3.0'],
  ['anthropic.claude-3-5-haiku-20241022-v1:0', 'bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
  ['cohere.command-r-v1:0', 'bedrock', 'cohere.command-r-v1:0'],
  ['amazon.titan-embed-text-v2:0', 'bedrock', 'amazon.titan-embed-text-v2:0'],
  ['groq/llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
  [
    'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo',
    'together',
    'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  ],
  [
    'fireworks_ai/accounts/fireworks/models/deepseek-v3',
    'fireworks',
    'accounts/fireworks/models/deepseek-v3',
  ],
  ['deepseek-reasoner', 'deepseek', 'deepseek-reasoner'],
  ['xai/grok-4', 'xai', 'grok-4'],
  ['ollama/llama3.1', 'ollama', 'llama3.1'],
];

test('a sample of prices, limits and capabilities matches the public table', {
  skip: skipWithoutSource,
}, () => {
  const table = readSource();
  for (const [key, target, id] of SAMPLE) {
    const record = table[key];
    assert.ok(record, `${key} is in the table`);
    const [provider = '', platform] = target.split(':');
    const entry = catalog.get({ provider, ...(platform ? { platform: platform as 'vertex' } : {}) }, id);
    assert.ok(entry, `${key} is in the catalog as ${target}/${id}`);
    assert.equal(entry.id, id);
    assert.ok(entry.id === key || entry.aliases.includes(key), `${key} is an alias of ${id}`);
    samePrice(entry.prices.inputPerMillion, record.input_cost_per_token, `${key} input`);
    samePrice(entry.prices.outputPerMillion, record.output_cost_per_token, `${key} output`);
    samePrice(entry.prices.cacheReadPerMillion, record.cache_read_input_token_cost, `${key} cache read`);
    assert.equal(entry.contextWindow, record.max_input_tokens, `${key} context window`);
    assert.equal(entry.maxOutputTokens, record.max_output_tokens, `${key} max output`);
    assert.equal(entry.capabilities.tools, record.supports_function_calling === true, `${key} tools`);
    assert.equal(entry.capabilities.vision, record.supports_vision === true, `${key} vision`);
    assert.equal(entry.capabilities.reasoning, record.supports_reasoning === true, `${key} reasoning`);
    assert.equal(entry.capabilities.promptCaching, record.supports_prompt_caching === true, `${key} caching`);
    assert.equal(
      entry.capabilities.jsonSchema,
      record.supports_response_schema === true,
      `${key} json schema`,
    );
  }
});

test('every entry carries the input price of a table record it names', { skip: skipWithoutSource }, () => {
  const table = readSource();
  const mismatched: string[] = [];
  for (const entry of catalog.entries as CatalogEntry[]) {
    // The table keys that name this entry (an id can also be another record's key: Perplexity's
    // `perplexity/sonar` is the key of `sonar`).
    const records = [entry.id, ...entry.aliases]
      .filter((key) => namesEntry(key, table[key], entry))
      .map((key) => table[key]!);
    const priced = records.filter((record) => record.input_cost_per_token !== undefined);
    if (priced.length === 0) continue;
    const matches = priced.some(
      (record) =>
        entry.prices.inputPerMillion !== undefined &&
        Math.abs(Number(entry.prices.inputPerMillion) - record.input_cost_per_token! * 1e6) <=
          record.input_cost_per_token! * 1e-3,
    );
    if (!matches) mismatched.push(`${entry.provider}/${entry.id}`);
  }
  assert.deepEqual(mismatched, []);
});

function namesEntry(key: string, record: SourceRecord | undefined, entry: CatalogEntry): boolean {
  const provider = record && SOURCE_PROVIDERS[record.litellm_provider];
  if (!provider || provider.provider !== entry.provider || provider.platform !== entry.platform) return false;
  return parseSourceKey(key, provider)?.id.toLowerCase() === entry.id.toLowerCase();
}

test('the generator reproduces the committed catalog, byte for byte, every run', {
  skip: skipWithoutSource,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));
  try {
    const run = (out: string) =>
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'scripts/generate-catalog.ts'), '--from', source!, '--out', out],
        { cwd: repoRoot, stdio: 'pipe' },
      );
    run(join(dir, 'first.json'));
    run(join(dir, 'second.json'));
    const first = readFileSync(join(dir, 'first.json'));
    assert.ok(first.equals(readFileSync(join(dir, 'second.json'))), 'two runs give the same bytes');
    assert.ok(
      first.equals(readFileSync(shippedFile)),
      'the committed catalog is up to date: run npm run catalog:generate',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
