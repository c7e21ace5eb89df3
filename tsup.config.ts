import { defineConfig } from 'tsup';

// One copy of the core per module format: with `splitting`, the library, `auth0-log-tools/testing`
// and the CLI import shared chunks, so an `ArgumentError` from `/testing` is the main entry's class
// (the error brands also cover two formats or two copies of the package). The CLI is CommonJS only
// (`bin` runs dist/cli/main.js), and no source maps are published: they embedded every source
// file (1.1 MB of the 1.8 MB unpacked) for no one who loads the package.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'cli/main': 'src/cli/main.ts',
    },
    format: ['cjs'],
    dts: { entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' } },
    target: 'node20',
    platform: 'node',
    clean: true,
    sourcemap: false,
    splitting: true,
    shims: false,
  },
  {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' } },
    target: 'node20',
    platform: 'node',
    clean: false,
    sourcemap: false,
    splitting: true,
    shims: false,
  },
]);
