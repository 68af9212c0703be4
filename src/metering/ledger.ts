import { messageOf } from '../core/errors.ts';
import { Journal, type JournalRange, readJournalRange, readSegment, segmentFile } from './journal.ts';
import { type PendingBatch, PendingRecords } from './pending.ts';
import { recordFromJournal, type UsageRecord } from './record.ts';
import type { UsageSink } from './repository.ts';

/**
 * A sink that takes records as the journal's JSON lines, so the ledger never serializes a record twice
 * and the parsing happens where the sink writes (the usage writer thread).
 */
export interface UsageLineSink {
  /** Same contract as `UsageSink.insert`, for records given as journal lines. */
  insertLines(lines: readonly string[]): Promise<number>;
  /** The same, for the lines of a journal range, which the sink reads itself. */
  insertJournalRange(range: JournalRange): Promise<number>;
}

/** Where the ledger reports trouble; pino's logger fits. */
export interface LedgerLogger {
  warn(details: Record<string, unknown>): void;
  error(details: Record<string, unknown>): void;
}

export interface LedgerOptions {
  dir: string;
  sink: UsageSink | UsageLineSink;
  /** Time between flushes (default 200 ms). */
  flushIntervalMs?: number;
  /** Records per database transaction; this many waiting also starts a flush at once (default 500). */
  batchSize?: number;
  /** A segment this big is closed after the next flush and a new one started (default 8 MB). */
  segmentBytes?: number;
  /**
   * Records waiting while the database is unreachable (default 50,000). Beyond that the ledger lets go
   * of the journaled ones: their segments are read back once the database returns.
   */
  maxQueued?: number;
  /** Longest wait between attempts while the database fails (default 30 s). */
  maxBackoffMs?: number;
  logger?: LedgerLogger;
}

export interface LedgerStats {
  /** Records appended to the journal by this process. */
  recorded: number;
  /** Records newly stored in the database by this process (replays included; duplicates not). */
  stored: number;
  /** Records this process wrote that are not in the database yet (held in memory). */
  queued: number;
  /** Journal segments waiting to be read back into the database. */
  backlogSegments: number;
  /** Flush attempts that failed (the records stay journaled and are retried). */
  flushFailures: number;
  /** Journal appends that failed (disk full, permissions): the record was kept in memory only. */
  journalErrors: number;
  /** Journal lines that were not a record and were skipped on replay. */
  corruptLines: number;
  /** Requests that reported tokens but were priced at zero. */
  zeroCostAnomalies: number;
  /** Requests whose model has no price. */
  unknownCost: number;
}

const DEFAULTS = {
  flushIntervalMs: 200,
  batchSize: 500,
  segmentBytes: 8 * 1024 * 1024,
  maxQueued: 50_000,
  maxBackoffMs: 30_000,
};

/**
 * The usage ledger: every record is appended to a local journal synchronously, then written to the
 * database in batches off the request path. The journal is the source of truth until the database
 * has a record: segments left by an earlier run (a crash, a failed shutdown flush) are replayed at
 * start, and a segment is deleted only once every record in it is stored. Inserts are idempotent by
 * request id, so a replay of records already stored changes nothing.
 */
export class UsageLedger {
  private readonly journal: Journal;
  private readonly sink: UsageSink | UsageLineSink;
  private readonly options: typeof DEFAULTS;
  private readonly logger: LedgerLogger | undefined;
  private readonly pending: PendingRecords;
  /** Segments this process appended to and has not deleted; `pending` says which still hold records. */
  private readonly writtenSegments = new Set<number>();
  private lastWrittenSegment: number | undefined;
  /** Segments to read back from disk, oldest first. */
  private readonly backlog: number[];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private started = false;
  private readonly counters = {
    recorded: 0,
    stored: 0,
    flushFailures: 0,
    journalErrors: 0,
    corruptLines: 0,
    zeroCostAnomalies: 0,
    unknownCost: 0,
  };

  constructor(options: LedgerOptions) {
    this.journal = new Journal(options.dir);
    this.backlog = [...this.journal.existing];
    this.sink = options.sink;
    this.logger = options.logger;
    this.options = {
      flushIntervalMs: options.flushIntervalMs ?? DEFAULTS.flushIntervalMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      segmentBytes: options.segmentBytes ?? DEFAULTS.segmentBytes,
      maxQueued: options.maxQueued ?? DEFAULTS.maxQueued,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
    };
    this.pending = new PendingRecords(this.options.batchSize);
  }

  get dir(): string {
    return this.journal.dir;
  }

  /**
   * Replays what earlier runs left in the journal, then starts the periodic flush. Call before serving.
   * A database failure here is not fatal: the segments stay and the flusher keeps retrying them.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.flush();
    } catch (error) {
      this.logger?.error({ msg: 'usage journal replay failed; will retry', error: messageOf(error) });
    }
    this.schedule();
  }

  /** Journals a record (one synchronous write) and queues it for the database. Never throws. */
  record(record: UsageRecord): void {
    this.count(record);
    const line = JSON.stringify(record);
    try {
      const from = this.journal.currentBytes;
      const segment = this.journal.append(line);
      this.pending.addJournaled(segment, from, this.journal.currentBytes);
      if (segment !== this.lastWrittenSegment) {
        this.writtenSegments.add(segment);
        this.lastWrittenSegment = segment;
      }
    } catch (error) {
      // Keep the record in memory: it still reaches the database unless the process dies first.
      this.pending.addInMemory(line);
      this.counters.journalErrors += 1;
      this.logger?.error({
        msg: 'usage journal write failed',
        dir: this.journal.dir,
        error: messageOf(error),
      });
    }
    if (this.pending.size > this.options.maxQueued && !this.flushing) this.spill();
    if (
      this.pending.size >= this.options.batchSize &&
      !this.flushing &&
      this.failures === 0 &&
      this.started
    ) {
      this.schedule(0);
    }
  }

