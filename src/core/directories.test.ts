import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureDirectory, ensureDirectoryAsync } from './directories.ts';
import { GatewayError } from './errors.ts';

const refusesProc = (error: unknown) =>
  error instanceof GatewayError &&
  /Cannot create the directory \/proc\/switchyard-test\/data/.test(error.message);

describe('ensureDirectory', () => {
  it('creates a directory and its missing parents, and accepts one that exists', async () => {
    const root = mkdtempSync(join(tmpdir(), 'switchyard-dirs-'));
    try {
      ensureDirectory(join(root, 'a', 'b'));
      ensureDirectory(join(root, 'a', 'b'));
      await ensureDirectoryAsync(join(root, 'c', 'd'));
      assert.ok(existsSync(join(root, 'a', 'b')));
      assert.ok(existsSync(join(root, 'c', 'd')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // Node 20's recursive mkdir never returns there: without the check these calls would hang.
  it('refuses a path under /proc at once instead of hanging', async () => {
    assert.throws(() => ensureDirectory('/proc/switchyard-test/data'), refusesProc);
    await assert.rejects(ensureDirectoryAsync('/proc/switchyard-test/data'), refusesProc);
  });
});
