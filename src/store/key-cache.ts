import { type Clock, systemClock } from '../core/clock.ts';
import { hashKey, verifyKeyHash } from '../identity/key-hash.ts';
import { type ApiKeyRecord, isKeyActive, type KeyRepository } from './keys.ts';

interface CachedKey {
  hash: string;
  record: ApiKeyRecord;
}

/**
 * How often the key uses noted in memory reach the keys' `last_used_at` in the database (also before
 * a key listing and at shutdown). Per request would mean a database write on the hot path; a last-use
 * time is wanted to the day (to find stale keys), not to the second.
 */
export const USE_FLUSH_INTERVAL_MS = 60_000;

/** What the watcher reports when a check fails (the database is down, say); pino's logger fits. */
export interface KeyCacheLogger {
  warn(details: Record<string, unknown>): void;
}

/**
 * Every active key in memory, by hash, so authenticating a request never waits on the database. Call
 * refresh() at start and after any key is created or revoked here; `watch` picks up changes made by
 * other processes (replicas, the CLI) through the keys' generation counter. It also keeps each key's
 * last use, written to the database in the background (`flushUses`).
 */
export class KeyCache {
  #byHash = new Map<string, CachedKey>();
  #generation: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #usedAt = new Map<string, number>();
  #lastUseFlush: number;

  constructor(
    private readonly keys: Pick<KeyRepository, 'loadActive' | 'generation' | 'touch'>,
    private readonly clock: Clock = systemClock,
  ) {
    this.#lastUseFlush = clock.now();
  }

  /** Reloads from the database; requests keep seeing the previous set until the new one is complete. */
  async refresh(): Promise<number> {
    // Read the generation first: a change landing during the load is then seen by the next check.
    const generation = await this.keys.generation();
    const active = await this.keys.loadActive(this.clock.now());
    const next = new Map<string, CachedKey>();
    for (const entry of active) next.set(entry.hash, entry);
    this.#byHash = next;
    this.#generation = generation;
    return next.size;
  }

  /**
   * Checks the generation every `intervalMs` and reloads when another process changed a key, so a key
   * revoked anywhere stops working everywhere within about one interval. One small query per check.
   */
  watch(intervalMs: number, logger?: KeyCacheLogger): void {
    this.stop();
    this.#timer = setInterval(() => void this.check(logger), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  private async check(logger: KeyCacheLogger | undefined): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      await this.reloadIfChanged(logger);
      if (this.clock.now() - this.#lastUseFlush >= USE_FLUSH_INTERVAL_MS) await this.flushUsesOrWarn(logger);
    } finally {
      this.#checking = false;
    }
  }

  private async reloadIfChanged(logger: KeyCacheLogger | undefined): Promise<void> {
    try {
      if ((await this.keys.generation()) !== this.#generation) await this.refresh();
    } catch (error) {
      // Keep serving with the keys already loaded; the next check tries again.
      logger?.warn({ msg: 'could not check for key changes', error: String(error) });
    }
  }

  private async flushUsesOrWarn(logger: KeyCacheLogger | undefined): Promise<void> {
    try {
      await this.flushUses();
    } catch (error) {
      // The uses stay noted for the next flush.
      logger?.warn({ msg: 'could not record the last use of keys', error: String(error) });
    }
  }

  /** The key's record when `key` is a known key, not revoked and not expired at `now`. */
  verify(key: string, now: number): ApiKeyRecord | undefined {
    if (typeof key !== 'string' || key === '') return undefined;
    return this.verifyHash(hashKey(key), now);
  }

  /** As `verify`, for a key already hashed with `hashKey` (the authenticator hashes once per request). */
  verifyHash(presentedHash: string, now: number): ApiKeyRecord | undefined {
    const cached = this.#byHash.get(presentedHash);
    // The map lookup already matched, but it compares strings with an early exit; the constant-time
    // comparison is the one the decision rests on.
    if (cached === undefined || !verifyKeyHash(presentedHash, cached.hash)) return undefined;
    return isKeyActive(cached.record, now) ? cached.record : undefined;
  }

  /** Notes that a key authenticated a request at `when`; one map write, no database. */
  noteUse(id: string, when: number): void {
    if ((this.#usedAt.get(id) ?? Number.NEGATIVE_INFINITY) < when) this.#usedAt.set(id, when);
  }

  /**
   * Writes the uses noted since the last flush, one update per key used. Uses whose write fails are
   * kept for the next flush, and the error is passed on.
   */
  async flushUses(): Promise<void> {
    this.#lastUseFlush = this.clock.now();
    if (this.#usedAt.size === 0) return;
    const pending = [...this.#usedAt];
    this.#usedAt = new Map();
    for (const [index, [id, when]] of pending.entries()) {
      try {
        await this.keys.touch(id, when);
      } catch (error) {
        for (const [unwrittenId, unwrittenWhen] of pending.slice(index))
          this.noteUse(unwrittenId, unwrittenWhen);
        throw error;
      }
    }
  }

  get size(): number {
    return this.#byHash.size;
  }
}
