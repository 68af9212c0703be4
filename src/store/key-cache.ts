import { type Clock, systemClock } from '../core/clock.ts';
import { type ApiKeyRecord, hashKey, isKeyActive, type KeyRepository, verifyKeyHash } from './keys.ts';

interface CachedKey {
  hash: string;
  record: ApiKeyRecord;
}

/**
 * Every active key in memory, by hash, so authenticating a request never waits on the database. Call
 * refresh() at start and after any key is created or revoked (in a cluster: when another replica
 * announces a change).
 */
export class KeyCache {
  #byHash = new Map<string, CachedKey>();

  constructor(
    private readonly keys: Pick<KeyRepository, 'loadActive'>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Reloads from the database; requests keep seeing the previous set until the new one is complete. */
  async refresh(): Promise<number> {
    const active = await this.keys.loadActive(this.clock.now());
    const next = new Map<string, CachedKey>();
    for (const entry of active) next.set(entry.hash, entry);
    this.#byHash = next;
    return next.size;
  }

  /** The key's record when `key` is a known key, not revoked and not expired at `now`. */
  verify(key: string, now: number): ApiKeyRecord | undefined {
    if (typeof key !== 'string' || key === '') return undefined;
    const presentedHash = hashKey(key);
    const cached = this.#byHash.get(presentedHash);
    // The map lookup already matched, but it compares strings with an early exit; the constant-time
    // comparison is the one the decision rests on.
    if (cached === undefined || !verifyKeyHash(presentedHash, cached.hash)) return undefined;
    return isKeyActive(cached.record, now) ? cached.record : undefined;
  }

  get size(): number {
    return this.#byHash.size;
  }
}
