import type { Clock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';
import { hashKey, verifyKeyHash } from './key-hash.ts';

export interface Principal {
  keyId: string;
  keyName: string;
  role: 'admin' | 'client';
  metadata: Record<string, unknown>;
}

/**
 * What the authenticator needs of the key store: an in-memory lookup by key hash (`hashKey`) and a
 * note of each use (kept in memory, written later), so no database is on the hot path.
 */
export interface KeyVerifier {
  verifyHash(
    presentedHash: string,
    now: number,
  ): { id: string; name: string; role: string; metadata: Record<string, unknown> } | undefined;
  noteUse(id: string, when: number): void;
}

/**
 * Turns a presented credential into a principal. The credential is hashed once: the hash is compared
 * with the master key's in constant time, then looked up in the key cache.
 */
export class Authenticator {
  private readonly masterHash: string | undefined;

  constructor(
    private readonly keys: KeyVerifier,
    private readonly clock: Clock,
    masterKey: string | undefined,
  ) {
    this.masterHash = masterKey ? hashKey(masterKey) : undefined;
  }

  authenticate(credential: string | undefined): Principal {
    if (!credential) {
      throw new GatewayError(
        'authentication',
        'Missing API key. Send your Switchyard key as "Authorization: Bearer <key>" (or "x-api-key: <key>").',
        { code: 'missing_api_key', retryable: false },
      );
    }
    const presentedHash = hashKey(credential);
    if (this.masterHash && verifyKeyHash(presentedHash, this.masterHash)) {
      return { keyId: 'master', keyName: 'master', role: 'admin', metadata: {} };
    }
    const now = this.clock.now();
    const record = this.keys.verifyHash(presentedHash, now);
    if (!record) {
      throw new GatewayError('authentication', 'Invalid API key: it is unknown, revoked or expired.', {
        code: 'invalid_api_key',
        retryable: false,
      });
    }
    this.keys.noteUse(record.id, now);
    return {
      keyId: record.id,
      keyName: record.name,
      role: record.role === 'admin' ? 'admin' : 'client',
      metadata: record.metadata,
    };
  }

  /** Admin routes: the principal must hold the admin role. */
  requireAdmin(credential: string | undefined): Principal {
    const principal = this.authenticate(credential);
    if (principal.role !== 'admin') {
      throw new GatewayError('permission', 'This key may not use the admin API.', {
        code: 'forbidden',
        retryable: false,
      });
    }
    return principal;
  }
}
