import type { KeyCache } from '../store/key-cache.ts';
import type { ApiKeyRecord, KeyRepository } from '../store/keys.ts';
import type { KeyAdmin, KeySummary } from './deps.ts';

/** The admin API's view of the key repository; every change refreshes the in-memory key cache. */
export function keyAdmin(repository: KeyRepository, cache: KeyCache): KeyAdmin {
  return {
    async create(input) {
      const created = await repository.create(input);
      await cache.refresh();
      return { key: created.key, record: summary(created.record) };
    },
    async list({ includeRevoked }) {
      // This replica's recent uses first, so the listing's last-used times are current here.
      await cache.flushUses();
      return (await repository.list({ includeRevoked })).map(summary);
    },
    async revoke(id) {
      const revoked = await repository.revoke(id);
      await cache.refresh();
      return revoked;
    },
  };
}

function summary(record: ApiKeyRecord): KeySummary {
  return { ...record };
}
