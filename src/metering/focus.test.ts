import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDecimal } from '../core/money.ts';
import { withTestStores } from '../store/testing.ts';
import { discountOf, FOCUS_COLUMNS, focusCsv, focusTags, listCostMicros } from './focus.ts';
import {
  FOCUS_CONDITIONAL_COLUMNS,
  FOCUS_CURRENCY_CODE,
  FOCUS_CUSTOM_PREFIX,
  FOCUS_DATE_TIME,
  FOCUS_MANDATORY_COLUMNS,
  FOCUS_NUMERIC,
  FOCUS_OPTIONAL_COLUMNS,
  type FocusColumnFact,
} from './focus-spec.ts';
import { FIXTURE_START, fixtureRecords, totalSums } from './report-testing.ts';
import { DAY_MS, HOUR_MS } from './report-time.ts';
import { UsageRepository } from './repository.ts';
import { sampleRecord } from './testing.ts';

const RECORDS = fixtureRecords();
const FROM = Date.UTC(2025, 0, 30);
const TO = Date.UTC(2025, 1, 3);

/** An RFC 4180 reader, independent of the writer under test. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += char;
  }
  assert.equal(field + record.join(''), '', 'the document ends with CRLF');
  const [header, ...rows] = records;
  assert.ok(header);
  return rows.map((row) => {
    assert.equal(row.length, header.length, 'every row has every column');
    return Object.fromEntries(header.map((name, index) => [name, row[index]!]));
  });
}

async function exportCsv(store: Parameters<typeof focusCsv>[0], options: Parameters<typeof focusCsv>[1]) {
  let text = '';
  for await (const chunk of focusCsv(store, options)) text += chunk;
  return text;
}

const micros = (decimal: string) => Number(parseDecimal(decimal, 6));

function checkValue(fact: FocusColumnFact, value: string, where: string): void {
  if (value === '') {
    assert.ok(fact.nullable, `${fact.name} may not be null (${where})`);
    return;
  }
  if (fact.type === 'DateTime') assert.match(value, FOCUS_DATE_TIME, `${fact.name} ${where}`);
  if (fact.type === 'Decimal') assert.match(value, FOCUS_NUMERIC, `${fact.name} ${where}`);
  if (fact.type === 'CurrencyCode') assert.match(value, FOCUS_CURRENCY_CODE, `${fact.name} ${where}`);
  if (fact.type === 'JSON') {
    const parsed: unknown = JSON.parse(value);
    assert.ok(
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed),
      `${fact.name} is a JSON object`,
    );
  }
  if (fact.allowed) assert.ok(fact.allowed.includes(value), `${fact.name}=${value} is an allowed value`);
}

describe('FOCUS export', () => {
  it('has every column FOCUS 1.2 makes mandatory, and every conditional one that applies', () => {
    const columns = new Set<string>(FOCUS_COLUMNS);
    for (const fact of [...FOCUS_MANDATORY_COLUMNS, ...FOCUS_CONDITIONAL_COLUMNS]) {
      assert.ok(columns.has(fact.name), `${fact.name} (${fact.presenceRule}) is exported`);
    }
    assert.equal(FOCUS_MANDATORY_COLUMNS.length, 21);
    const known = new Set(
      [...FOCUS_MANDATORY_COLUMNS, ...FOCUS_CONDITIONAL_COLUMNS, ...FOCUS_OPTIONAL_COLUMNS].map(
        (f) => f.name,
      ),
    );
    for (const column of FOCUS_COLUMNS) {
      assert.ok(
        known.has(column) || column.startsWith(FOCUS_CUSTOM_PREFIX),
        `${column} is a FOCUS column or x_`,
      );
    }
  });

  it('writes valid values in every row, and billed cost adds up to the ledger', async () => {
    await withTestStores(async (store) => {
      await new UsageRepository(store.db).insert(RECORDS);
      const rows = parseCsv(await exportCsv(store, { from: FROM, to: TO }));
      assert.ok(rows.length > 10);
      const facts = [...FOCUS_MANDATORY_COLUMNS, ...FOCUS_CONDITIONAL_COLUMNS, ...FOCUS_OPTIONAL_COLUMNS];
      rows.forEach((row, index) => {
        for (const fact of facts) checkValue(fact, row[fact.name]!, `row ${index}`);
        const start = Date.parse(row.ChargePeriodStart!);
        assert.equal(Date.parse(row.ChargePeriodEnd!) - start, DAY_MS);
        assert.ok(Date.parse(row.BillingPeriodStart!) <= start && start < Date.parse(row.BillingPeriodEnd!));
        assert.equal(row.ChargeCategory, 'Usage');
        assert.ok(Number(row.ConsumedQuantity) > 0, 'usage rows have a positive quantity');
        assert.equal(Number(row.ConsumedQuantity), Number(row.x_InputTokens) + Number(row.x_OutputTokens));
        assert.equal(row.EffectiveCost, row.BilledCost);
      });
      const total = totalSums(RECORDS);
      assert.equal(
        rows.reduce((sum, row) => sum + micros(row.BilledCost!), 0),
        total.cost_micros,
      );
      assert.equal(
        rows.reduce((sum, row) => sum + Number(row.x_Requests), 0),
        total.requests,
      );
      assert.equal(
        rows.reduce((sum, row) => sum + Number(row.x_UnpricedRequests), 0),
        total.unpriced_requests,
      );
      const claude = rows.find((row) => row.x_Model === 'claude-sonnet-4-5');
      assert.equal(claude?.ProviderName, 'Anthropic');
      assert.equal(claude?.ServiceName, 'Anthropic API');
      assert.equal(claude?.ResourceId, 'claude-eu/claude-sonnet-4-5');
      assert.equal(claude?.RegionId, 'eu');
      assert.match(claude?.SubAccountId ?? '', /^key_/);
    });
  });

  it('derives list cost from the discount recorded with the price, and leaves out requests with no tokens', async () => {
    await withTestStores(async (store) => {
      const at = Date.UTC(2025, 4, 2, 9);
      await new UsageRepository(store.db).insert([
        sampleRecord({
          started_at: at,
          cost_micros: 800,
          price_version: 'openai/gpt-4o-mini@aaa;discount=20%',
        }),
        sampleRecord({
          started_at: at + 1,
          cost_micros: 800,
          price_version: 'openai/gpt-4o-mini@aaa;discount=20%',
        }),
        sampleRecord({ started_at: at + 2, cost_micros: 300, price_version: 'openai/gpt-4o-mini@bbb' }),
        sampleRecord({ started_at: at + 3, input_tokens: 0, output_tokens: 0, cost_micros: 0, status: 401 }),
      ]);
      const rows = parseCsv(await exportCsv(store, { from: at, to: at + HOUR_MS, granularity: 'hour' }));
      assert.equal(rows.length, 2);
      const discounted = rows.find((row) => row.x_DiscountPercent === '20');
      assert.deepEqual(
        [discounted?.BilledCost, discounted?.ListCost, discounted?.ContractedCost, discounted?.x_Requests],
        ['0.001600', '0.002000', '0.001600', '2'],
      );
      const plain = rows.find((row) => row.x_PriceVersion === 'openai/gpt-4o-mini@bbb');
      assert.equal(plain?.ListCost, plain?.BilledCost);
      assert.equal(discounted?.ChargePeriodStart, '2025-05-02T09:00:00Z');
      assert.equal(discounted?.ChargePeriodEnd, '2025-05-02T10:00:00Z');
      assert.equal(discounted?.BillingPeriodStart, '2025-05-01T00:00:00Z');
      assert.equal(discounted?.BillingPeriodEnd, '2025-06-01T00:00:00Z');
    });
  });

  it('turns labels and attribution into FOCUS tags, keeping the reserved prefix for Switchyard', () => {
    assert.deepEqual(
      JSON.parse(
        focusTags(JSON.stringify(['env=prod', 'beta', 'switchyard/team=spoofed', 'env=dev', 'note=a=b']), {
          app: 'search',
          team: 'discovery',
          cost_center: null,
          business_unit: 'consumer',
        })!,
      ),
      {
        env: 'prod',
        beta: true,
        note: 'a=b',
        'switchyard/app': 'search',
        'switchyard/team': 'discovery',
        'switchyard/business_unit': 'consumer',
      },
    );
    assert.equal(focusTags('[]', { app: null, team: null, cost_center: null, business_unit: null }), null);
  });

  it('computes list cost exactly from the discount', () => {
    assert.equal(discountOf('openai/gpt-4o@x;discount=12.5%'), '12.5');
    assert.equal(discountOf('openai/gpt-4o@x'), undefined);
    assert.equal(listCostMicros(875, '12.5'), 1000);
    assert.equal(listCostMicros(1, '33'), 1); // 1.49 rounds to 1
    assert.equal(listCostMicros(500, undefined), 500);
  });

  it('rounds the range out to whole periods and refuses one over a year', async () => {
    await withTestStores(async (store) => {
      await new UsageRepository(store.db).insert(RECORDS);
      const rows = parseCsv(
        await exportCsv(store, { from: FIXTURE_START + 5 * 60_000, to: FIXTURE_START + HOUR_MS }),
      );
      assert.ok(rows.every((row) => row.ChargePeriodStart === '2025-01-30T00:00:00Z'));
      assert.ok(rows.length > 0);
      await assert.rejects(exportCsv(store, { from: 0, to: 400 * DAY_MS }), { param: 'to' });
    });
  });
});
