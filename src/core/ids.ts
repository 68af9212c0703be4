import { randomBytes, randomFillSync } from 'node:crypto';

const RANDOM_BYTES_PER_ID = 10;
const IDS_PER_REFILL = 256;
const pool = Buffer.allocUnsafe(RANDOM_BYTES_PER_ID * IDS_PER_REFILL);
let poolOffset = pool.length;

/** 80 random bits as hex, from a pool refilled by the CSPRNG once every 256 ids (one call per id was measurable). */
function randomHex80(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + RANDOM_BYTES_PER_ID);
  poolOffset += RANDOM_BYTES_PER_ID;
  return hex;
}

/**
 * A sortable, unique request id: a millisecond time prefix (base 36) and 80 random bits. Time-ordered
 * ids keep the usage table's inserts at the right edge of its indexes.
 */
export function newRequestId(now: number = Date.now()): string {
  return `req_${now.toString(36)}${randomHex80()}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
