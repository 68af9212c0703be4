import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseStorageUrl } from '../store/url.ts';

export interface JournalLocation {
  dir: string;
  /** A throwaway directory, to delete on close. */
  temporary: boolean;
}

/**
 * Where the usage journal lives: `metering.journal_dir` when set (relative to the working directory);
 * otherwise `journal/` beside the SQLite file (`.switchyard/journal` for the default database), or
 * `.switchyard/journal` under the working directory with PostgreSQL. An in-memory database loses
 * everything at exit anyway, so its journal goes to a temporary directory rather than the working one.
 */
export function journalLocation(
  configured: string | undefined,
  storageUrl: string,
  cwd: string,
): JournalLocation {
  if (configured)
    return { dir: isAbsolute(configured) ? configured : resolve(cwd, configured), temporary: false };
  const storage = parseStorageUrl(storageUrl, cwd);
  if (storage.kind === 'postgres') return { dir: resolve(cwd, '.switchyard', 'journal'), temporary: false };
  if (storage.path === ':memory:') {
    return { dir: mkdtempSync(join(tmpdir(), 'switchyard-journal-')), temporary: true };
  }
  return { dir: join(dirname(storage.path), 'journal'), temporary: false };
}
