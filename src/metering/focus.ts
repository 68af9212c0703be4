import { sql } from 'kysely';
import { GatewayError } from '../core/errors.ts';
import { divideHalfEven, formatMicros, parseDecimal } from '../core/money.ts';
import { csvLine } from './csv.ts';
import { providerDisplayName, publisherName, serviceDisplayName } from './focus-names.ts';
import { FOCUS_TOKENS_UNIT } from './focus-spec.ts';
import { bucketExpression, type ReportStore } from './report-query.ts';
import { addMonths, ceilTo, DAY_MS, floorTo, HOUR_MS, isoSeconds, startOfMonth } from './report-time.ts';

export type FocusGranularity = 'hour' | 'day';

export interface FocusExportOptions {
  /** Start of the export (ms); rounded down to a whole charge period. */
  from: number;
  /** End of the export, exclusive; rounded up to a whole charge period. */
  to: number;
  /** The charge period of a row (default: day). */
  granularity?: FocusGranularity;
  /** Who is billed: this Switchyard installation (defaults: `switchyard` / `Switchyard`). */
  billingAccountId?: string;
  billingAccountName?: string;
}

/** Every column written, in order: FOCUS columns, then Switchyard's own (`x_`). */
export const FOCUS_COLUMNS = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'PricingCategory',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
  'SubAccountId',
  'SubAccountName',
  'Tags',
  'x_Provider',
  'x_ProviderType',
  'x_Model',
  'x_Application',
  'x_Team',
  'x_CostCenter',
  'x_BusinessUnit',
  'x_Requests',
  'x_FailedRequests',
  'x_UnpricedRequests',
  'x_InputTokens',
  'x_OutputTokens',
  'x_CacheReadTokens',
  'x_CacheWriteTokens',
  'x_ReasoningTokens',
  'x_PriceVersion',
  'x_DiscountPercent',
] as const;

export type FocusColumn = (typeof FOCUS_COLUMNS)[number];
export type FocusRow = Record<FocusColumn, string | null>;

/** Prefix of the tags Switchyard sets from a key's attribution (team, app, ...), reserved for them. */
export const TAG_PREFIX = 'switchyard/';

const MAX_RANGE_MS = 366 * DAY_MS;

/** The export's range after rounding outward to whole charge periods. */
export function focusRange(options: FocusExportOptions): { from: number; to: number; unit: number } {
  const unit = (options.granularity ?? 'day') === 'hour' ? HOUR_MS : DAY_MS;
  const from = floorTo(options.from, unit);
  const to = ceilTo(options.to, unit);
  if (!(to > from)) {
    throw new GatewayError('invalid_request', 'to: must be after from', { param: 'to', retryable: false });
  }
  if (to - from > MAX_RANGE_MS) {
    throw new GatewayError('invalid_request', 'to: a FOCUS export covers at most 366 days; export in parts', {
      param: 'to',
      retryable: false,
    });
  }
  return { from, to, unit };
}

/**
 * FOCUS rows, one per charge period (hour or day), virtual key, application, provider, model, region,
 * price and tag set, read from the raw records a day at a time so memory stays flat however long the
 * range. Requests that used no tokens cost nothing and get no row (FOCUS wants a positive quantity on
 * usage rows).
 */
export async function* focusRows(store: ReportStore, options: FocusExportOptions): AsyncGenerator<FocusRow> {
  const { from, to, unit } = focusRange(options);
  const granularity = unit === HOUR_MS ? 'hour' : 'day';
  const bucket = bucketExpression(store.kind, granularity, sql.ref('started_at'));
  const account = {
    id: options.billingAccountId ?? 'switchyard',
    name: options.billingAccountName ?? 'Switchyard',
  };
  for (let start = from; start < to; start = Math.min(start + DAY_MS, to)) {
    const end = Math.min(start + DAY_MS, to);
    const result = await sql<ChargeGroup>`
      select ${bucket} as bucket, key_id, key_name, app, team, cost_center, business_unit,
        provider, provider_type, model, region, price_version, tags,
        count(*) as requests,
        sum(case when status >= 400 then 1 else 0 end) as errors,
        sum(1 - cost_known) as unpriced,
        sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens, sum(cache_write_tokens) as cache_write_tokens,
        sum(reasoning_tokens) as reasoning_tokens, sum(cost_micros) as cost_micros
      from usage_records
      where started_at >= ${start} and started_at < ${end}
      group by ${bucket}, key_id, key_name, app, team, cost_center, business_unit,
        provider, provider_type, model, region, price_version, tags
      having sum(input_tokens + output_tokens) > 0
      order by 1, key_id, provider, model, price_version, tags`.execute(store.db);
    for (const group of result.rows) yield focusRow(group, unit, account);
  }
}

/** The export as CSV text, a header line first, produced as it is read. */
export async function* focusCsv(store: ReportStore, options: FocusExportOptions): AsyncGenerator<string> {
  focusRange(options); // refuse a bad range before the header goes out
  yield csvLine(FOCUS_COLUMNS);
  for await (const row of focusRows(store, options))
    yield csvLine(FOCUS_COLUMNS.map((column) => row[column]));
}

interface ChargeGroup {
  bucket: number | string;
  key_id: string | null;
  key_name: string | null;
  app: string | null;
  team: string | null;
  cost_center: string | null;
  business_unit: string | null;
  provider: string | null;
  provider_type: string | null;
  model: string | null;
  region: string | null;
  price_version: string | null;
  tags: string;
  requests: number | string;
  errors: number | string;
  unpriced: number | string;
  input_tokens: number | string;
  output_tokens: number | string;
  cache_read_tokens: number | string;
  cache_write_tokens: number | string;
  reasoning_tokens: number | string;
  cost_micros: number | string;
}

