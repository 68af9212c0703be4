/**
 * The catalog a running gateway serves: loaded from the newest synced snapshot at start, and swapped
 * for a new one on `catalog sync` without a restart. Requests read it through a getter, so each one
 * sees one whole catalog, never half of two.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseStorageUrl } from '../store/url.ts';
import { Catalog, type CatalogOptions } from './catalog.ts';
import { type CatalogSnapshotStore, type LoadSourceOptions, syncCatalog } from './sync.ts';

/**
 * Where synced snapshots live: `catalog.snapshot_dir` when set (relative to the working directory);
 * otherwise `catalog/` beside the SQLite file (`.switchyard/catalog` for the default database), or
 * `.switchyard/catalog` under the working directory with PostgreSQL or an in-memory database.
 */
export function catalogSnapshotDir(
  config: { catalog: { snapshot_dir?: string | undefined }; storage: { url: string } },
  cwd: string = process.cwd(),
): string {
  const configured = config.catalog.snapshot_dir;
  if (configured) return isAbsolute(configured) ? configured : resolve(cwd, configured);
  const storage = parseStorageUrl(config.storage.url, cwd);
  if (storage.kind === 'sqlite' && storage.path !== ':memory:') return join(dirname(storage.path), 'catalog');
  return resolve(cwd, '.switchyard', 'catalog');
}

export interface CatalogSyncOutcome {
  /** The catalog now served. */
  catalog: Catalog;
  /** The version served before. */
  previousVersion: string;
  /** Whether the served catalog changed (false when the source held the same prices). */
  changed: boolean;
}

export interface LiveCatalogOptions extends CatalogOptions, LoadSourceOptions {}

export class LiveCatalog {
  private catalog: Catalog;
  /** Syncs run one at a time, so two at once cannot leave the older one current. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: CatalogSnapshotStore,
    initial: Catalog,
    private readonly options: LiveCatalogOptions,
  ) {
    this.catalog = initial;
  }

  /** The newest snapshot in the store, or the shipped catalog when none was ever synced. */
  static async open(store: CatalogSnapshotStore, options: LiveCatalogOptions = {}): Promise<LiveCatalog> {
    return new LiveCatalog(store, await Catalog.fromLatest(store, options), options);
  }

  current(): Catalog {
    return this.catalog;
  }

  /**
   * With a source, loads it, stores it as the current snapshot and serves it. Without one, serves the
   * store's current snapshot: how a gateway picks up a `switchyard catalog sync` run beside it.
   */
  sync(from?: string): Promise<CatalogSyncOutcome> {
    const run = this.queue.then(() => this.runSync(from));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runSync(from: string | undefined): Promise<CatalogSyncOutcome> {
    const previous = this.catalog;
    const snapshot =
      from === undefined
        ? await this.store.latest()
        : (await syncCatalog(from, this.store, this.options)).snapshot;
    if (snapshot && snapshot.version !== previous.version) {
      this.catalog = new Catalog(snapshot, this.options);
    }
    return {
      catalog: this.catalog,
      previousVersion: previous.version,
      changed: this.catalog !== previous,
    };
  }
}
