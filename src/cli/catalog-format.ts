/**
 * Plain-text views of catalog results for a terminal: aligned columns, exact prices, money in USD.
 */
import type { Catalog } from '../catalog/catalog.ts';
import { refOf } from '../catalog/providers.ts';
import type { Alternatives, ComparedModel, WorkloadEstimate } from '../catalog/queries.ts';
import { CAPABILITY_NAMES, type CatalogEntry } from '../catalog/types.ts';
import { capabilityWireName, wireCapabilities } from '../catalog/wire.ts';
import { formatMicros } from '../core/money.ts';
import type { ProviderDiscovery } from './catalog-discover.ts';

/** Columns padded to their widest cell; the last column is not padded, so long text may wrap. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const NONE = '-';

function tokens(value: number | undefined): string {
  return value === undefined ? NONE : value.toLocaleString('en-US');
}

function price(value: string | undefined): string {
  return value ?? NONE;
}

function usd(micros: number | undefined): string {
  return micros === undefined ? 'unknown' : `$${formatMicros(micros)}`;
}

export function formatList(entries: CatalogEntry[], total: number, catalog: Catalog): string {
  const rows = entries.map((entry) => [
    refOf(entry),
    entry.mode,
    tokens(entry.contextWindow),
    price(entry.prices.inputPerMillion),
    price(entry.prices.outputPerMillion),
    entry.deprecationDate ?? NONE,
    wireCapabilities(entry).join(','),
  ]);
  const header = ['MODEL', 'MODE', 'CONTEXT', 'INPUT $/M', 'OUTPUT $/M', 'RETIRES', 'CAPABILITIES'];
  const footer =
    `${entries.length} of ${total} models. Catalog ${catalog.version} ` +
    `(${catalog.generatedFrom}, ${catalog.sourceDate}); prices in USD per million tokens.`;
  return `${table(header, rows)}\n\n${footer}`;
}

export function formatEntry(entry: CatalogEntry, catalog: Catalog): string {
  const quote = catalog.priceFor(
    entry.platform ? { provider: entry.provider, platform: entry.platform } : entry.provider,
    entry.id,
  );
  const lines: Array<[string, string]> = [
    ['model', refOf(entry)],
    ['mode', entry.mode],
    ['context window', tokens(entry.contextWindow)],
    ['max output tokens', tokens(entry.maxOutputTokens)],
    ['input $/M', price(entry.prices.inputPerMillion)],
    ['output $/M', price(entry.prices.outputPerMillion)],
  ];
  if (entry.prices.cacheReadPerMillion) lines.push(['cache read $/M', entry.prices.cacheReadPerMillion]);
  if (entry.prices.cacheWritePerMillion) lines.push(['cache write $/M', entry.prices.cacheWritePerMillion]);
  if (entry.prices.reasoningPerMillion) lines.push(['reasoning $/M', entry.prices.reasoningPerMillion]);
  for (const tier of entry.prices.tiers ?? []) {
    lines.push([
      `above ${tokens(tier.aboveInputTokens)} input`,
      `input ${price(tier.inputPerMillion)}, output ${price(tier.outputPerMillion)} $/M`,
    ]);
  }
  for (const [region, prices] of Object.entries(entry.regionalPrices ?? {})) {
    lines.push([
      `in ${region}`,
      `input ${price(prices.inputPerMillion)}, output ${price(prices.outputPerMillion)} $/M`,
    ]);
  }
  lines.push(['capabilities', wireCapabilities(entry).join(', ') || 'none listed']);
  if (entry.aliases.length > 0) lines.push(['aliases', entry.aliases.join(', ')]);
  if (entry.regions) lines.push(['regions', entry.regions.join(', ')]);
  lines.push(['retires', entry.deprecationDate ?? 'no date announced']);
  if (quote)
    lines.push([
      'price version',
      `${quote.version} (from ${quote.source}, effective ${quote.effectiveDate})`,
    ]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n');
}

/** One column per model, one row per property, so differences line up. */
export function formatComparison(compared: ComparedModel[]): string {
  const column = (read: (item: ComparedModel) => string) => compared.map(read);
  const rows: string[][] = [
    ['mode', ...column((item) => item.entry.mode)],
    ['context window', ...column((item) => tokens(item.entry.contextWindow))],
    ['max output tokens', ...column((item) => tokens(item.entry.maxOutputTokens))],
    ['input $/M', ...column((item) => price(item.entry.prices.inputPerMillion))],
    ['output $/M', ...column((item) => price(item.entry.prices.outputPerMillion))],
    ['cache read $/M', ...column((item) => price(item.entry.prices.cacheReadPerMillion))],
    ['blended $/M (3:1)', ...column((item) => price(item.blendedPerMillion))],
    ...CAPABILITY_NAMES.map((name) => [
      capabilityWireName(name),
      ...column((item) => (item.entry.capabilities[name] ? 'yes' : 'no')),
    ]),
    ['retires', ...column((item) => item.entry.deprecationDate ?? NONE)],
  ];
  return table(['', ...column((item) => item.model)], rows);
}