function focusRow(group: ChargeGroup, unit: number, account: { id: string; name: string }): FocusRow {
  const start = Number(group.bucket);
  const billingStart = startOfMonth(start);
  const costMicros = Number(group.cost_micros);
  const tokens = Number(group.input_tokens) + Number(group.output_tokens);
  const discount = discountOf(group.price_version);
  const cost = formatMicros(costMicros);
  const providerDisplay = providerDisplayName(group.provider_type, group.provider);
  return {
    BilledCost: cost,
    BillingAccountId: account.id,
    BillingAccountName: account.name,
    BillingCurrency: 'USD',
    BillingPeriodEnd: isoSeconds(addMonths(billingStart, 1)),
    BillingPeriodStart: isoSeconds(billingStart),
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: `${group.model ?? 'Model'} tokens via ${group.provider ?? 'an unknown provider'}`,
    ChargeFrequency: 'Usage-Based',
    ChargePeriodEnd: isoSeconds(start + unit),
    ChargePeriodStart: isoSeconds(start),
    ConsumedQuantity: String(tokens),
    ConsumedUnit: FOCUS_TOKENS_UNIT,
    // Negotiated rates (a provider's discount, a target's own price) are the contract: nothing is
    // amortized or committed, so contracted, effective and billed cost are the charged cost.
    ContractedCost: cost,
    EffectiveCost: cost,
    InvoiceIssuerName: providerDisplay,
    ListCost: formatMicros(listCostMicros(costMicros, discount)),
    PricingCategory: 'Standard',
    PricingQuantity: String(tokens),
    PricingUnit: FOCUS_TOKENS_UNIT,
    ProviderName: providerDisplay,
    PublisherName: publisherName(group.model, providerDisplay),
    RegionId: group.region,
    RegionName: group.region,
    ResourceId: group.provider && group.model ? `${group.provider}/${group.model}` : null,
    ResourceName: group.model,
    ResourceType: group.provider && group.model ? 'Model' : null,
    ServiceCategory: 'AI and Machine Learning',
    ServiceName: serviceDisplayName(group.provider_type, group.provider),
    ServiceSubcategory: 'Generative AI',
    SubAccountId: group.key_id,
    SubAccountName: group.key_name,
    Tags: focusTags(group.tags, group),
    x_Provider: group.provider,
    x_ProviderType: group.provider_type,
    x_Model: group.model,
    x_Application: group.app,
    x_Team: group.team,
    x_CostCenter: group.cost_center,
    x_BusinessUnit: group.business_unit,
    x_Requests: String(Number(group.requests)),
    x_FailedRequests: String(Number(group.errors)),
    x_UnpricedRequests: String(Number(group.unpriced)),
    x_InputTokens: String(Number(group.input_tokens)),
    x_OutputTokens: String(Number(group.output_tokens)),
    x_CacheReadTokens: String(Number(group.cache_read_tokens)),
    x_CacheWriteTokens: String(Number(group.cache_write_tokens)),
    x_ReasoningTokens: String(Number(group.reasoning_tokens)),
    x_PriceVersion: group.price_version,
    x_DiscountPercent: discount ?? null,
  };
}

/** The provider discount a price version records (`...;discount=12.5%`), as a decimal string. */
export function discountOf(priceVersion: string | null): string | undefined {
  const match = priceVersion ? /;discount=(\d+(?:\.\d+)?)%$/.exec(priceVersion) : null;
  return match?.[1];
}

const PERCENT_SCALE = 6;
const WHOLE = 100n * 10n ** BigInt(PERCENT_SCALE);

/**
 * The cost before the provider's discount: cost ÷ (1 − discount), rounded half-even to a micro-USD.
 * Derived from the charged cost, so it can differ from pricing each request at list price by the
 * requests' own rounding (under a micro-USD each). A negotiated target price has no recorded list price
 * and counts as its own list price.
 */
export function listCostMicros(costMicros: number, discount: string | undefined): number {
  if (discount === undefined) return costMicros;
  let scaled: bigint;
  try {
    scaled = parseDecimal(discount, PERCENT_SCALE);
  } catch {
    return costMicros;
  }
  if (scaled <= 0n || scaled >= WHOLE) return costMicros;
  return Number(divideHalfEven(BigInt(costMicros) * WHOLE, WHOLE - scaled));
}

/**
 * FOCUS Tags (a JSON object). The request and key labels are the one unprefixed user-defined scheme:
 * `env=prod` becomes `"env": "prod"`, a bare `beta` becomes `"beta": true` (FOCUS's rule for valueless
 * tags). The key's attribution becomes `switchyard/`-prefixed tags, and user tags may not use that
 * reserved prefix. Null when there is nothing to say.
 */
export function focusTags(
  stored: string,
  attribution: Pick<ChargeGroup, 'app' | 'team' | 'cost_center' | 'business_unit'>,
): string | null {
  const tags: Record<string, string | true> = {};
  let labels: unknown;
  try {
    labels = JSON.parse(stored);
  } catch {
    labels = [];
  }
  for (const label of Array.isArray(labels) ? labels : []) {
    if (typeof label !== 'string') continue;
    const equals = label.indexOf('=');
    const key = (equals < 0 ? label : label.slice(0, equals)).trim();
    if (key === '' || key.startsWith(TAG_PREFIX) || key in tags) continue;
    tags[key] = equals < 0 ? true : label.slice(equals + 1);
  }
  const attributed: Array<[string, string | null]> = [
    ['app', attribution.app],
    ['team', attribution.team],
    ['cost_center', attribution.cost_center],
    ['business_unit', attribution.business_unit],
  ];
  for (const [name, value] of attributed) if (value) tags[`${TAG_PREFIX}${name}`] = value;
  return Object.keys(tags).length === 0 ? null : JSON.stringify(tags);
}
