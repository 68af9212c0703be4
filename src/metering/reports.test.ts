import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyRepository } from '../store/keys.ts';
import { withTestStores } from '../store/testing.ts';
import type { UsageRecord } from './record.ts';
import { parseFilters, parseGroupBy, type ReportDimension } from './report-dimensions.ts';
import { reportToCsv, reportToJson } from './report-format.ts';
import { dailyMatchesHourly, fixtureRecords, referenceSums, totalSums } from './report-testing.ts';
import { bucketLabel, DAY_MS, HOUR_MS } from './report-time.ts';
import { plan, type ReportRow, usageReport } from './reports.ts';
import { UsageRepository } from './repository.ts';
import { sampleRecord } from './testing.ts';

const RECORDS = fixtureRecords();
const FIRST = RECORDS[0]!.started_at;
const LAST = RECORDS[RECORDS.length - 1]!.started_at;

/** What each dimension reads from a record (tags: one group per tag). */
const EXTRACT: Record<ReportDimension, (record: UsageRecord) => ReadonlyArray<string | null>> = {
  hour: (r) => [bucketLabel('hour', r.started_at - (r.started_at % HOUR_MS))],
  day: (r) => [new Date(r.started_at).toISOString().slice(0, 10)],
  month: (r) => [new Date(r.started_at).toISOString().slice(0, 7)],
  cost_center: (r) => [r.cost_center],
  business_unit: (r) => [r.business_unit],
  team: (r) => [r.team],
  app: (r) => [r.app],
  key: (r) => [r.key_id],
  user: (r) => [r.user_id],
  route: (r) => [r.route],
  provider: (r) => [r.provider],
  model: (r) => [r.model],
  region: (r) => [r.region],
  tag: (r) => (r.tags.length === 0 ? [null] : r.tags),
};

function rowsByGroup(rows: readonly ReportRow[], dimension: ReportDimension) {
  return new Map(rows.map((row) => [row.group[dimension] ?? null, row.sums]));
}

async function seeded<T>(fn: (store: Parameters<Parameters<typeof withTestStores>[0]>[0]) => Promise<T>) {
  await withTestStores(async (store) => {
    await new UsageRepository(store.db).insert(RECORDS);
    await fn(store);
  });
}

