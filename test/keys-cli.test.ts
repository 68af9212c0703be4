import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDatabase } from '../src/store/db.ts';
import { KeyRepository } from '../src/store/keys.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

describe('switchyard keys', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'switchyard-keys-cli-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));
  const cli = async (...args: string[]) =>
    (
      await run(process.execPath, ['--import', TSX, MAIN, ...args], {
        cwd,
        env: { PATH: process.env.PATH ?? '' },
      })
    ).stdout;

  test('create, list with the last use, revoke', async () => {
    const created = JSON.parse(await cli('keys', 'create', '--name', 'billing app', '--json')) as {
      key: string;
      id: string;
    };
    assert.match(created.key, /^sk-sy-/);
    const line = (listing: string) => listing.split('\n').find((row) => row.startsWith(created.id));

    const fresh = line(await cli('keys', 'list'));
    assert.ok(fresh, 'the new key is listed');
    assert.deepEqual(fresh.split('\t').slice(2), ['client', 'active', 'never used', 'billing app']);
    assert.ok(!fresh.includes(created.key), 'never the secret');

    // A gateway records uses through the same repository call.
    const store = await openDatabase('sqlite:.switchyard/switchyard.db', { cwd });
    try {
      await new KeyRepository(store.db).touch(created.id, Date.UTC(2026, 10, 25, 12, 30));
    } finally {
      await store.close();
    }
    const used = line(await cli('keys', 'list'));
    assert.equal(used?.split('\t')[4], 'used 2026-11-25T12:30:00.000Z');

    assert.match(await cli('keys', 'revoke', created.id), /Revoked/);
    assert.equal(line(await cli('keys', 'list')), undefined, 'revoked keys are hidden by default');
    assert.equal(line(await cli('keys', 'list', '--all'))?.split('\t')[3], 'revoked');
  });
});
