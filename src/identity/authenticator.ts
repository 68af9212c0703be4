import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { GatewayError } from '../core/errors.ts';

export interface Principal {
  keyId: string;
  keyName: string;
  role: 'admin' | 'client';
  metadata: Record<string, unknown>;
}

/** What the authenticator needs of the key store: an in-memory lookup (no database on the hot path). */
export interface KeyVerifier {
  verify(
    key: string,
    now: number,
  ): { id: string; name: string; role: string; metadata: Record<string, unknown> } | undefined;
}

/**
 * Turns a presented credential into a principal. The master key from configuration is compared by
 * SHA-256 digest in constant time; every other key is looked up in the key cache by its hash.
 */
export class Authenticator {
  private readonly masterDigest: Buffer | undefined;

  constructor(
    private readonly keys: KeyVerifier,
    private readonly clock: Clock,
    masterKey: string | undefined,
  ) {
    this.masterDigest = masterKey ? digest(masterKey) : undefined;
  }

  authenticate(credential: string | undefined): Principal {
    if (!credential) {
      throw new GatewayError(
        'authentication',
        'Missing API key. Send your Switchyard key as "Authorization: Bearer <key>" (or "x-api-key: <key>").',
        { code: 'missing_api_key', retryable: false },
      );
    }
    if (this.masterDigest && timingSafeEqual(digest(credential), this.masterDigest)) {
      return { keyId: 'master', keyName: 'master', role: 'admin', metadata: {} };
    }
    const record = this.keys.verify(credential, this.clock.now());
    if (!record) {
      throw new GatewayError('authentication', 'Invalid API key: it is unknown, revoked or expired.', {
        code: 'invalid_api_key',
        retryable: false,
      });
    }
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

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
