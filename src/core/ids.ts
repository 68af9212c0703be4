import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A sortable, unique request id: a millisecond time prefix (base 36) and 80 random bits. randomUUID
 * draws from a pre-filled entropy cache, so it is cheaper per call than randomBytes.
 */
export function newRequestId(now: number = Date.now()): string {
  return `req_${now.toString(36)}${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
