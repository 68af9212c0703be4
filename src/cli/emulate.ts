import type { Command } from 'commander';
import { parseNonNegative, parsePort } from './options.ts';

export function registerEmulateCommand(program: Command): void {
  program
    .command('emulate')
    .description(
      "run the emulator: a fake provider speaking the vendors' wire formats (see docs/emulator.md)",
    )
    .option('-p, --port <port>', 'port to listen on', parsePort, 4010)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--api-key <key>', 'require this key (Authorization: Bearer or x-api-key)')
    .option('--ttft-ms <ms>', 'time to first token', parseNonNegative, 0)
    .option('--tokens-per-second <n>', 'output speed (0 = as fast as possible)', parseNonNegative, 0)
    .action(
      async (options: {
        port: number;
        host: string;
        apiKey?: string;
        ttftMs: number;
        tokensPerSecond: number;
      }) => {
        // Loaded here, not at the top: `serve` shares this bundle and never needs the emulator server.
        const { startEmulator } = await import('../providers/emulator/server.ts');
        const emulator = await startEmulator({
          port: options.port,
          host: options.host,
          ttftMs: options.ttftMs,
          tokensPerSecond: options.tokensPerSecond,
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        });
        process.stdout.write(`Emulator listening on ${emulator.url}\n`);
        const stop = async () => {
          await emulator.close();
          process.exit(0);
        };
        process.on('SIGINT', () => void stop());
        process.on('SIGTERM', () => void stop());
      },
    );
}
