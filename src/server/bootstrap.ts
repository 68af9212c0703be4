import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/db.ts';
import type { KeyCache } from '../store/key-cache.ts';
import type { KeyRepository } from '../store/keys.ts';
import { setSettingIfAbsent } from '../store/settings.ts';

export interface BootstrapResult {
  /** Present when no master key was configured: a generated admin key. */
  adminKey?: string;
  clientKey: string;
  banner(url: string): string;
}

const BOOTSTRAP_SETTING = 'bootstrap.completed_at';

/**
 * On the very first start against a database, mints a ready client key (and an admin key when no
 * master key is configured) and returns them once. Keys are stored hashed; the plaintext exists only
 * in this result. A second process starting against the same database gets nothing.
 */
export async function bootstrapKeys(input: {
  store: Store;
  repository: KeyRepository;
  cache: KeyCache;
  clock: Clock;
  masterKeyConfigured: boolean;
}): Promise<BootstrapResult | undefined> {
  const now = input.clock.now();
  const first = await setSettingIfAbsent(input.store.db, BOOTSTRAP_SETTING, String(now), now);
  if (!first) return undefined;
  const admin = input.masterKeyConfigured
    ? undefined
    : await input.repository.create({
        name: 'bootstrap-admin',
        role: 'admin',
        metadata: { bootstrap: true },
      });
  const client = await input.repository.create({
    name: 'quickstart',
    role: 'client',
    metadata: { bootstrap: true },
  });
  await input.cache.refresh();
  return {
    ...(admin ? { adminKey: admin.key } : {}),
    clientKey: client.key,
    banner: (url) => banner(url, admin?.key, client.key),
  };
}

function banner(url: string, adminKey: string | undefined, clientKey: string): string {
  const lines = [
    '',
    '  Switchyard is ready. These keys are shown ONCE; they are stored hashed and cannot be shown again.',
    '',
    adminKey
      ? `  Admin key:  ${adminKey}`
      : '  Admin key:  the master key you configured (SWITCHYARD_MASTER_KEY)',
    `  Client key: ${clientKey}`,
    '',
    '  Try it:',
    `    curl ${url}/v1/chat/completions \\`,
    `      -H "Authorization: Bearer ${clientKey}" \\`,
    '      -H "Content-Type: application/json" \\',
    `      -d '{"model": "chat-default", "messages": [{"role": "user", "content": "Hello!"}]}'`,
    '',
    `  OpenAI SDK: new OpenAI({ baseURL: "${url}/v1", apiKey: "<client key>" })`,
    '',
  ];
  return lines.join('\n');
}
