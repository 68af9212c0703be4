import { mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GatewayError } from './errors.ts';

/**
 * Node 20's recursive mkdir never returns for a path under /proc, so a data directory configured
 * there would hang start-up forever. Such a path is refused at once, with the setting's value.
 */
function creatable(dir: string): string {
  const path = resolve(dir);
  if (path === '/proc' || path.startsWith('/proc/')) {
    throw new GatewayError(
      'unavailable',
      `Cannot create the directory ${path}: /proc is not a place for data. Point the setting at a directory on disk.`,
      { retryable: false },
    );
  }
  return path;
}

/** Creates `dir` and its parents if they are missing. */
export function ensureDirectory(dir: string): void {
  mkdirSync(creatable(dir), { recursive: true });
}

/** As `ensureDirectory`, without blocking the event loop. */
export async function ensureDirectoryAsync(dir: string): Promise<void> {
  await mkdir(creatable(dir), { recursive: true });
}
