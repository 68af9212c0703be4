import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRequestId } from './ids.ts';

describe('newRequestId', () => {
  it('is a time prefix and 80 random bits, unique across many pool refills', () => {
    const ids = Array.from({ length: 5000 }, () => newRequestId(1_700_000_000_000));
    for (const id of ids) assert.match(id, /^req_[0-9a-z]{8}[0-9a-f]{20}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('sorts by time', () => {
    const earlier = newRequestId(1_700_000_000_000);
    const later = newRequestId(1_700_000_000_001);
    assert.ok(earlier < later);
  });
});
