/**
 * Facts from the FinOps Open Cost and Usage Specification (FOCUS) that the export is checked against.
 *
 * Version: FOCUS 1.2, Cost and Usage dataset.
 * Sources:
 *  - the specification: https://focus.finops.org/focus-specification/v1-2/ (columns, attributes);
 *  - the FOCUS Requirements Model 1.2 (model-1.2.json, published with the specification and used by the
 *    FinOps Foundation's focus-validator), whose dataset rules CostAndUsage-D-003 .. D-068 say which
 *    columns MUST be present always (rule ids ending in -M) and which only when the provider supports a
 *    feature (-C). The rule id is kept beside each column below.
 *
 * Kept as data, in our own words, so a test can hold the export to it and a reader can check it against
 * the published text.
 */

export const FOCUS_VERSION = '1.2';
export const FOCUS_SPEC_URL = 'https://focus.finops.org/focus-specification/v1-2/';

export type FocusType = 'Decimal' | 'String' | 'DateTime' | 'CurrencyCode' | 'JSON';

export interface FocusColumnFact {
  name: string;
  type: FocusType;
  /** Whether the spec lets the column be null on a usage row that is not a correction. */
  nullable: boolean;
  /** The spec's allowed values, for columns that have a fixed set. */
  allowed?: readonly string[];
  /** The Requirements Model rule that makes the column present. */
  presenceRule: string;
}

/**
 * Every column FOCUS 1.2 requires in every Cost and Usage dataset (the 21 presence rules ending in -M).
 * Nullability is for rows with ChargeCategory "Usage" and no ChargeClass, the only kind this export has:
 * e.g. PricingQuantity may be null in general but not on such a row.
 */
