import type { IncomingHttpHeaders } from 'node:http';

/** What the emulator has seen, for tests to assert on (GET /_emulator/stats). */
export interface EmulatorStats {
  /** API requests received (control endpoints not included). */
  requests: number;
  /** Successful responses written to the end (a stream up to its last event). */
  completed: number;
  /** Requests answered with an error status, or cut short on purpose by a fault rule. */
  failed: number;
  /** Requests whose client went away before the response was complete. */
  aborted: number;
  /** Requests a fault rule applied to (pacing-only rules included). */
  faulted: number;
  byPath: Record<string, number>;
  /** Requests by the model named in the body (requests without one are not counted). */
  requestsByModel: Record<string, number>;
  lastRequest: { method: string; path: string; headers: IncomingHttpHeaders; body: unknown } | null;
}

export function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    completed: 0,
    failed: 0,
    aborted: 0,
    faulted: 0,
    // No prototype: keys come from request paths and bodies.
    byPath: Object.create(null) as Record<string, number>,
    requestsByModel: Object.create(null) as Record<string, number>,
    lastRequest: null,
  };
}

/** A deep copy, so a caller holding a snapshot does not see later requests change it. */
export function snapshotStats(stats: EmulatorStats): EmulatorStats {
  return {
    ...stats,
    byPath: { ...stats.byPath },
    requestsByModel: { ...stats.requestsByModel },
    lastRequest: stats.lastRequest
      ? { ...stats.lastRequest, headers: { ...stats.lastRequest.headers } }
      : null,
  };
}

export function countInto(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}
