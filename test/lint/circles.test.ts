// The import rules of `npm run lint` (.dependency-cruiser.cjs): a circle made only of type imports
// fails it, an arrow back up into the CLI fails it, and src/ passes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const config = path.join(root, '.dependency-cruiser.cjs');
const bin = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/**
 * Runs dependency-cruiser as `npm run lint` does, on `src` under `cwd`: its exit status (the number
 * of errors) and each violation as one line, `rule: from → to` (a circle: every step).
 */
function cruise(cwd: string): { status: number | null; violations: string[] } {
  const run = spawnSync(process.execPath, [bin, 'src', '--config', config], {
    cwd,
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  const text = run.stdout.replace(/\s+/g, ' ');
  const violations = [...text.matchAll(/ error ([a-z-]+): (.*?)(?= error | x \d)/g)].map(
    (m) => `${m[1]}: ${(m[2] as string).trim()}`,
  );
  return { status: run.status, violations };
}

/** A tree with a circle of type-only imports and a library module that imports the CLI. */
function fixture(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'circles-'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true },
      include: ['src'],
    }),
    'src/pipeline/pages.ts': [
      "import type { Batch } from './batches';",
      'export interface Page { batches: Batch[] }',
      '',
    ].join('\n'),
    'src/pipeline/batches.ts': [
      "import type { Page } from './pages';",
      'export interface Batch { page: Page }',
      '',
    ].join('\n'),
    'src/cluster/worker.ts': [
      "import { flag } from '../cli/args';",
      'export const worker = () => flag;',
      '',
    ].join('\n'),
    'src/cli/args.ts': "export const flag = '--follow';\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('the import rules (npm run lint)', () => {
  it('fails on a circle made only of type imports, and on an import of the CLI from below', () => {
    const dir = fixture();
    try {
      const { status, violations } = cruise(dir);
      expect(status).toBe(2);
      expect(violations.sort()).toEqual([
        'cli-is-the-top: src/cluster/worker.ts → src/cli/args.ts',
        expect.stringMatching(
          /^no-circular: src\/pipeline\/(batches|pages)\.ts → src\/pipeline\/(batches|pages)\.ts → src\/pipeline\/\1\.ts$/,
        ),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('passes on src/', () => {
    // The file, stdout and POST destinations leave src/cli/ in their own change; until then their
    // two arrows are the only ones left.
    const leftovers = existsSync(path.join(root, 'src/cli/file-destination.ts'))
      ? [
          'cli-is-the-top: src/cluster/tenants.ts → src/cli/destinations.ts',
          'no-circular: src/cli/destinations.ts → src/cli/file-destination.ts → src/cli/destinations.ts',
        ]
      : [];
    const { status, violations } = cruise(root);
    expect(violations.sort()).toEqual(leftovers);
    expect(status).toBe(leftovers.length);
  }, 60_000);
});
