// Bundles the gateway into dist/ so production runs plain JavaScript: no TypeScript loader thread
// at run time (lower memory, faster start). Dependencies stay external, resolved from node_modules.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
mkdirSync(join(out, 'data'), { recursive: true });
await build({
  // The usage writer runs in a worker thread and is loaded by file name next to the main bundle.
  entryPoints: {
    switchyard: join(root, 'src/cli/main.ts'),
    'usage-writer': join(root, 'src/metering/usage-writer-worker.ts'),
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  // Code loaded with import() goes to chunks of its own, with its packages, loaded only when used
  // (the PostgreSQL driver, Bedrock's signer, the emulator server): `serve` on SQLite stays smaller.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// The catalog is read at run time next to the module that loads it.
cpSync(join(root, 'src/catalog/data/catalog.json'), join(out, 'data/catalog.json'));
