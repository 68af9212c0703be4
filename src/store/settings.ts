import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/** Small named values the gateway keeps between starts, e.g. whether the first-start banner was shown. */
export async function getSetting(db: Kysely<DatabaseSchema>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function setSetting(
  db: Kysely<DatabaseSchema>,
  key: string,
  value: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

/**
 * Sets the value only when the key has none, atomically: when several processes race, exactly one gets
 * true. That is how only one replica prints the first-start banner.
 */
export async function setSettingIfAbsent(
  db: Kysely<DatabaseSchema>,
  key: string,
  value: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .insertInto('settings')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Adds one to a counter kept as a setting, atomically (several processes may bump it at once). Used as
 * a generation number that other processes poll to learn that something changed.
 */
export async function bumpCounter(db: Kysely<DatabaseSchema>, key: string, now: number): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value: '1', updated_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        value: sql<string>`cast(cast(settings.value as bigint) + 1 as text)`,
        updated_at: now,
      }),
    )
    .execute();
}
