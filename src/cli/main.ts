import { Command } from 'commander';
import { ConfigError } from '../config/load.ts';
import { registerCatalogCommands } from './catalog.ts';
import { registerEmulateCommand } from './emulate.ts';
import { registerKeysCommands } from './keys.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerServeCommand } from './serve.ts';
import { registerUsageCommands } from './usage.ts';

const program = new Command()
  .name('switchyard')
  .description('Self-hosted AI gateway: one API for every model')
  .option('-c, --config <file>', 'configuration file (default: switchyard.yaml, or $SWITCHYARD_CONFIG)')
  .showHelpAfterError();

registerServeCommand(program);
registerEmulateCommand(program);
registerMigrateCommand(program);
registerKeysCommands(program);
registerCatalogCommands(program);
registerUsageCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`switchyard: ${(error as Error).message}\n`);
  process.exit(1);
}
