// `switchyard usage ...` run as a user would, against a SQLite file holding known records.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fixtureRecords, referenceSums, totalSums } from '../src/metering/report-testing.ts';
import { UsageRepository } from '../src/metering/repository.ts';
import { AdminActionLog } from '../src/store/admin-actions.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrateToLatest } from '../src/store/migrations/index.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const RECORDS = fixtureRecords();

describe('switchyard usage', () => {
  let dir: string;
  let database: string;

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env = { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' };
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', TSX, MAIN, ...args], {
        cwd: dir,
        env,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-cli-'));
    database = join(dir, 'usage.db');
    writeFileSync(
      join(dir, 'switchyard.yaml'),
      [
        `storage: { url: "sqlite:${database}" }`,
        'providers:',
        '  - { name: openai, type: openai, api_key: sk-test }',
      ].join('\n'),
    );
    const store = await openDatabase(`sqlite:${database}`);
    await migrateToLatest(store);
    await new UsageRepository(store.db).insert(RECORDS);
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('report: grouped and filtered, as JSON, CSV and a table', async () => {
    const json = await cli(
      'usage',
      'report',
      '--group-by',
      'team',
      '--from',
      '2025-01',
      '--to',
      '2025-03',
      '--model',
      'gpt-4o',
      '--format',
      'json',
    );
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout) as { rows: Array<{ team: string | null; cost_micros: number }> };
    const kept = RECORDS.filter((r) => r.model === 'gpt-4o');
    assert.deepEqual(
      new Map(body.rows.map((row) => [row.team, row.cost_micros])),
      new Map([...referenceSums(kept, (r) => [r.team])].map(([team, sums]) => [team, sums.cost_micros])),
    );

    const csv = await cli(
      'usage',
      'report',
      '-g',
      'day',
      '--from',
      '2025-01',
      '--to',
      '2025-03',
      '--format',
      'csv',
    );
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^day,requests,/);
    assert.match(csv.stdout, /\r\n2025-01-30,/);

    const table = await cli(
      'usage',
      'report',
      '-g',
      'provider',
      '--from',
      '2025-01',
      '--to',
      '2025-03',
      '--limit',
      '1',
    );
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^provider\s+requests/m);
    assert.match(table.stdout, /\(1 of 2 groups shown\)/);
    assert.match(table.stdout, new RegExp(`TOTAL\\s+${RECORDS.length}\\b`));

    const bad = await cli('usage', 'report', '--group-by', 'colour');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown dimension "colour"/);
  });

  test('chargeback and the FOCUS export', async () => {
    const chargeback = await cli('usage', 'chargeback', '--month', '2025-02', '--format', 'json');
    assert.equal(chargeback.code, 0, chargeback.stderr);
    const february = RECORDS.filter((r) => r.started_at >= Date.UTC(2025, 1, 1));
    assert.equal(
      (JSON.parse(chargeback.stdout) as { totals: { requests: number } }).totals.requests,
      february.length,
    );

    const out = join(dir, 'focus.csv');
    const focus = await cli('usage', 'focus', '--from', '2025-01-30', '--to', '2025-02-03', '--out', out);
    assert.equal(focus.code, 0, focus.stderr);
    const [header, ...lines] = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    const columns = header!.split(',');
    const billed = columns.indexOf('BilledCost');
    const total = lines.reduce((sum, line) => sum + Math.round(Number(line.split(',')[billed]) * 1e6), 0);
    assert.equal(total, totalSums(RECORDS).cost_micros);
  });

  test('reprice: a dry run first, then the change, recorded as done from the command line', async () => {
    const args = ['usage', 'reprice', '--from', '2025-02-01', '--to', '2025-03-01', '--model', 'gpt-4o-mini'];
    const dry = await cli(...args, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Would re-price \d+ of \d+ records/);

    const done = await cli(...args, '--json');
    assert.equal(done.code, 0, done.stderr);
    const result = JSON.parse(done.stdout) as { changed: number; actionId: string };
    assert.ok(result.changed > 0);

    const store = await openDatabase(`sqlite:${database}`);
    try {
      const repriced = RECORDS.find(
        (r) => r.model === 'gpt-4o-mini' && r.started_at >= Date.UTC(2025, 1, 1),
      )!;
      const record = await new UsageRepository(store.db).get(repriced.request_id);
      // Priced by the shipped catalog now, not by the fixture's made-up version.
      assert.match(record?.price_version ?? '', /^openai\/gpt-4o-mini@[0-9a-f]+$/);
      const [action] = await new AdminActionLog(store.db).list();
      assert.equal(action?.id, result.actionId);
      assert.match(action?.actorKeyId ?? '', /^cli/);
      // Which prices were applied is on record: the catalog's version, date and source.
      const prices = action?.parameters.prices as {
        catalogVersion: string;
        effectiveDate: string;
        source: string;
      };
      assert.match(prices.catalogVersion, /^[0-9a-f]+$/);
      assert.ok(prices.effectiveDate && prices.source);
    } finally {
      await store.close();
    }
  });
});
