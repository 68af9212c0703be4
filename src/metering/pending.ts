/**
 * Records waiting for the database, as the ledger hands them to its sink: a run of consecutive lines of
 * a journal segment, known only by its byte range, or lines held in memory because their journal write
 * failed.
 */
export type PendingBatch =
  | { segment: number; from: number; to: number; count: number }
  | { segment: undefined; lines: string[]; count: number };

/**
 * The records journaled but not yet stored, oldest first. A journaled record is not kept in memory: it
 * only extends the byte range of the run it belongs to, so waiting for a flush costs no objects per
 * request. (Holding each record's line until the flush kept it alive across young-generation
 * collections, so every line was promoted to the old generation and paid for in full collections.)
 */
export class PendingRecords {
  private runs: PendingBatch[] = [];
  private total = 0;

  /** @param maxRunRecords records per run, and so per database transaction */
  constructor(private readonly maxRunRecords: number) {}

  /** Records waiting. */
  get size(): number {
    return this.total;
  }

  /** Runs waiting; a flush takes this many, so appends during it do not keep it going. */
  get runCount(): number {
    return this.runs.length;
  }

  /** A line appended to `segment` from byte `from` to byte `to`. */
  addJournaled(segment: number, from: number, to: number): void {
    const last = this.runs.at(-1);
    if (last && last.segment === segment && last.to === from && last.count < this.maxRunRecords) {
      last.to = to;
      last.count += 1;
    } else {
      this.runs.push({ segment, from, to, count: 1 });
    }
    this.total += 1;
  }

  /** A line that is in no journal segment. */
  addInMemory(line: string): void {
    const last = this.runs.at(-1);
    if (last && last.segment === undefined && last.count < this.maxRunRecords) {
      last.lines.push(line);
      last.count += 1;
    } else {
      this.runs.push({ segment: undefined, lines: [line], count: 1 });
    }
    this.total += 1;
  }

  /** The oldest run as it is now; appends to it after this call are not part of what is returned. */
  oldest(): PendingBatch | undefined {
    const run = this.runs[0];
    if (!run) return undefined;
    return run.segment === undefined
      ? { segment: undefined, lines: run.lines.slice(0, run.count), count: run.count }
      : { segment: run.segment, from: run.from, to: run.to, count: run.count };
  }

  /** Removes what `oldest()` returned, once stored: the oldest run, less what was appended since. */
  removeOldest(batch: PendingBatch): void {
    const run = this.runs[0];
    if (!run) return;
    if (run.count === batch.count) {
      this.runs.shift();
    } else if (run.segment === undefined) {
      run.lines.splice(0, batch.count);
      run.count -= batch.count;
    } else if (batch.segment !== undefined) {
      run.from = batch.to;
      run.count -= batch.count;
    }
    this.total -= batch.count;
  }

  /**
   * Lets go of every journaled run (the caller reads their segments back later) and keeps the lines
   * held in memory. Returns the segments let go of.
   */
  releaseJournaled(): number[] {
    const segments = new Set<number>();
    for (const run of this.runs) if (run.segment !== undefined) segments.add(run.segment);
    this.runs = this.runs.filter((run) => run.segment === undefined);
    this.total = this.runs.reduce((sum, run) => sum + run.count, 0);
    return [...segments].sort((a, b) => a - b);
  }

  /** Whether any waiting record is in `segment` (which must not be deleted until none is). */
  holds(segment: number): boolean {
    return this.runs.some((run) => run.segment === segment);
  }

  /** Records held in memory only (their journal write failed). */
  get inMemory(): number {
    return this.runs.reduce((sum, run) => sum + (run.segment === undefined ? run.count : 0), 0);
  }
}
