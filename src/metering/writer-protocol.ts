import type { JournalRange } from './journal.ts';

/** Messages between the ledger's `WorkerUsageSink` and the usage writer thread. */

export interface WriterSetup {
  /** `storage.url`: the thread opens its own connection to the same database. */
  storageUrl: string;
  /** What relative SQLite paths are resolved against. */
  cwd: string;
}

export type WriterRequest =
  | { type: 'insert'; id: number; lines: string[] }
  /** Lines the thread reads from the journal itself, so the event loop neither holds nor copies them. */
  | { type: 'insert-range'; id: number; range: JournalRange }
  | { type: 'close' };

export type WriterReply =
  | { type: 'inserted'; id: number; inserted: number }
  | { type: 'failed'; id: number; error: string }
  | { type: 'closed' };
