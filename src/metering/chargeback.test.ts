import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTestStores } from '../store/testing.ts';
import { chargeback, chargebackToCsv, chargebackToJson } from './chargeback.ts';
import { fixtureRecords, referenceSums, totalSums } from './report-testing.ts';
import { UsageRepository } from './repository.ts';

const RECORDS = fixtureRecords();
const FEBRUARY = RECORDS.filter((r) => new Date(r.started_at).toISOString().startsWith('2025-02'));

describe('chargeback', () => {
  it('bills each cost center for the month, itemized by application and model', async () => {
    await withTestStores(async (store) => {
      await new UsageRepository(store.db).insert(RECORDS);
      const result = await chargeback(store, '2025-02');
      assert.equal(result.from, Date.UTC(2025, 1, 1));
      assert.equal(result.to, Date.UTC(2025, 2, 1));

      const centers = referenceSums(FEBRUARY, (r) => [r.cost_center]);
      assert.deepEqual(new Map(result.costCenters.map((c) => [c.costCenter, c.sums])), centers);
      for (const center of result.costCenters) {
        const inCenter = FEBRUARY.filter((r) => r.cost_center === center.costCenter);
        const lines = referenceSums(inCenter, (r) => [JSON.stringify([r.app, r.model])]);
        assert.deepEqual(new Map(center.lines.map((l) => [JSON.stringify([l.app, l.model]), l.sums])), lines);
        const costs = center.lines.map((line) => line.sums.cost_micros);
        assert.deepEqual(
          costs,
          [...costs].sort((a, b) => b - a),
          'line items, highest cost first',
        );
      }
      assert.deepEqual(result.totals, totalSums(FEBRUARY));
      // Requests no cost center claims are billed last, not lost.
      assert.equal(result.costCenters.at(-1)?.costCenter, null);
    });
  });

  it('leaves out other months and writes one CSV line per line item', async () => {
    await withTestStores(async (store) => {
      await new UsageRepository(store.db).insert(RECORDS);
      const result = await chargeback(store, '2025-02');
      const csv = chargebackToCsv(result);
      const lines = csv.trimEnd().split('\r\n');
      const itemCount = result.costCenters.reduce((count, center) => count + center.lines.length, 0);
      assert.equal(lines.length, 1 + itemCount);
      assert.ok(lines.slice(1).every((line) => line.startsWith('2025-02,')));
      const json = chargebackToJson(result) as { totals: { cost_usd: string; requests: number } };
      assert.equal(json.totals.requests, FEBRUARY.length);
      assert.ok(FEBRUARY.length < RECORDS.length);

      const empty = await chargeback(store, '2024-12');
      assert.deepEqual(empty.costCenters, []);
      assert.equal(empty.totals.cost_micros, 0);
    });
  });

  it('refuses a month that is not YYYY-MM', async () => {
    await withTestStores(async (store) => {
      await assert.rejects(chargeback(store, '2025-13'), { param: 'month' });
      await assert.rejects(chargeback(store, 'November'), { param: 'month' });
    });
  });
});
