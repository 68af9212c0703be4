/**
 * `catalog sync`: refresh prices at run time from a file or URL, in the catalog's own format or the
 * public price table's, and keep every snapshot so a price once charged can always be looked up.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Dispatcher, request } from 'undici';
import { type Clock, systemClock } from '../core/clock.ts';
import { ensureDirectoryAsync } from '../core/directories.ts';
import { GatewayError } from '../core/errors.ts';
import { convertSourceTable, isSourceTable, sourceTableDate } from './convert.ts';
import { isCatalogDocument, parseCatalogDocument, serializeCatalog } from './document.ts';
import type { CatalogSnapshot } from './types.ts';

export interface LoadSourceOptions {
  clock?: Clock;
  /** For URLs: time allowed for the headers, and between body chunks. */
  timeoutMs?: number;
  /** Refuse sources larger than this. */
  maxBytes?: number;
  /** Overrides the HTTP dispatcher (tests, proxies). */
  dispatcher?: Dispatcher;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Reads a catalog source and returns a snapshot whose prices apply from now. Accepts the catalog
 * format (as shipped or exported) and the public model price table, converted exactly like the
 * shipped catalog.
 */
export async function loadCatalogSource(
  from: string,
  options: LoadSourceOptions = {},
): Promise<CatalogSnapshot> {
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const isUrl = /^https?:\/\//i.test(from);
  const origin = isUrl ? redactUrl(from) : from;
  const text = isUrl
    ? await fetchText(from, origin, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes, options.dispatcher)
    : await readLocal(from, maxBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', `${origin} is not JSON`, { param: 'from' });
  }
  const effectiveDate = new Date(clock.now()).toISOString();
  if (isCatalogDocument(parsed)) {
    try {
      return { ...parseCatalogDocument(parsed, origin), effectiveDate };
    } catch (error) {
      throw new GatewayError('invalid_request', (error as Error).message, { param: 'from', cause: error });
    }
  }
  if (isSourceTable(parsed)) {
    const sourceDate = sourceTableDate(parsed) ?? effectiveDate.slice(0, 10);
    return convertSourceTable(parsed, { generatedFrom: origin, sourceDate, effectiveDate });
  }
  throw new GatewayError(
    'invalid_request',
    `${origin} is neither a Switchyard catalog nor a model price table (objects with litellm_provider)`,
    { param: 'from' },
  );
}

/** The URL without user, password, query or fragment: those may carry a token. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the given URL';
  }
}

async function readLocal(path: string, maxBytes: number): Promise<string> {
  const absolute = resolve(path);
  let size: number;
  try {
    size = (await stat(absolute)).size;
  } catch {
    throw new GatewayError('not_found', `No catalog source at ${path}`, { param: 'from' });
  }
  if (size > maxBytes) throw tooLarge(path, maxBytes);
  return readFile(absolute, 'utf8');
}

async function fetchText(
  url: string,
  origin: string,
  timeoutMs: number,
  maxBytes: number,
  dispatcher: Dispatcher | undefined,
): Promise<string> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: { accept: 'application/json' },
      ...(dispatcher ? { dispatcher } : {}),
    });
  } catch (error) {
    throw new GatewayError('upstream_error', `Could not fetch the catalog from ${origin}`, { cause: error });
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    await response.body.dump();
    throw new GatewayError('upstream_error', `${origin} answered HTTP ${response.statusCode}`, {
      upstreamStatus: response.statusCode,
    });
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.dump();
    throw tooLarge(origin, maxBytes);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body) {
      received += (chunk as Buffer).length;
      if (received > maxBytes) {
        response.body.destroy();
        throw tooLarge(origin, maxBytes);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('upstream_timeout', `Reading the catalog from ${origin} failed`, { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(origin: string, maxBytes: number): GatewayError {
  return new GatewayError('payload_too_large', `${origin} is larger than ${maxBytes} bytes`, {
    param: 'from',
  });
}

/** Where synced catalogs are kept. The database-backed store implements the same two calls. */
export interface CatalogSnapshotStore {
  /** Keeps the snapshot and makes it current. False when that version was already stored (the
   * stored copy, with its earlier effective date, is kept). */
  save(snapshot: CatalogSnapshot): Promise<boolean>;
  /** The current snapshot, or undefined when none was ever saved. */
  latest(): Promise<CatalogSnapshot | undefined>;
}

const VERSION = /^[0-9a-f]{16}$/;

/** Snapshots as `<dir>/<version>.json`, and `<dir>/current` naming the current one. */
export class FileSnapshotStore implements CatalogSnapshotStore {
  constructor(readonly dir: string = '.switchyard/catalog') {}

  async save(snapshot: CatalogSnapshot): Promise<boolean> {
    if (!VERSION.test(snapshot.version)) throw new RangeError(`not a catalog version: ${snapshot.version}`);
    await ensureDirectoryAsync(this.dir);
    const file = join(this.dir, `${snapshot.version}.json`);
    const isNew = !existsSync(file);
    if (isNew) await writeAtomically(file, serializeCatalog(snapshot));
    await writeAtomically(join(this.dir, 'current'), `${snapshot.version}\n`);
    return isNew;
  }

  async latest(): Promise<CatalogSnapshot | undefined> {
    let version: string;
    try {
      version = (await readFile(join(this.dir, 'current'), 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (!VERSION.test(version))
      throw new Error(`${join(this.dir, 'current')} does not name a catalog version`);
    const file = join(this.dir, `${version}.json`);
    return parseCatalogDocument(JSON.parse(await readFile(file, 'utf8')), file);
  }
}

/** Write to a temporary file, then rename: a crash never leaves a half-written catalog. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

export interface SyncResult {
  snapshot: CatalogSnapshot;
  /** False when the source holds exactly the current catalog. */
  changed: boolean;
}

/** Loads a source and stores it as the current catalog. */
export async function syncCatalog(
  from: string,
  store: CatalogSnapshotStore,
  options?: LoadSourceOptions,
): Promise<SyncResult> {
  const snapshot = await loadCatalogSource(from, options);
  const current = await store.latest();
  if (current?.version === snapshot.version) return { snapshot: current, changed: false };
  await store.save(snapshot);
  return { snapshot: (await store.latest()) ?? snapshot, changed: true };
}
