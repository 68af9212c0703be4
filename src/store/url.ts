import { isAbsolute, resolve } from 'node:path';
import { GatewayError } from '../core/errors.ts';

/** Where `storage.url` points, decoded. */
export type StorageTarget =
  | { kind: 'sqlite' /** absolute path, or ':memory:' */; path: string }
  | { kind: 'postgres'; connectionString: string };

const ACCEPTED_FORMS =
  'sqlite:<path> (relative to the working directory), sqlite::memory:, a file path ending in .db, ' +
  'or postgres://user:password@host:5432/database (postgresql:// also works)';

const SQLITE_FILE_SUFFIX = /\.(db|sqlite|sqlite3)$/i;

/**
 * Decodes a storage URL. The URL itself never appears in an error: a PostgreSQL URL usually carries a
 * password, and a mistyped one is no exception.
 */
export function parseStorageUrl(url: string, cwd: string = process.cwd()): StorageTarget {
  const trimmed = url.trim();
  if (/^sqlite:/i.test(trimmed)) {
    // `sqlite:///abs/file.db` and `sqlite://rel.db` are common spellings of `sqlite:/abs/file.db` and
    // `sqlite:rel.db`; accept them all.
    const rest = trimmed.slice('sqlite:'.length).replace(/^\/\//, '');
    if (rest === ':memory:') return { kind: 'sqlite', path: ':memory:' };
    if (rest === '') {
      throw storageUrlError('The sqlite: storage URL has no file path.');
    }
    return { kind: 'sqlite', path: absolutePath(rest, cwd) };
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    return { kind: 'postgres', connectionString: trimmed };
  }
  if (SQLITE_FILE_SUFFIX.test(trimmed) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    return { kind: 'sqlite', path: absolutePath(trimmed, cwd) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  const what = scheme === undefined ? 'is not one Switchyard can open' : `has scheme "${scheme}:"`;
  throw storageUrlError(`The storage URL ${what}.`);
}

/** The URL with any password replaced by ***, safe for logs and error messages. */
export function redactStorageUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) return url;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    // We cannot tell where the password is in a URL we cannot parse, so show none of it.
    return `${url.trim().split(':', 1)[0]}://(unparseable URL hidden)`;
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const name of ['password', 'sslpassword']) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}

function absolutePath(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

function storageUrlError(problem: string): GatewayError {
  return new GatewayError('invalid_request', `${problem} Accepted forms: ${ACCEPTED_FORMS}.`, {
    param: 'storage.url',
    code: 'invalid_storage_url',
  });
}
