/**
 * The import rules `npm run lint` checks (dependency-cruiser): no circle, type-only imports
 * included, and arrows that run one way: cli -> cluster -> the library -> leaves.
 * Run it alone with `npx depcruise src --config .dependency-cruiser.cjs`.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A circle of imports (type-only imports count): move the shared shapes to a leaf ' +
        '(a types.ts) or let the importer declare the narrow interface it needs.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cli-is-the-top',
      severity: 'error',
      comment:
        'Only src/cli/ imports from src/cli/: the library, the cluster and the testing kit never ' +
        'reach up into the command line.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cluster-above-the-library',
      severity: 'error',
      comment:
        'Only src/cluster/, src/cli/ and src/receive/ (a server beside the cluster, sharing its ' +
        '/metrics and /healthz) import from src/cluster/.',
      from: { path: '^src/', pathNot: '^src/(cluster|cli|receive)/' },
      to: { path: '^src/cluster/' },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment:
        'src/types.ts, src/errors.ts, src/defaults.ts and src/util/ are leaves: they import ' +
        'nothing that implements the faces, options, pipeline, storage, destinations, cluster, ' +
        'cli, testing kit or reporters.',
      from: { path: '^src/(types\\.ts|errors\\.ts|defaults\\.ts|util/)' },
      to: {
        path: [
          '^src/(client|stream|processor)\\.ts$',
          '^src/(auth0|options|pipeline|storage|destinations|cluster|cli|testing|reporters)/',
        ],
      },
    },
    {
      name: 'types-are-leaves',
      severity: 'error',
      comment: 'A types.ts holds shapes only: it imports other types.ts files and nothing else.',
      from: { path: ['^src/types\\.ts$', '^src/[^/]+/types\\.ts$'] },
      to: { path: '^src/', pathNot: ['^src/types\\.ts$', '^src/[^/]+/types\\.ts$'] },
    },
  ],
  options: {
    // type-only imports (`import type`, erased by the compiler) count as imports
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
