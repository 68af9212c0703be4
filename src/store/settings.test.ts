import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from './db.ts';
import { getSetting, setSetting, setSettingIfAbsent } from './settings.ts';
import { withTestStores } from './testing.ts';

describe('settings', () => {
  it('stores, overwrites and reads values', async () => {
    await withTestStores(async ({ db }) => {
      assert.equal(await getSetting(db, 'banner.printed'), undefined);
      await setSetting(db, 'banner.printed', 'no', 1);
      await setSetting(db, 'banner.printed', 'yes', 2);
      assert.equal(await getSetting(db, 'banner.printed'), 'yes');
      const row = await db.selectFrom('settings').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual(row, { key: 'banner.printed', value: 'yes', updated_at: 2 });
    });
  });

  it('sets a value only when there is none', async () => {
    await withTestStores(async ({ db }) => {
      assert.equal(await setSettingIfAbsent(db, 'owner', 'first', 1), true);
      assert.equal(await setSettingIfAbsent(db, 'owner', 'second', 2), false);
      assert.equal(await getSetting(db, 'owner'), 'first');
    });
  });

  it('lets exactly one of two racing processes win', async () => {
    await withTestStores(async (store) => {
      // A second connection stands in for a second process or replica; :memory: has only one.
      const other = store.url === undefined ? store : await openDatabase(store.url);
      try {
        for (let round = 0; round < 5; round++) {
          const key = `first-start-${round}`;
          const outcomes = await Promise.all([
            setSettingIfAbsent(store.db, key, 'a', round),
            setSettingIfAbsent(other.db, key, 'b', round),
          ]);
          assert.equal(outcomes.filter(Boolean).length, 1, `round ${round}: ${outcomes}`);
          const winner = outcomes[0] ? 'a' : 'b';
          assert.equal(await getSetting(store.db, key), winner);
        }
      } finally {
        if (other !== store) await other.close();
      }
    });
  });
});
