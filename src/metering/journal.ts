import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirectory } from '../core/directories.ts';

const SEGMENT_NAME = /^journal-(\d+)\.jsonl$/;

/**
 * Where journal lines are read back from: bytes `from` (inclusive) to `to` (exclusive) of a segment
 * file, both at line boundaries.
 */
export interface JournalRange {
  file: string;
  from: number;
  to: number;
}

export function segmentFile(dir: string, segment: number): string {
  return join(dir, `journal-${segment}.jsonl`);
}

/**
 * An append-only journal of JSON lines, split into numbered segment files. Appends are plain
 * synchronous writes to a file opened for appending: once `append` returns, the line is in the
 * operating system's hands and survives the process being killed (not a power loss: no fsync per line,
 * which would cost milliseconds per request).
 */
export class Journal {
  private fd: number | undefined;
  private segment: number;
  private bytes = 0;

  /** Segments left by earlier runs, oldest first; they are never appended to again. */
  readonly existing: number[];

  constructor(readonly dir: string) {
    ensureDirectory(dir);
    this.existing = listSegments(dir);
    this.segment = (this.existing.at(-1) ?? 0) + 1;
  }

  /** The segment new lines go to. */
  get current(): number {
    return this.segment;
  }

  /** Bytes written to the current segment. */
  get currentBytes(): number {
    return this.bytes;
  }

  /**
   * Appends one line (the caller's text must hold no newline) and returns the segment it went to; the
   * line's bytes end at `currentBytes`. Throws if the line could not be written whole (a full disk).
   */
  append(line: string): number {
    this.fd ??= openSync(segmentFile(this.dir, this.segment), 'a');
    const text = `${line}\n`;
    // A string is encoded straight into the write; the count returned is in bytes.
    const written = writeSync(this.fd, text);
    this.bytes += written;
    if (written !== text.length && written !== Buffer.byteLength(text)) this.endCutLine(written);
    return this.segment;
  }

  /** Ends a line cut short, so the next line starts on its own, and fails the append. */
  private endCutLine(written: number): never {
    try {
      if (this.fd !== undefined) this.bytes += writeSync(this.fd, '\n');
    } catch {
      // Still full: the cut line and the next one read back as one unreadable line, skipped on replay.
    }
    throw new Error(`the usage journal took only ${written} bytes of a line`);
  }

  /** Starts a new segment; the previous one is closed for good. Returns the previous segment's number. */
  rotate(): number {
    const previous = this.segment;
    this.closeFile();
    this.segment += 1;
    this.bytes = 0;
    return previous;
  }

  /** Deletes a segment whose every line is safely elsewhere. */
  remove(segment: number): void {
    if (segment === this.segment) this.closeFile();
    rmSync(segmentFile(this.dir, segment), { force: true });
  }

  close(): void {
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const match = SEGMENT_NAME.exec(name);
      return match?.[1] === undefined ? [] : [Number(match[1])];
    })
    .sort((a, b) => a - b);
}

/**
 * The parsed lines of a segment. A line that does not parse (the tail of a write cut short by a full
 * disk or a crash mid-write) is counted and skipped; everything before and after it is kept.
 */
export function readSegment<T>(dir: string, segment: number): { entries: T[]; corrupt: number } {
  let text: string;
  try {
    text = readFileSync(segmentFile(dir, segment), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], corrupt: 0 };
    throw error;
  }
  const entries: T[] = [];
  let corrupt = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as T);
    } catch {
      corrupt += 1;
    }
  }
  return { entries, corrupt };
}

/** The lines of a journal range. */
export function readJournalRange(range: JournalRange): string[] {
  const buffer = Buffer.allocUnsafe(range.to - range.from);
  const fd = openSync(range.file, 'r');
  try {
    for (let read = 0; read < buffer.length; ) {
      const count = readSync(fd, buffer, read, buffer.length - read, range.from + read);
      if (count === 0) throw new Error(`the usage journal ${range.file} ends before byte ${range.to}`);
      read += count;
    }
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
}
