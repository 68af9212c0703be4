/** Layer rules from docs/architecture.md. `npm test` fails when one is broken. */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing',
      comment: 'core is the base: IR, errors, money. It depends on no other module of ours.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'dialects-are-pure',
      comment: 'Dialects are pure codecs: they know core only, never providers, server or storage.',
      severity: 'error',
      from: { path: '^src/dialects/' },
      to: { path: '^src/(providers|server|pipeline|store|routing|cli|telemetry|config)/' },
    },
    {
      name: 'providers-below-pipeline',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: '^src/(server|pipeline|routing|cli|store)/' },
    },
    {
      name: 'nothing-imports-server',
      comment: 'server is a thin HTTP shell; only the CLI starts it.',
      severity: 'error',
      from: { path: '^src/(?!server/|cli/)' },
      to: { path: '^src/server/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { path: '^src/(?!cli/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'domain-below-pipeline',
      comment: 'Domain modules are composed by the pipeline, never the reverse.',
      severity: 'error',
      from: { path: '^src/(identity|limits|metering|audit|catalog|evals|routing|store)/' },
      to: { path: '^src/(pipeline|server|cli)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