  /** Writes everything journaled so far to the database. Rejects if the database fails. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    const run = this.flushAll();
    this.flushing = run;
    try {
      await run;
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.counters.flushFailures += 1;
      if (this.pending.size > this.options.maxQueued) this.spill();
      throw error;
    } finally {
      this.flushing = undefined;
      this.maybeRotate();
    }
  }

  stats(): LedgerStats {
    return { ...this.counters, queued: this.pending.size, backlogSegments: this.backlog.length };
  }

  /**
   * Stops the timer and flushes everything. If the database fails, the records stay in the journal for
   * the next start; close still resolves.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.flush();
    } catch (error) {
      this.logger?.error({
        msg: 'usage records not flushed at shutdown; they stay journaled and are replayed at next start',
        dir: this.journal.dir,
        error: messageOf(error),
      });
    }
    this.journal.close();
    this.removeFinishedSegments(true);
  }

  private count(record: UsageRecord): void {
    this.counters.recorded += 1;
    if (record.zero_cost_anomaly) this.counters.zeroCostAnomalies += 1;
    if (!record.cost_known) this.counters.unknownCost += 1;
  }

  private schedule(delay?: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay ?? this.nextDelay());
    this.timer.unref();
  }

  private nextDelay(): number {
    if (this.failures === 0) return this.options.flushIntervalMs;
    const backoff = this.options.flushIntervalMs * 2 ** Math.min(this.failures, 20);
    return Math.min(backoff, this.options.maxBackoffMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    try {
      if (!this.flushing) await this.flush();
    } catch (error) {
      this.logger?.warn({
        msg: 'usage flush failed; records stay journaled and are retried',
        failures: this.failures,
        queued: this.pending.size,
        error: messageOf(error),
      });
    }
    const behind = this.failures === 0 && this.pending.size >= this.options.batchSize;
    this.schedule(behind ? 0 : undefined);
  }

  private async flushAll(): Promise<void> {
    await this.drainBacklog();
    // Only what is queued now: under sustained load a flush still ends, so segments rotate.
    for (let runs = this.pending.runCount; runs > 0; runs--) {
      const batch = this.pending.oldest();
      if (!batch) break;
      this.counters.stored += await this.insertBatch(batch);
      // Only the flusher removes from the front, and a spill waits for it, so this is the same run.
      this.pending.removeOldest(batch);
      this.removeFinishedSegments(false);
    }
  }

  /** Reads backlog segments back into the database, oldest first, deleting each once stored. */
  private async drainBacklog(): Promise<void> {
    while (this.backlog.length > 0) {
      const segment = this.backlog[0]!;
      const { entries, corrupt } = readSegment<unknown>(this.journal.dir, segment);
      const records: UsageRecord[] = [];
      let skipped = corrupt;
      for (const entry of entries) {
        const record = recordFromJournal(entry);
        if (record) records.push(record);
        else skipped += 1;
      }
      for (let start = 0; start < records.length; start += this.options.batchSize) {
        this.counters.stored += await this.insertRecords(
          records.slice(start, start + this.options.batchSize),
        );
      }
      if (skipped > 0) {
        this.counters.corruptLines += skipped;
        this.logger?.warn({ msg: 'skipped unreadable usage journal lines', segment, lines: skipped });
      }
      this.backlog.shift();
      if (!this.pending.holds(segment) && segment !== this.journal.current) {
        this.journal.remove(segment);
      }
    }
  }

  private insertBatch(batch: PendingBatch): Promise<number> {
    if (batch.segment === undefined) return this.insertLines(batch.lines);
    const range = { file: segmentFile(this.journal.dir, batch.segment), from: batch.from, to: batch.to };
    if ('insertJournalRange' in this.sink) return this.sink.insertJournalRange(range);
    return this.insertLines(readJournalRange(range));
  }

  private insertLines(lines: string[]): Promise<number> {
    if ('insertLines' in this.sink) return this.sink.insertLines(lines);
    // Lines this process wrote itself always parse back into a record.
    return this.sink.insert(lines.map((line) => recordFromJournal(JSON.parse(line)) as UsageRecord));
  }

  private insertRecords(records: UsageRecord[]): Promise<number> {
    if ('insertLines' in this.sink)
      return this.sink.insertLines(records.map((record) => JSON.stringify(record)));
    return this.sink.insert(records);
  }

  /**
   * Lets go of queued records while the database is down: their segments become backlog, read back
   * from disk later, so what is waiting stays bounded however long the outage lasts.
   */
  private spill(): void {
    this.journal.rotate();
    // Records whose journal write failed exist only in memory: those are kept.
    for (const segment of this.pending.releaseJournaled()) {
      this.writtenSegments.delete(segment);
      if (!this.backlog.includes(segment)) this.backlog.push(segment);
    }
    this.backlog.sort((a, b) => a - b);
    this.logger?.warn({
      msg: 'usage records spilled to the journal while the database is unavailable',
      segments: this.backlog.length,
      kept_in_memory: this.pending.inMemory,
    });
  }

  private maybeRotate(): void {
    if (this.journal.currentBytes < this.options.segmentBytes) return;
    this.journal.rotate();
    this.removeFinishedSegments(false);
  }

  /** Deletes closed segments (and at shutdown the current one) that hold nothing unstored. */
  private removeFinishedSegments(includeCurrent: boolean): void {
    for (const segment of this.writtenSegments) {
      if (this.pending.holds(segment) || this.backlog.includes(segment)) continue;
      if (segment === this.journal.current && !includeCurrent) continue;
      this.journal.remove(segment);
      this.writtenSegments.delete(segment);
    }
  }
}