export function formatEstimate(estimate: WorkloadEstimate): string {
  const cheapest = estimate.results.find((result) => result.totalMicros !== undefined)?.totalMicros;
  const rows = estimate.results.map((result) => [
    result.model,
    usd(result.perRequestMicros),
    usd(result.totalMicros),
    result.totalMicros === undefined || !cheapest ? NONE : `${(result.totalMicros / cheapest).toFixed(2)}x`,
  ]);
  const header = ['MODEL', 'PER REQUEST', `${estimate.days} DAYS`, 'VS CHEAPEST'];
  return `${table(header, rows)}\n\n${estimate.requests.toLocaleString('en-US')} requests over ${estimate.days} days.`;
}

export function formatAlternatives(found: Alternatives): string {
  if (found.alternatives.length === 0) {
    return `No cheaper model has every capability and at least the context window of ${found.model}.`;
  }
  const rows = found.alternatives.map((alternative) => [
    alternative.model,
    alternative.blendedPerMillion,
    `${alternative.priceRatio}`,
    tokens(alternative.entry.contextWindow),
    price(alternative.entry.prices.inputPerMillion),
    price(alternative.entry.prices.outputPerMillion),
  ]);
  const header = ['MODEL', 'BLENDED $/M', 'PRICE RATIO', 'CONTEXT', 'INPUT $/M', 'OUTPUT $/M'];
  return (
    `${found.model}: blended ${found.blendedPerMillion} $/M (3 input : 1 output tokens)\n\n` +
    table(header, rows)
  );
}

export function formatDiscovery(results: ProviderDiscovery[]): string {
  return results
    .map((result) => {
      const title = `${result.provider} (${result.type}${result.catalogProvider ? `, catalog: ${result.catalogProvider}` : ''})`;
      if (result.status === 'failed') return `${title}: failed: ${result.error ?? 'unknown error'}`;
      if (result.status === 'unsupported') return `${title}: does not report its models`;
      const known = result.models.filter((model) => model.known);
      const missing = result.models.filter((model) => !model.known);
      const lines = [
        `${title}: ${result.models.length} models, ${known.length} in catalog, ${missing.length} missing`,
      ];
      if (!result.catalogProvider && result.models.length > 0) {
        lines.push(
          '  The catalog has no prices for this provider; set a route target price to record costs.',
        );
      }
      if (known.length > 0) {
        lines.push('  in catalog:');
        for (const model of known) {
          const retires = model.deprecationDate ? ` (retires ${model.deprecationDate})` : '';
          lines.push(`    ${model.model}  ->  ${model.ref}${retires}`);
        }
      }
      if (missing.length > 0) {
        lines.push('  missing from catalog:');
        for (const model of missing) lines.push(`    ${model.model}`);
      }
      return lines.join('\n');
    })
    .join('\n\n');
}
