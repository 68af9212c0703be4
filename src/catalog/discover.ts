/**
 * `catalog discover`: the models a provider reports, each marked known or missing from the catalog.
 * Missing models still work; their cost is recorded as unknown until the catalog or an override
 * prices them.
 */
import type { Catalog } from './catalog.ts';
import { refOf } from './providers.ts';
import type { CatalogTarget } from './types.ts';

export interface DiscoveredModel {
  /** The id as the provider reported it. */
  model: string;
  known: boolean;
  /** The catalog entry's reference, when known. */
  ref?: string;
  /** Its retirement date, when the catalog has one. */
  deprecationDate?: string;
}

/** Sorted by model id; duplicates reported once. */
export function classifyDiscovered(
  catalog: Catalog,
  target: CatalogTarget | undefined,
  models: readonly string[],
): DiscoveredModel[] {
  return [...new Set(models)].sort().map((model) => {
    const entry = target ? catalog.get(target, model) : undefined;
    if (!entry) return { model, known: false };
    return {
      model,
      known: true,
      ref: refOf(entry),
      ...(entry.deprecationDate ? { deprecationDate: entry.deprecationDate } : {}),
    };
  });
}
