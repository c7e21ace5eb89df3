// The import rules of `npm run lint` (.dependency-cruiser.cjs): a circle made only of type imports
// fails it, an arrow back up into the CLI fails it, and src/ passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const config = path.join(root, '.dependency-cruiser.cjs');
const bin = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

/**
 * Runs dependency-cruiser as `npm run lint` does, on `src` under `cwd`: its exit status, and each
 * violation of its JSON report as one line, `rule: from → to` (a circle: every step).
 */
function cruise(cwd: string): { status: number | null; violations: string[] } {
  const run = (...extra: string[]) => {
    const result = spawnSync(process.execPath, [bin, 'src', '--config', config, ...extra], {
      cwd,
      encoding: 'utf8',
    });
    if (result.error) throw result.error;
    return result;
  };
  const { status } = run();
  const report = JSON.parse(run('--output-type', 'json').stdout) as {
    summary: { violations: Violation[] };
  };
  const violations = report.summary.violations.map(({ rule, from, to, cycle }) =>
    cycle
      ? `${rule.name}: ${[from, ...cycle.map((step) => step.name)].join(' → ')}`
      : `${rule.name}: ${from} → ${to}`,
  );
  return { status, violations };
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
    const { status, violations } = cruise(root);
    expect(violations).toEqual([]);
    expect(status).toBe(0);
  }, 60_000);
});
