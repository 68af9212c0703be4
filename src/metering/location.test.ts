import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../config/load.ts';
import { journalLocation } from './location.ts';

describe('journal location', () => {
  it('sits beside the SQLite file by default', () => {
    assert.deepEqual(journalLocation(undefined, 'sqlite:.switchyard/switchyard.db', '/srv/gw'), {
      dir: '/srv/gw/.switchyard/journal',
      temporary: false,
    });
    assert.equal(
      journalLocation(undefined, 'sqlite:/var/lib/sy/data.db', '/srv/gw').dir,
      '/var/lib/sy/journal',
    );
  });

  it('is under the working directory with PostgreSQL, and wherever the configuration says', () => {
    assert.equal(
      journalLocation(undefined, 'postgres://u:p@db:5432/sy', '/srv/gw').dir,
      '/srv/gw/.switchyard/journal',
    );
    assert.equal(journalLocation('spool/usage', 'postgres://db/sy', '/srv/gw').dir, '/srv/gw/spool/usage');
    assert.equal(journalLocation('/mnt/journal', 'sqlite:x.db', '/srv/gw').dir, '/mnt/journal');
  });

  it('is a throwaway directory for an in-memory database, never the working directory', () => {
    const location = journalLocation(undefined, 'sqlite::memory:', '/srv/gw');
    try {
      assert.equal(location.temporary, true);
      assert.ok(!location.dir.startsWith('/srv/gw'));
      assert.ok(existsSync(location.dir));
    } finally {
      rmSync(location.dir, { recursive: true, force: true });
    }
  });
});

describe('metering configuration', () => {
  it('has defaults, and accepts a journal directory, an interval and a provider discount', () => {
    const defaults = parseConfig({}, {});
    assert.deepEqual(defaults.metering, { enabled: true, flush_interval_ms: 200 });
    const config = parseConfig(
      {
        metering: { journal_dir: '/data/journal', flush_interval_ms: 500, enabled: false },
        providers: [{ name: 'azure', type: 'azure-openai', discount_percent: 12.5 }],
      },
      {},
    );
    assert.deepEqual(config.metering, {
      enabled: false,
      journal_dir: '/data/journal',
      flush_interval_ms: 500,
    });
    assert.equal(config.providers[0]?.discount_percent, 12.5);
  });

  it('refuses a discount outside 0-100, naming the field', () => {
    assert.throws(
      () => parseConfig({ providers: [{ name: 'openai', type: 'openai', discount_percent: 120 }] }, {}),
      (error: unknown) =>
        error instanceof ConfigError && error.message.includes('providers[0].discount_percent'),
    );
  });
});
