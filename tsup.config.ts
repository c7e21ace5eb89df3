import { defineConfig } from 'tsup';

// One copy of the core per module format, so an `ArgumentError` thrown by `auth0-log-tools/testing`
// or the CLI is the main entry's own class (the error brands also cover the two formats, or two
// copies of the package, side by side):
// - CommonJS: every source file compiled to its own file (`bundle: false`), each required once,
//   by every entry. (tsup's CommonJS code splitting rewrites the output and loses class names.)
// - ES modules: the library and `/testing` with esbuild's code splitting into shared chunks.
// The CLI is CommonJS only (`bin` runs dist/cli/main.js). No source maps are published: they
// embedded every source file (1.1 MB of the 1.8 MB unpacked) for no one who loads the package.
// `npm run build` empties dist/ first: the two builds run at once, so neither may clean it.
const common = {
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  shims: false,
  clean: false,
} as const;
const dtsEntries = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'cluster/index': 'src/cluster/index.ts',
};

export default defineConfig([
  {
    ...common,
    entry: ['src/**/*.ts'],
    bundle: false,
    format: ['cjs'],
    dts: { entry: dtsEntries },
  },
  {
    ...common,
    entry: dtsEntries,
    format: ['esm'],
    dts: { entry: dtsEntries },
    splitting: true,
  },
]);
