import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { KeyRepository } from '../store/keys.ts';
import { migrateToLatest } from '../store/migrations/index.ts';

/** `switchyard keys create|list|revoke`: works directly on the database the config points at. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys');

  const withRepository = async (run: (repository: KeyRepository, store: Store) => Promise<void>) => {
    const { config } = loadConfig(program.opts().config ? { file: program.opts().config as string } : {});
    const store = await openDatabase(config.storage.url);
    try {
      await migrateToLatest(store);
      await run(new KeyRepository(store.db), store);
    } finally {
      await store.close();
    }
  };

  keys
    .command('create')
    .description('mint a key; it is printed once and stored hashed')
    .requiredOption('-n, --name <name>', 'a name to recognise the key by')
    .option('--role <role>', 'client or admin', 'client')
    .option('--metadata <json>', 'JSON object stored with the key (team, app, cost center)', '{}')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; role: string; metadata: string; json?: boolean }) => {
      if (options.role !== 'client' && options.role !== 'admin')
        throw new Error('--role must be client or admin');
      let metadata: Record<string, unknown>;
      try {
        metadata = JSON.parse(options.metadata) as Record<string, unknown>;
      } catch {
        throw new Error('--metadata must be a JSON object');
      }
      await withRepository(async (repository) => {
        const created = await repository.create({
          name: options.name,
          role: options.role as 'client' | 'admin',
          metadata,
        });
        if (options.json)
          process.stdout.write(`${JSON.stringify({ key: created.key, id: created.record.id })}\n`);
        else
          process.stdout.write(
            `Key ${created.record.id} (${options.role}): ${created.key}\nStore it now: it cannot be shown again.\n`,
          );
      });
    });

  keys
    .command('list')
    .description('list keys (never their secrets), with when each was last used')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      await withRepository(async (repository) => {
        const list = await repository.list({ includeRevoked: Boolean(options.all) });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        // The name last: it is the one column that may hold spaces.
        for (const key of list) {
          const state = key.revokedAt ? 'revoked' : 'active';
          const lastUsed =
            key.lastUsedAt === null ? 'never used' : `used ${new Date(key.lastUsedAt).toISOString()}`;
          process.stdout.write(
            `${key.id}\t${key.prefix}…\t${key.role}\t${state}\t${lastUsed}\t${key.name}\n`,
          );
        }
      });
    });

  keys
    .command('revoke <id>')
    .description('revoke a key; it stops working at once on this node (within a second cluster-wide)')
    .action(async (id: string) => {
      await withRepository(async (repository) => {
        if (!(await repository.revoke(id))) throw new Error(`no key with id ${id}`);
        process.stdout.write(`Revoked ${id}\n`);
      });
    });
}
