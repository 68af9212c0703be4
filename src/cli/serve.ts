import type { Command } from 'commander';
import { startGateway } from '../server/runtime.ts';
import { parsePort } from './options.ts';
import { missingLaunchFlags, processLaunchFlags, tuneV8ForServing } from './v8-tuning.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (default port 4000)')
    .option('-p, --port <port>', 'port to listen on (overrides server.port)', parsePort)
    .option('--host <host>', 'address to listen on (overrides server.host)')
    .action(async (options: { port?: number; host?: string }) => {
      tuneV8ForServing();
      const running = await startGateway({
        ...(program.opts().config ? { configFile: program.opts().config as string } : {}),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.host ? { host: options.host } : {}),
        printBanner: (banner) => process.stdout.write(`${banner}\n`),
      });
      process.stdout.write(`Switchyard listening on ${running.url}\n`);
      const missing = missingLaunchFlags(processLaunchFlags());
      if (missing.length > 0)
        process.stdout.write(
          `Note: node was started without ${missing.join(' ')} (npm start passes it); under load the ` +
            'gateway will hold about 20 MB more memory. See docs/configuration.md, "Running in production".\n',
        );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`Received ${signal}, draining in-flight requests...\n`);
        await running.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
