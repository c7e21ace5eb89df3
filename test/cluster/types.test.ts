import { existsSync, promises as fs } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { tempDir } from '../support/cli';

// Issue 23 item 6: a TypeScript user of `auth0-log-tools/cluster` who uses neither PostgreSQL nor
// metrics has no `pg` or `prom-client` installed; the declarations must still compile (no TS2307).
// The built declarations are copied beside a consumer whose node_modules holds only what the
// cluster always needs (ioredis, bullmq, axios) and @types/node.

const root = path.join(__dirname, '../..');
const built = existsSync(path.join(root, 'dist', 'cluster', 'index.d.ts'));
if (!built)
  console.warn('Skipping the cluster declaration test: run `npm run build` (npm test does).');

let dir: string;

beforeAll(async () => {
  if (!built) return;
  dir = await tempDir();
  const modules = path.join(dir, 'node_modules');
  const own = path.join(modules, 'auth0-log-tools');
  await fs.mkdir(path.join(modules, '@types'), { recursive: true });
  await fs.cp(path.join(root, 'dist'), path.join(own, 'dist'), {
    recursive: true,
    filter: (from) => !from.endsWith('.js') && !from.endsWith('.mjs'),
  });
  await fs.copyFile(path.join(root, 'package.json'), path.join(own, 'package.json'));
  for (const name of ['ioredis', 'bullmq', 'axios', '@types/node', 'undici-types'])
    if (existsSync(path.join(root, 'node_modules', name)))
      await fs.symlink(path.join(root, 'node_modules', name), path.join(modules, name), 'dir');
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  types: ['node'],
  preserveSymlinks: true, // linked packages resolve their imports from the consumer's folder
};

/** How `file` imports: a `.d.mts` as an ES module, the rest as CommonJS (the package's type). */
const modeOf = (file: string) =>
  file.endsWith('.mts') ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS;

const resolve = (spec: string, from: string, mode: ts.ResolutionMode) =>
  ts.resolveModuleName(spec, from, OPTIONS, ts.sys, undefined, undefined, mode).resolvedModule;

/**
 * Every import of this package's declarations, from `entry` (a specifier as a consumer writes it,
 * imported with `mode`, or a declaration file's path) through the package's own files, that does
 * not resolve from the consumer folder: what a user's tsc reports as TS2307 (the module
 * resolution alone, without type-checking every library's declarations, which takes seconds).
 */
function unresolvedImports(entry: string, mode: ts.ResolutionMode = ts.ModuleKind.CommonJS) {
  const first = path.isAbsolute(entry)
    ? entry
    : resolve(entry, path.join(dir, 'consumer.ts'), mode)?.resolvedFileName;
  if (!first) return [entry];
  const unresolved = new Set<string>();
  const seen = new Set<string>();
  const queue = [first];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = ts.sys.readFile(file) ?? '';
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (isBuiltin(spec)) continue; // ambient modules of @types/node
      const found = resolve(spec, file, modeOf(file));
      if (!found) unresolved.add(spec);
      else if (found.resolvedFileName.includes('/node_modules/auth0-log-tools/'))
        queue.push(found.resolvedFileName);
    }
  }
  return [...unresolved];
}

(built ? describe : describe.skip)('auth0-log-tools/cluster declarations', () => {
  it('resolve without the pg and prom-client type packages', async () => {
    await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "commonjs" }');
    // the premise: pg and prom-client do not resolve here, and a declaration importing one is found
    const probe = path.join(dir, 'node_modules/auth0-log-tools/dist/cluster/probe.d.ts');
    await fs.writeFile(
      probe,
      "import type { Registry } from 'prom-client';\nexport type R = Registry;\n",
    );
    expect(unresolvedImports(probe)).toEqual(['prom-client']);
    expect(unresolvedImports('pg')).toEqual(['pg']);
    // what a consumer imports, in both module systems
    expect(unresolvedImports('auth0-log-tools/cluster')).toEqual([]);
    expect(unresolvedImports('auth0-log-tools/cluster', ts.ModuleKind.ESNext)).toEqual([]);
    expect(unresolvedImports('auth0-log-tools')).toEqual([]);
  });
});