describe('usage reports', () => {
  it('sum exactly what the records hold, for every dimension, over ranges that cut hours in two', async () => {
    // Ranges: everything; whole hours only; and partial hours at both ends (all three tables merged).
    const ranges = [
      { from: undefined, to: undefined },
      { from: Date.UTC(2025, 0, 30, 23), to: Date.UTC(2025, 1, 1, 17) },
      { from: FIRST + 17 * 60_000, to: LAST - 23 * 60_000 },
    ];
    await seeded(async (store) => {
      for (const range of ranges) {
        const inRange = RECORDS.filter(
          (r) =>
            (range.from === undefined || r.started_at >= range.from) &&
            (range.to === undefined || r.started_at < range.to),
        );
        for (const dimension of Object.keys(EXTRACT) as ReportDimension[]) {
          const report = await usageReport(store, { groupBy: [dimension], ...range });
          const expected = referenceSums(inRange, EXTRACT[dimension]);
          assert.deepEqual(
            rowsByGroup(report.rows, dimension),
            expected,
            `${dimension} over ${JSON.stringify(range)}`,
          );
          assert.deepEqual(report.totals, totalSums(inRange), `totals by ${dimension}`);
        }
      }
    });
  });

  it('groups by several dimensions at once, a time bucket included', async () => {
    await seeded(async (store) => {
      const report = await usageReport(store, { groupBy: ['month', 'team', 'model'] });
      const expected = referenceSums(RECORDS, (r) => [
        JSON.stringify([EXTRACT.month(r)[0], r.team, r.model]),
      ]);
      const actual = new Map(
        report.rows.map((row) => [
          JSON.stringify([row.group.month, row.group.team, row.group.model]),
          row.sums,
        ]),
      );
      assert.deepEqual(actual, expected);
      // A month boundary runs through the fixtures: both months are there, oldest first.
      assert.deepEqual([...new Set(report.rows.map((row) => row.group.month))], ['2025-01', '2025-02']);
    });
  });

  it('reads whole days from daily sums, whole hours from hourly sums, and the partial ends from records', async () => {
    const D = Date.UTC(2025, 0, 30);
    const can = { tagged: false, daily: true };
    assert.deepEqual(plan(D, D + 2 * DAY_MS, can), [{ source: 'daily', from: D, to: D + 2 * DAY_MS }]);
    const from = D + HOUR_MS + 60_000;
    const to = D + 2 * DAY_MS + 2 * HOUR_MS + 60_000;
    assert.deepEqual(plan(from, to, can), [
      { source: 'daily', from: D + DAY_MS, to: D + 2 * DAY_MS },
      { source: 'hourly', from: D + 2 * HOUR_MS, to: D + DAY_MS },
      { source: 'records', from, to: D + 2 * HOUR_MS },
      { source: 'hourly', from: D + 2 * DAY_MS, to: D + 2 * DAY_MS + 2 * HOUR_MS },
      { source: 'records', from: D + 2 * DAY_MS + 2 * HOUR_MS, to },
    ]);
    // Without the daily sums (grouping by hour or user), whole hours come from the hourly sums.
    assert.deepEqual(plan(from, D + 5 * HOUR_MS, { tagged: false, daily: false }), [
      { source: 'hourly', from: D + 2 * HOUR_MS, to: D + 5 * HOUR_MS },
      { source: 'records', from, to: D + 2 * HOUR_MS },
    ]);
    assert.deepEqual(plan(from, from + 60_000, can), [{ source: 'records', from, to: from + 60_000 }]);
    assert.deepEqual(plan(undefined, undefined, { tagged: true, daily: true }), [{ source: 'records' }]);
    assert.deepEqual(plan(undefined, undefined, can), [{ source: 'daily' }]);

    await seeded(async (store) => {
      const sources = async (query: Parameters<typeof usageReport>[1]) =>
        (await usageReport(store, query)).sources;
      assert.deepEqual(await sources({ groupBy: ['team'], from: D, to: D + 2 * DAY_MS }), ['daily']);
      assert.deepEqual(await sources({ groupBy: ['user'], from: D, to: D + 2 * DAY_MS }), ['hourly']);
      assert.deepEqual(await sources({ groupBy: ['hour'], from: D, to: D + 2 * DAY_MS }), ['hourly']);
      assert.deepEqual(await sources({ groupBy: ['team'], from: FIRST + 1, to: LAST }), [
        'daily',
        'hourly',
        'records',
      ]);
      assert.deepEqual(await sources({ groupBy: ['tag'] }), ['records']);
    });
  });

  it('keeps the daily sums equal to the hourly sums as records arrive', async () => {
    await withTestStores(async (store) => {
      const repository = new UsageRepository(store.db);
      // Two batches that land in the same hourly rows: the second updates rows the first inserted.
      await repository.insert(RECORDS.slice(0, 50));
      await repository.insert([...RECORDS.slice(50), ...fixtureRecords('req_again')]);
      await dailyMatchesHourly(store);
    });
  });

  it('filters by any dimension, several values meaning any of them, and by tag', async () => {
    await seeded(async (store) => {
      const cases: Array<[Record<string, string>, (r: UsageRecord) => boolean]> = [
        [{ team: 'search' }, (r) => r.team === 'search'],
        [{ team: 'search,ads' }, (r) => r.team === 'search' || r.team === 'ads'],
        [{ model: 'gpt-4o', region: 'us' }, (r) => r.model === 'gpt-4o'],
        [{ key: 'key_b', application: 'web' }, (r) => r.key_id === 'key_b' && r.app === 'web'],
        [{ cost_center: 'cc-200', user: 'ada' }, (r) => r.cost_center === 'cc-200' && r.user_id === 'ada'],
        [
          { provider: 'claude-eu', route: 'chat-cheap' },
          (r) => r.provider === 'claude-eu' && r.route === 'chat-cheap',
        ],
        [{ tag: 'env=prod' }, (r) => r.tags.includes('env=prod')],
        [
          { tag: 'beta,env=dev', team: 'ads' },
          (r) => (r.tags.includes('beta') || r.tags.includes('env=dev')) && r.team === 'ads',
        ],
      ];
      for (const [query, keep] of cases) {
        const report = await usageReport(store, { groupBy: ['model'], filters: parseFilters(query) });
        const kept = RECORDS.filter(keep);
        assert.ok(kept.length > 0, `fixture covers ${JSON.stringify(query)}`);
        assert.deepEqual(
          rowsByGroup(report.rows, 'model'),
          referenceSums(kept, EXTRACT.model),
          JSON.stringify(query),
        );
        assert.deepEqual(report.totals, totalSums(kept));
      }
    });
  });

  it('a tag filter matches whole tags only, even with LIKE wildcards in it', async () => {
    await withTestStores(async (store) => {
      await new UsageRepository(store.db).insert([
        sampleRecord({ tags: ['env=prod'], cost_micros: 1 }),
        sampleRecord({ tags: ['env=production'], cost_micros: 10 }),
        sampleRecord({ tags: ['pct=100%_x'], cost_micros: 100 }),
        sampleRecord({ tags: ['pct=1000x'], cost_micros: 1000 }),
      ]);
      const cost = async (tag: string) =>
        (await usageReport(store, { groupBy: [], filters: { tag: [tag] } })).totals.cost_micros;
      assert.equal(await cost('env=prod'), 1);
      assert.equal(await cost('pct=100%_x'), 100);
      assert.equal(await cost('env=pro'), 0);
    });
  });

  it('keeps the top N by cost, with totals and the group count still covering everything', async () => {
    await seeded(async (store) => {
      const report = await usageReport(store, { groupBy: ['team', 'model'], limit: 3 });
      const all = await usageReport(store, { groupBy: ['team', 'model'] });
      assert.equal(report.rows.length, 3);
      assert.equal(report.groupCount, all.rows.length);
      const costs = all.rows.map((row) => row.sums.cost_micros).sort((a, b) => b - a);
      assert.deepEqual(
        report.rows.map((row) => row.sums.cost_micros),
        costs.slice(0, 3),
      );
      assert.deepEqual(report.totals, totalSums(RECORDS));
      const json = reportToJson(report);
      assert.equal(json.truncated, true);
    });
  });

  it('sorts by time when grouped by a time bucket, and by cost on request', async () => {
    await seeded(async (store) => {
      const byTime = await usageReport(store, { groupBy: ['day'] });
      assert.equal(byTime.sort, 'time');
      assert.deepEqual(
        byTime.rows.map((row) => row.group.day),
        ['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02'],
      );
      const byCost = await usageReport(store, { groupBy: ['day'], sort: 'cost' });
      const costs = byCost.rows.map((row) => row.sums.cost_micros);
      assert.deepEqual(
        costs,
        [...costs].sort((a, b) => b - a),
      );
    });
  });

  it('flags requests without a price instead of counting them as free', async () => {
    await seeded(async (store) => {
      const report = await usageReport(store, { groupBy: ['provider'] });
      const unpriced = RECORDS.filter((r) => !r.cost_known).length;
      assert.ok(unpriced > 0);
      assert.equal(report.totals.unpriced_requests, unpriced);
      const json = reportToJson(report) as { cost_complete: boolean; totals: { cost_usd: string } };
      assert.equal(json.cost_complete, false);
      assert.equal(json.totals.cost_usd, (totalSums(RECORDS).cost_micros / 1e6).toFixed(6));
    });
  });

  it('names keys beside their ids', async () => {
    await withTestStores(async (store) => {
      const keys = new KeyRepository(store.db);
      const created = await keys.create({ name: 'search-service', role: 'client' });
      await new UsageRepository(store.db).insert([
        sampleRecord({ key_id: created.record.id, cost_micros: 7 }),
        sampleRecord({ key_id: 'key_gone', cost_micros: 5 }),
      ]);
      const report = await usageReport(store, { groupBy: ['key'] });
      assert.deepEqual(
        report.rows.map((row) => [row.group.key, row.keyName]),
        [
          [created.record.id, 'search-service'],
          ['key_gone', null],
        ],
      );
    });
  });

  it('writes CSV by RFC 4180: a header, CRLF line ends, quoted commas and doubled quotes', async () => {
    await seeded(async (store) => {
      const report = await usageReport(store, {
        groupBy: ['team'],
        filters: { team: ['R&D, "Labs"', 'ads'] },
      });
      const csv = reportToCsv(report);
      const lines = csv.split('\r\n');
      assert.equal(lines.at(-1), '', 'ends with CRLF');
      assert.equal(
        lines[0],
        'team,requests,errors,unpriced_requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,total_tokens,cost_micros,cost_usd',
      );
      const labs = lines.find((line) => line.startsWith('"R&D'));
      const expected = referenceSums(RECORDS, EXTRACT.team).get('R&D, "Labs"')!;
      assert.ok(labs?.startsWith(`"R&D, ""Labs""",${expected.requests},`), labs);
      assert.ok(!csv.includes('\n\n') && !/[^\r]\n/.test(csv), 'no bare LF');
    });
  });

  it('refuses unknown dimensions, two time buckets, a bad limit and an empty range', async () => {
    assert.throws(() => parseGroupBy('team,colour'), { param: 'group_by' });
    assert.throws(() => parseGroupBy('day,month'), { param: 'group_by' });
    assert.throws(() => parseGroupBy('team,team'), { param: 'group_by' });
    assert.deepEqual(parseGroupBy('application, key_id ,tags'), ['app', 'key', 'tag']);
    await withTestStores(async (store) => {
      await assert.rejects(usageReport(store, { groupBy: ['team'], limit: 0 }), { param: 'limit' });
      await assert.rejects(usageReport(store, { groupBy: ['team'], from: 10, to: 10 }), { param: 'to' });
    });
  });
});
