import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { type RunningGateway, type StartOptions, startGateway } from '../../src/server/runtime.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

export interface TestGateway extends RunningGateway {
  clientKey: string;
  adminKey: string;
}

export const TEST_MASTER_KEY = 'test-master-key-0123456789abcdef';

/**
 * A real gateway on an ephemeral port over a fresh SQLite file. `config` is a switchyard.yaml
 * document as an object; storage, port and logging are filled in for tests.
 */
export async function startTestGateway(
  config: Record<string, unknown> = {},
  options: Partial<StartOptions> = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const server = (config.server as Record<string, unknown> | undefined) ?? {};
  const parsed = parseConfig(
    {
      ...config,
      server: { host: '127.0.0.1', log_level: 'silent', ...server },
      storage: { url: `sqlite:${join(dir, 'test.db')}`, ...(config.storage as object | undefined) },
      admin: { ...(config.admin as object | undefined), master_key: TEST_MASTER_KEY },
    },
    {},
  );
  const running = await startGateway({
    config: parsed,
    port: 0,
    logger: createLogger({ level: 'silent' }),
    env: {},
    ...options,
  });
  const clientKey = running.bootstrap?.clientKey;
  if (!clientKey) throw new Error('test gateway did not bootstrap a client key');
  return {
    ...running,
    clientKey,
    adminKey: TEST_MASTER_KEY,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
