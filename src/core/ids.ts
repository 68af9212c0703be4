import { randomBytes } from 'node:crypto';

/** A sortable, unique request id: time prefix (ms, base36) + 10 random bytes (base32-ish hex). */
export function newRequestId(now: number = Date.now()): string {
  return `req_${now.toString(36)}${randomBytes(10).toString('hex')}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
