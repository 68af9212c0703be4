import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteConnection } from './sqlite.ts';

describe('openSqliteConnection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-sqlite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the library page cache unless asked for a smaller one', () => {
    const standard = openSqliteConnection(join(dir, 'a.db'));
    const small = openSqliteConnection(join(dir, 'a.db'), { cacheSizeKiB: 2048 });
    try {
      assert.equal(standard.pragma('cache_size', { simple: true }), -16000);
      assert.equal(small.pragma('cache_size', { simple: true }), -2048);
      // The rest of the tuning applies either way.
      assert.equal(small.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(small.pragma('busy_timeout', { simple: true }), 5000);
    } finally {
      standard.close();
      small.close();
    }
  });
});
