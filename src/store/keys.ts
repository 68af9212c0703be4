import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { type Clock, systemClock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { hashKey } from '../identity/key-hash.ts';
import type { ApiKeysTable, DatabaseSchema } from './schema.ts';
import { bumpCounter, getSetting } from './settings.ts';

export const KEY_ROLES = ['admin', 'client'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

/** Every key starts with this, so leaked keys are easy to recognise (and to scan for in repositories). */
export const KEY_PREFIX = 'sk-sy-';
/** How much of a key listings show: the fixed prefix plus six random characters. */
export const KEY_DISPLAY_LENGTH = 12;
const KEY_RANDOM_BYTES = 32;
const MAX_NAME_LENGTH = 200;
const MAX_METADATA_BYTES = 16 * 1024;

/** A key as the rest of the gateway sees it. Neither the key nor its hash is in here. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The key's first 12 characters, e.g. `sk-sy-Ab3dE_`. */
  prefix: string;
  role: KeyRole;
  metadata: Record<string, unknown>;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface CreateKeyInput {
  name: string;
  role: KeyRole;
  metadata?: Record<string, unknown>;
  /** Milliseconds since the epoch; the key stops working at this instant. */
  expiresAt?: number | null;
}

/** Whether a key may be used at `now`: not revoked and not past its expiry. */
export function isKeyActive(record: ApiKeyRecord, now: number): boolean {
  return record.revokedAt === null && (record.expiresAt === null || record.expiresAt > now);
}

/** The settings counter bumped on every key change. */
const KEYS_GENERATION = 'keys.generation';

export class KeyRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Creates a key. The plaintext is returned here, once; only its hash is stored. */
  async create(input: CreateKeyInput): Promise<{ key: string; record: ApiKeyRecord }> {
    const now = this.clock.now();
    const name = validName(input.name);
    const role = validRole(input.role);
    const metadata = validMetadata(input.metadata);
    const expiresAt = validExpiry(input.expiresAt, now);

    const key = KEY_PREFIX + randomBytes(KEY_RANDOM_BYTES).toString('base64url');
    const row = {
      id: newId('key'),
      name,
      key_hash: hashKey(key),
      key_prefix: key.slice(0, KEY_DISPLAY_LENGTH),
      role,
      metadata: JSON.stringify(metadata),
      created_at: now,
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
    };
    // The key and the generation bump commit together: no process can see one without the other.
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('api_keys').values(row).execute();
      await bumpCounter(trx, KEYS_GENERATION, now);
    });
    return { key, record: toRecord(row) };
  }

  /** Keys, oldest first. Revoked keys only when asked; expired keys are listed (they still exist). */
  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    let query = this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
    if (options.includeRevoked !== true) query = query.where('revoked_at', 'is', null);
    const rows = await query.execute();
    return rows.map(toRecord);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Revokes a key. Returns false when no key has this id. Revoking again is harmless and keeps the
   * first revocation time.
   */
  async revoke(id: string): Promise<boolean> {
    const now = this.clock.now();
    const revoked = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await bumpCounter(trx, KEYS_GENERATION, now);
      return true;
    });
    if (revoked) return true;
    const existing = await this.db
      .selectFrom('api_keys')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    return existing !== undefined;
  }

  /** The active key with this hash, if any. For callers outside the hot path; requests use KeyCache. */
  async findActiveByHash(hash: string, now: number = this.clock.now()): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * A number that changes whenever a key is created or revoked, by any process using this database:
   * replicas and the CLI. Key caches poll it to pick up changes made elsewhere.
   */
  async generation(): Promise<string> {
    return (await getSetting(this.db, KEYS_GENERATION)) ?? '0';
  }

  /** Every key usable at `now`, with its hash: what KeyCache loads. */
  async loadActive(now: number): Promise<Array<{ hash: string; record: ApiKeyRecord }>> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
    return rows.map((row) => ({ hash: row.key_hash, record: toRecord(row) }));
  }

  /**
   * Records that a key was used. Never moves the time backwards, so replicas flushing out of order
   * cannot undo a later use.
   */
  async touch(id: string, when: number): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: when })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', when)]))
      .execute();
  }
}

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.key_prefix,
    role: storedRole(row),
    metadata: storedMetadata(row.metadata),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

function storedRole(row: Selectable<ApiKeysTable>): KeyRole {
  if (isKeyRole(row.role)) return row.role;
  // Never guess a role: a key whose role we do not know must not authenticate at all.
  throw new GatewayError('internal', `API key ${row.id} has an unknown role in the database`, {
    retryable: false,
  });
}

function storedMetadata(text: string): Record<string, unknown> {
  // Metadata is descriptive only; a hand-edited, unparsable value must not lock the key out.
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : {};
  } catch {
    return {};
  }
}

function validName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid('A key needs a non-empty name.', 'name');
  }
  const trimmed = name.trim();
  if (trimmed.length > MAX_NAME_LENGTH) {
    throw invalid(`A key name is at most ${MAX_NAME_LENGTH} characters.`, 'name');
  }
  return trimmed;
}

function validRole(role: unknown): KeyRole {
  if (!isKeyRole(role)) throw invalid(`A key's role is one of: ${KEY_ROLES.join(', ')}.`, 'role');
  return role;
}

function validMetadata(metadata: unknown): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (!isPlainObject(metadata)) throw invalid('Key metadata must be a JSON object.', 'metadata');
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  } catch {
    throw invalid('Key metadata must be serializable as JSON.', 'metadata');
  }
  if (size > MAX_METADATA_BYTES) {
    throw invalid(`Key metadata is at most ${MAX_METADATA_BYTES} bytes of JSON.`, 'metadata');
  }
  return metadata;
}

function validExpiry(expiresAt: unknown, now: number): number | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt)) {
    throw invalid('expires_at must be a time in whole milliseconds since the epoch.', 'expires_at');
  }
  if (expiresAt <= now) throw invalid('expires_at must be in the future.', 'expires_at');
  return expiresAt;
}

function isKeyRole(value: unknown): value is KeyRole {
  return typeof value === 'string' && (KEY_ROLES as readonly string[]).includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
