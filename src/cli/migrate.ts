import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { openDatabase } from '../store/db.ts';
import { migrateToLatest } from '../store/migrations/index.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (the gateway also does this at start)')
    .action(async () => {
      const { config } = loadConfig(program.opts().config ? { file: program.opts().config as string } : {});
      const store = await openDatabase(config.storage.url);
      try {
        const { applied } = await migrateToLatest(store);
        process.stdout.write(
          applied.length === 0
            ? `Database at ${store.location} is up to date.\n`
            : `Applied: ${applied.join(', ')}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
