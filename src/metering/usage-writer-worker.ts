// The usage writer thread: turns journal lines into usage rows and rollups in its own database
// connection, so the query building, the SQL and (on SQLite) the synchronous disk writes of a flush
// never block the event loop that serves requests. Started by `WorkerUsageSink`.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../store/sqlite.ts';
import { parseStorageUrl } from '../store/url.ts';
import { readJournalRange } from './journal.ts';
import { recordFromJournal, type UsageRecord } from './record.ts';
import type { UsageSink } from './repository.ts';
import { SqliteUsageWriter } from './sqlite-writer.ts';
import type { WriterReply, WriterRequest, WriterSetup } from './writer-protocol.ts';

const setup = workerData as WriterSetup;

const WRITER_NICE = 10;

/**
 * The writer's SQLite page cache. Request ids are time-ordered, so every insert lands at the right
 * edge of the table and its indexes: the pages it touches are few and recent. With better-sqlite3's
 * 16 MiB default the cache filled to its ceiling under sustained load (about 19 MB of this thread's
 * memory after 50,000 rows); at 2 MiB the gateway's RSS after the same load was 20 MB lower and the
 * thread's CPU for those rows was the same (1.38 s against 1.55 s).
 */
const WRITER_CACHE_KIB = 2048;

/**
 * Lowers this thread's scheduling priority (Linux: a thread has its own nice value, set through its
 * thread id). Writes happen in bursts every flush; at normal priority a burst can hold a core a
 * request's thread was about to be woken on, which showed as millisecond spikes in tail latency. At
 * nice 10 the thread still gets about a tenth of a busy core, several times what the writes need.
 */
function deprioritize(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId)) setPriority(threadId, WRITER_NICE);
  } catch {
    // Not Linux, or not permitted: the thread runs at normal priority.
  }
}
deprioritize();
const port = parentPort;
if (!port) throw new Error('usage-writer-worker runs as a worker thread');

interface Writer {
  sink: UsageSink;
  close(): Promise<void>;
}

let opened: Promise<Writer> | undefined;

async function open(): Promise<Writer> {
  const target = parseStorageUrl(setup.storageUrl, setup.cwd);
  if (target.kind === 'sqlite') {
    const writer = new SqliteUsageWriter(
      openSqliteConnection(target.path, { cacheSizeKiB: WRITER_CACHE_KIB }),
    );
    return { sink: writer, close: async () => writer.close() };
  }
  // Kysely and the PostgreSQL driver load only here: a SQLite writer never needs them.
  const [{ openDatabase }, { UsageRepository }] = await Promise.all([
    import('../store/db.ts'),
    import('./repository.ts'),
  ]);
  // One flush at a time comes from the ledger: two connections are plenty.
  const store = await openDatabase(setup.storageUrl, { cwd: setup.cwd, poolSize: 2, onPoolError: () => {} });
  return { sink: new UsageRepository(store.db), close: () => store.close() };
}

function writer(): Promise<Writer> {
  opened ??= open();
  // A failed open is retried on the next batch (the database may be starting).
  opened.catch(() => {
    opened = undefined;
  });
  return opened;
}

function parse(lines: readonly string[]): UsageRecord[] {
  return lines.map((line) => {
    const record = recordFromJournal(JSON.parse(line));
    if (!record) throw new Error('a usage line sent to the writer is not a usage record');
    return record;
  });
}

port.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    void (opened ?? Promise.resolve(undefined))
      .then((current) => current?.close())
      .catch(() => {})
      .finally(() => port.postMessage({ type: 'closed' } satisfies WriterReply));
    return;
  }
  writer()
    .then((current) =>
      current.sink.insert(parse(message.type === 'insert' ? message.lines : readJournalRange(message.range))),
    )
    .then(
      (inserted) => port.postMessage({ type: 'inserted', id: message.id, inserted } satisfies WriterReply),
      (error: unknown) =>
        port.postMessage({
          type: 'failed',
          id: message.id,
          error: error instanceof Error ? error.message : String(error),
        } satisfies WriterReply),
    );
});
