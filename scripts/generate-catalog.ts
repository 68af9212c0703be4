/**
 * Builds src/catalog/data/catalog.json from the public model price table.
 *
 *   npx tsx scripts/generate-catalog.ts [--from <table.json>] [--out <catalog.json>] [--source-date YYYY-MM-DD]
 *
 * The same table always gives the same bytes, so re-running it is safe and a diff shows only real
 * price or model changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { convertSourceTable, isSourceTable, sourceTableDate } from '../src/catalog/convert.ts';
import { serializeCatalog } from '../src/catalog/document.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SOURCE = resolve(repoRoot, '../shared/data/model_prices_and_context_window.json');
export const DEFAULT_OUT = resolve(repoRoot, 'src/catalog/data/catalog.json');

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: DEFAULT_SOURCE },
    out: { type: 'string', default: DEFAULT_OUT },
    'source-date': { type: 'string' },
  },
});

const from = resolve(values.from);
const table: unknown = JSON.parse(readFileSync(from, 'utf8'));
if (!isSourceTable(table)) {
  console.error(`${from} does not look like the public model price table (no litellm_provider fields)`);
  process.exit(1);
}
const sourceDate = values['source-date'] ?? sourceTableDate(table);
if (!sourceDate || !/^\d{4}-\d{2}-\d{2}$/.test(sourceDate)) {
  console.error('The table has no last_updated date: pass --source-date YYYY-MM-DD');
  process.exit(1);
}

const snapshot = convertSourceTable(table, { generatedFrom: basename(from), sourceDate });
const text = serializeCatalog(snapshot);
writeFileSync(values.out, text);

const perProvider = new Map<string, number>();
for (const entry of snapshot.entries)
  perProvider.set(entry.provider, (perProvider.get(entry.provider) ?? 0) + 1);
console.log(
  `catalog ${snapshot.version}: ${snapshot.entries.length} models from ${basename(from)} (${sourceDate}), ` +
    `${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB -> ${values.out}`,
);
console.log([...perProvider].map(([provider, n]) => `${provider} ${n}`).join(', '));
