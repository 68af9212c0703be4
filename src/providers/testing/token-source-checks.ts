/**
 * Test support (not used at run time): the caching every fetched-token source shares, checked
 * through a real source against its local token server.
 */
import assert from 'node:assert/strict';
import type { ManualClock } from '../../core/clock.ts';
import { REFRESH_MARGIN_MS, type TokenSource } from '../oauth-token.ts';
import type { RecordingUpstream, StubReply } from './recording-upstream.ts';

/**
 * Concurrent callers share one token request (the server answers slowly, so they overlap), and a
 * later caller is served from the cache.
 */
export async function assertOneRequestForConcurrentCallers(
  server: RecordingUpstream,
  tokens: TokenSource,
  reply: () => StubReply,
): Promise<void> {
  server.reply(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return reply();
  });
  const count = server.requests.length;
  const values = await Promise.all(Array.from({ length: 8 }, () => tokens.token()));
  assert.equal(new Set(values).size, 1);
  assert.equal(await tokens.token(), values[0]);
  assert.equal(server.requests.length - count, 1);
}

/**
 * A token living `lifetimeSeconds` (longer than twice the margin) is used until five minutes before
 * it expires and replaced then, not earlier. Returns the index of the refreshing request.
 */
export async function assertRefreshBeforeExpiry(
  server: RecordingUpstream,
  tokens: TokenSource,
  clock: ManualClock,
  lifetimeSeconds: number,
): Promise<number> {
  const count = server.requests.length;
  const first = await tokens.token();
  clock.advance(lifetimeSeconds * 1000 - REFRESH_MARGIN_MS - 1);
  assert.equal(await tokens.token(), first);
  assert.equal(server.requests.length - count, 1);
  clock.advance(1);
  assert.notEqual(await tokens.token(), first);
  assert.equal(server.requests.length - count, 2);
  return count + 1;
}
