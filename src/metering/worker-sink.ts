import { Worker } from 'node:worker_threads';
import type { JournalRange } from './journal.ts';
import type { UsageLineSink } from './ledger.ts';
import type { WriterReply, WriterRequest, WriterSetup } from './writer-protocol.ts';

/**
 * The writer thread's entry point. In the bundle (dist/) it is a sibling file; from source (tests, the
 * development CLI) it is the TypeScript module, loaded through tsx like the rest of the sources.
 */
function writerEntry(): { script: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { script: new URL('./usage-writer.mjs', here), eval: false };
  // Node 20 does not apply loader hooks to a worker's entry module: register tsx first, then import it.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./usage-writer-worker.ts', here).href);
  return {
    script: `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`,
    eval: true,
  };
}

/** Enough for batches of a few hundred rows with room to spare; keeps the thread small in memory. */
const WRITER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 };

interface Pending {
  resolve(inserted: number): void;
  reject(error: Error): void;
}

/**
 * Stores usage batches through a worker thread that holds its own database connection. A batch is
 * atomic there exactly as in `UsageRepository.insert`. If the thread dies, pending batches fail (the
 * ledger keeps them journaled and retries) and the next batch starts a new thread.
 */
export class WorkerUsageSink implements UsageLineSink {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly setup: WriterSetup) {}

  insertLines(lines: readonly string[]): Promise<number> {
    if (lines.length === 0) return Promise.resolve(0);
    return this.send((id) => ({ type: 'insert', id, lines: [...lines] }));
  }

  insertJournalRange(range: JournalRange): Promise<number> {
    if (range.to <= range.from) return Promise.resolve(0);
    return this.send((id) => ({ type: 'insert-range', id, range }));
  }

  private send(request: (id: number) => WriterRequest): Promise<number> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while a batch is in flight, not while the thread idles.
      worker.ref();
      worker.postMessage(request(id));
    });
  }

  /** Closes the thread's database connection and ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const closed = new Promise<void>((resolve) => {
      worker.on('message', (reply: WriterReply) => {
        if (reply.type === 'closed') resolve();
      });
      worker.once('exit', () => resolve());
    });
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies WriterRequest);
    await closed;
    await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const entry = writerEntry();
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData: this.setup,
      resourceLimits: WRITER_HEAP_LIMITS,
    });
    worker.on('message', (reply: WriterReply) => {
      if (reply.type === 'closed') return;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.type === 'inserted') waiting.resolve(reply.inserted);
      else waiting.reject(new Error(reply.error));
      if (this.pending.size === 0) worker.unref();
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
      this.pending.clear();
    };
    worker.on('error', (error) => fail(`usage writer thread failed: ${error.message}`));
    worker.on('exit', (code) => fail(`usage writer thread exited (code ${code})`));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