export const FOCUS_MANDATORY_COLUMNS: readonly FocusColumnFact[] = [
  { name: 'BilledCost', type: 'Decimal', nullable: false, presenceRule: 'CostAndUsage-D-006-M' },
  { name: 'BillingAccountId', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-024-M' },
  // May be null only when the provider cannot name billing accounts; Switchyard can.
  { name: 'BillingAccountName', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-005-M' },
  { name: 'BillingCurrency', type: 'CurrencyCode', nullable: false, presenceRule: 'CostAndUsage-D-035-M' },
  { name: 'BillingPeriodEnd', type: 'DateTime', nullable: false, presenceRule: 'CostAndUsage-D-010-M' },
  { name: 'BillingPeriodStart', type: 'DateTime', nullable: false, presenceRule: 'CostAndUsage-D-009-M' },
  {
    name: 'ChargeCategory',
    type: 'String',
    nullable: false,
    allowed: ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'],
    presenceRule: 'CostAndUsage-D-008-M',
  },
  // Null unless the row corrects an already invoiced (closed) billing period.
  {
    name: 'ChargeClass',
    type: 'String',
    nullable: true,
    allowed: ['Correction'],
    presenceRule: 'CostAndUsage-D-026-M',
  },
  // "SHOULD NOT be null": allowed, but this export always fills it.
  { name: 'ChargeDescription', type: 'String', nullable: true, presenceRule: 'CostAndUsage-D-025-M' },
  { name: 'ChargePeriodEnd', type: 'DateTime', nullable: false, presenceRule: 'CostAndUsage-D-028-M' },
  { name: 'ChargePeriodStart', type: 'DateTime', nullable: false, presenceRule: 'CostAndUsage-D-037-M' },
  { name: 'ContractedCost', type: 'Decimal', nullable: false, presenceRule: 'CostAndUsage-D-030-M' },
  { name: 'EffectiveCost', type: 'Decimal', nullable: false, presenceRule: 'CostAndUsage-D-031-M' },
  { name: 'InvoiceIssuerName', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-023-M' },
  { name: 'ListCost', type: 'Decimal', nullable: false, presenceRule: 'CostAndUsage-D-032-M' },
  { name: 'PricingQuantity', type: 'Decimal', nullable: false, presenceRule: 'CostAndUsage-D-036-M' },
  { name: 'PricingUnit', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-068-M' },
  { name: 'ProviderName', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-038-M' },
  { name: 'PublisherName', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-021-M' },
  // Allowed values are a fixed list of service categories; this export uses one of them.
  {
    name: 'ServiceCategory',
    type: 'String',
    nullable: false,
    allowed: ['AI and Machine Learning'],
    presenceRule: 'CostAndUsage-D-040-M',
  },
  { name: 'ServiceName', type: 'String', nullable: false, presenceRule: 'CostAndUsage-D-041-M' },
];

/**
 * Columns FOCUS requires only when the provider supports a feature, and that Switchyard does support:
 * it measures usage (tokens), groups charges under sub accounts (virtual keys), knows the region that
 * served a request, and carries tags. Their presence is therefore required of this export too.
 */
export const FOCUS_CONDITIONAL_COLUMNS: readonly (FocusColumnFact & { because: string })[] = [
  {
    name: 'ConsumedQuantity',
    type: 'Decimal',
    nullable: false,
    presenceRule: 'CostAndUsage-D-011-C',
    because: 'usage is measured',
  },
  {
    name: 'ConsumedUnit',
    type: 'String',
    nullable: false,
    presenceRule: 'CostAndUsage-D-066-C',
    because: 'usage is measured',
  },
  {
    name: 'SubAccountId',
    type: 'String',
    nullable: true,
    presenceRule: 'CostAndUsage-D-019-C',
    because: 'virtual keys are sub accounts',
  },
  {
    name: 'SubAccountName',
    type: 'String',
    nullable: true,
    presenceRule: 'CostAndUsage-D-029-C',
    because: 'virtual keys are sub accounts',
  },
  {
    name: 'RegionId',
    type: 'String',
    nullable: true,
    presenceRule: 'CostAndUsage-D-063-C',
    because: 'targets have regions',
  },
  {
    name: 'RegionName',
    type: 'String',
    nullable: true,
    presenceRule: 'CostAndUsage-D-062-C',
    because: 'targets have regions',
  },
  {
    name: 'Tags',
    type: 'JSON',
    nullable: true,
    presenceRule: 'CostAndUsage-D-064-C',
    because: 'requests and keys carry tags',
  },
];

/** Optional and recommended columns this export also fills, with their allowed values where fixed. */
export const FOCUS_OPTIONAL_COLUMNS: readonly FocusColumnFact[] = [
  {
    name: 'ChargeFrequency',
    type: 'String',
    nullable: false,
    allowed: ['One-Time', 'Recurring', 'Usage-Based'],
    presenceRule: 'CostAndUsage-D-027-O',
  },
  {
    name: 'PricingCategory',
    type: 'String',
    nullable: false,
    allowed: ['Standard', 'Dynamic', 'Committed', 'Other'],
    presenceRule: 'CostAndUsage-D-022-C',
  },
  { name: 'ResourceId', type: 'String', nullable: true, presenceRule: 'CostAndUsage-D-043-C' },
  { name: 'ResourceName', type: 'String', nullable: true, presenceRule: 'CostAndUsage-D-044-C' },
  { name: 'ResourceType', type: 'String', nullable: true, presenceRule: 'CostAndUsage-D-039-C' },
  // "Generative AI" is one of the subcategories FOCUS lists under "AI and Machine Learning".
  { name: 'ServiceSubcategory', type: 'String', nullable: true, presenceRule: 'CostAndUsage-D-042-O' },
];

/** Custom columns must start with this prefix (FOCUS "Custom Column Handling"). */
export const FOCUS_CUSTOM_PREFIX = 'x_';

/** FOCUS Date/Time Format: ISO 8601 in UTC, `YYYY-MM-DDTHH:mm:ssZ`. */
export const FOCUS_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * FOCUS Numeric Format: one plain number; a minus sign is allowed, a plus sign, thousands separators,
 * currency symbols and units are not. Scientific notation is allowed by the spec; this export never
 * writes it.
 */
export const FOCUS_NUMERIC = /^-?\d+(\.\d+)?([eE]-?\d+)?$/;

/** Currency Code Format: ISO 4217 three-letter code for national currencies. */
export const FOCUS_CURRENCY_CODE = /^[A-Z]{3}$/;

/** FOCUS Unit Format: the recommended count-based unit for tokens. */
export const FOCUS_TOKENS_UNIT = 'Tokens';
