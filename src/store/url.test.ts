import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import { parseStorageUrl, redactStorageUrl } from './url.ts';

describe('parseStorageUrl', () => {
  const cwd = '/srv/gateway';

  it('resolves sqlite: paths against the given working directory', () => {
    assert.deepEqual(parseStorageUrl('sqlite:.switchyard/switchyard.db', cwd), {
      kind: 'sqlite',
      path: join(cwd, '.switchyard/switchyard.db'),
    });
    assert.deepEqual(parseStorageUrl('sqlite:/var/lib/sy.db', cwd), {
      kind: 'sqlite',
      path: '/var/lib/sy.db',
    });
    assert.deepEqual(parseStorageUrl('sqlite:///var/lib/sy.db', cwd), {
      kind: 'sqlite',
      path: '/var/lib/sy.db',
    });
  });

  it('accepts in-memory SQLite and bare .db paths', () => {
    assert.deepEqual(parseStorageUrl('sqlite::memory:', cwd), { kind: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStorageUrl('data/gateway.db', cwd), {
      kind: 'sqlite',
      path: join(cwd, 'data/gateway.db'),
    });
  });

  it('accepts postgres:// and postgresql:// URLs unchanged', () => {
    for (const url of ['postgres://u:p@db:5432/sy', 'postgresql://u@db/sy?sslmode=require']) {
      assert.deepEqual(parseStorageUrl(url, cwd), { kind: 'postgres', connectionString: url });
    }
  });

  it('rejects other schemes, naming the accepted forms but never echoing the URL', () => {
    for (const url of ['mysql://root:hunter2@db/sy', 'hunter2-not-a-url', 'sqlite:']) {
      assert.throws(
        () => parseStorageUrl(url, cwd),
        (error: unknown) => {
          assert.ok(error instanceof GatewayError);
          assert.equal(error.kind, 'invalid_request');
          assert.equal(error.param, 'storage.url');
          assert.match(error.message, /sqlite:<path>/);
          assert.match(error.message, /postgres:\/\//);
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
      );
    }
  });
});

describe('redactStorageUrl', () => {
  it('hides the password in the user part and in query parameters', () => {
    const redacted = redactStorageUrl('postgres://app:s3cr%40t@db:5432/sy?password=other&sslmode=require');
    assert.doesNotMatch(redacted, /s3cr|other/);
    assert.match(redacted, /app:/);
    assert.match(redacted, /db:5432\/sy/);
    assert.match(redacted, /sslmode=require/);
  });

  it('leaves URLs without a password, and SQLite paths, as they are', () => {
    assert.equal(redactStorageUrl('postgres://app@db/sy'), 'postgres://app@db/sy');
    assert.equal(redactStorageUrl('sqlite:data/sy.db'), 'sqlite:data/sy.db');
  });

  it('hides everything after the scheme when the URL cannot be parsed', () => {
    const redacted = redactStorageUrl('postgres://app:pa ss word@[bad/sy');
    assert.doesNotMatch(redacted, /pa ss|word/);
    assert.match(redacted, /^postgres:/);
  });
});
