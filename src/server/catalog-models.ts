/**
 * Catalog data in `GET /v1/models`: for each route, what its targets can do and cost, in an
 * extension object so OpenAI clients that do not know it ignore it.
 */
import type { Catalog } from '../catalog/catalog.ts';
import { catalogTargetOf, refOf } from '../catalog/providers.ts';
import { wireCapabilities, wirePrices } from '../catalog/wire.ts';
import type { Route } from '../routing/table.ts';

/**
 * `{ switchyard: { targets: [...] } }` with one item per route target the catalog knows; `{}` when it
 * knows none (the emulator, a self-hosted server). Prices include the target's configured override.
 */
export function catalogModelExtension(catalog: () => Catalog): (route: Route) => Record<string, unknown> {
  return (route) => {
    const current = catalog();
    const targets: Array<Record<string, unknown>> = [];
    for (const target of route.targets) {
      const catalogTarget = catalogTargetOf(target.provider);
      const entry = catalogTarget ? current.get(catalogTarget, target.model) : undefined;
      if (!catalogTarget || !entry) continue;
      const quote = current.priceFor(catalogTarget, target.model, target.price);
      targets.push({
        provider: target.provider.name,
        model: target.model,
        catalog_model: refOf(entry),
        mode: entry.mode,
        context_window: entry.contextWindow ?? null,
        max_output_tokens: entry.maxOutputTokens ?? null,
        prices: wirePrices(quote?.prices ?? entry.prices),
        ...(target.provider.discount_percent ? { discount_percent: target.provider.discount_percent } : {}),
        price_version: quote?.version ?? null,
        capabilities: wireCapabilities(entry),
        deprecation_date: entry.deprecationDate ?? null,
      });
    }
    return targets.length === 0 ? {} : { switchyard: { targets } };
  };
}
