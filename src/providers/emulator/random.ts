import { createHash, type Hash } from 'node:crypto';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A small, fast, seedable generator (sfc32). The emulator needs repeatable sequences, not
 * cryptographic ones: the same seed must give the same words, vectors and fault decisions.
 */
export function sfc32(a: number, b: number, c: number, d: number): Random {
  let s0 = a | 0;
  let s1 = b | 0;
  let s2 = c | 0;
  let s3 = d | 0;
  return () => {
    const t = (((s0 + s1) | 0) + s3) | 0;
    s3 = (s3 + 1) | 0;
    s0 = s1 ^ (s1 >>> 9);
    s1 = (s2 + (s2 << 3)) | 0;
    s2 = (s2 << 21) | (s2 >>> 11);
    s2 = (s2 + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A generator seeded from a SHA-256 digest (its first 16 bytes), warmed up so close seeds diverge. */
export function randomFromDigest(digest: Buffer): Random {
  const random = sfc32(
    digest.readUInt32LE(0),
    digest.readUInt32LE(4),
    digest.readUInt32LE(8),
    digest.readUInt32LE(12),
  );
  for (let i = 0; i < 12; i++) random();
  return random;
}

/** A generator seeded from any list of strings (joined unambiguously). */
export function randomFrom(...parts: string[]): Random {
  return randomFromDigest(digestOf(parts));
}

export function digestOf(parts: string[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) updateField(hash, part);
  return hash.digest();
}

/** Feeds one length-prefixed field, so ("ab","c") and ("a","bc") hash differently. */
export function updateField(hash: Hash, value: string): void {
  hash.update(`${value.length}:`);
  hash.update(value);
}

/** An integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
