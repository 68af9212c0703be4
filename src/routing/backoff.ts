export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1 = the first retry): exponential with full jitter, so many
 * clients retrying at once spread out. An upstream's retry-after wins when it asks for longer,
 * but never beyond `maxMs` (longer waits are better spent on another target).
 */
export function backoffDelay(
  retry: number,
  settings: BackoffSettings,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(ceiling * (0.5 + random() / 2));
  if (retryAfterSeconds === undefined) return jittered;
  return Math.min(settings.maxMs, Math.max(jittered, Math.ceil(retryAfterSeconds * 1000)));
}
