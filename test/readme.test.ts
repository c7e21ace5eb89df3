import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { getLogType, typesAtLevel } from '../src/auth0/log-types';
import { startFakeTenant } from '../src/testing';

// The README's library examples run as written, against the built package (npm test builds it).
const root = path.join(__dirname, '..');
const built = existsSync(path.join(root, 'dist', 'index.js'));
const run = promisify(execFile);

async function codeBlock(after: string, fence: string): Promise<string> {
  const readme = await fs.readFile(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\`\`\`${fence}\n`, readme.indexOf(after));
  const body = readme.slice(start + fence.length + 4, readme.indexOf('\n```', start));
  expect(start).toBeGreaterThan(-1);
  return body;
}

/** Every fenced block of `fence` in the README, with the line it starts on. */
async function codeBlocks(fence: string): Promise<Array<{ line: number; code: string }>> {
  const readme = await fs.readFile(path.join(root, 'README.md'), 'utf8');
  const blocks: Array<{ line: number; code: string }> = [];
  const pattern = new RegExp(`^\`\`\`${fence}\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const match of readme.matchAll(pattern)) {
    const line = readme.slice(0, match.index).split('\n').length;
    blocks.push({ line, code: match[1] ?? '' });
  }
  return blocks;
}

describe('README code blocks', () => {
  it('every js block compiles as what it is: CommonJS (require) or an ES module (import)', async () => {
    const blocks = await codeBlocks('js');
    expect(blocks.length).toBeGreaterThan(10);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'readme-blocks-'));
    try {
      const failures: string[] = [];
      for (const { line, code } of blocks) {
        // a block with an import is a module (the quick start shows both forms in one)
        const esm = /^\s*(import|export)\s/m.test(code);
        if (!esm) {
          try {
            new vm.Script(code, { filename: `README.md:${line}` });
          } catch (error) {
            failures.push(`README.md:${line} (CommonJS): ${(error as Error).message}`);
          }
          continue;
        }
        const file = path.join(dir, `block-${line}.mjs`);
        await fs.writeFile(file, code);
        await run(process.execPath, ['--check', file]).catch((error: { stderr?: string }) =>
          failures.push(`README.md:${line} (ES module): ${error.stderr ?? String(error)}`),
        );
      }
      expect(failures).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('Diagnostics lists every debug namespace the library writes to', async () => {
    const names = new Set<string>();
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
        const file = path.join(folder, entry.name);
        if (entry.isDirectory()) await walk(file);
        else if (entry.name.endsWith('.ts')) {
          const text = await fs.readFile(file, 'utf8');
          for (const m of text.matchAll(/(?:scopedLogger|redactedLogger)\(\s*'([\w-]+)'/g))
            names.add(m[1] as string);
        }
      }
    };
    await walk(path.join(root, 'src'));
    expect([...names].sort()).toEqual(['client', 'pages', 'processor', 'stream']);
    const readme = await fs.readFile(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Diagnostics'),
      readme.indexOf('\n## ', readme.indexOf('## Diagnostics') + 3),
    );
    for (const name of names) expect(section).toContain(`\`auth0-log-tools:${name}\``);
  });
});

(built ? describe : describe.skip)('README examples', () => {
  // inside the package folder, so that `auth0-log-tools` resolves to this package by its name
  const scratch = path.join(root, 'test', 'support', '.readme');

  beforeAll(() => fs.mkdir(scratch, { recursive: true }));
  afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

  it('the LogsProcessor example (CommonJS) ships a tenant', async () => {
    const tenant = await startFakeTenant({ logs: 1200 });
    try {
      const code = (await codeBlock('## Layer 3: `LogsProcessor`', 'js')).replace(
        '/var/lib/auth0-logs/state.json',
        path.join(scratch, 'state.json'),
      );
      const file = path.join(scratch, 'processor.cjs');
      await fs.writeFile(file, code);
      await fs.writeFile(path.join(scratch, 'ca.pem'), tenant.ca);
      const { stdout } = await run(process.execPath, [file], {
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: path.join(scratch, 'ca.pem'),
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
        },
      });
      const lines = stdout.trim().split('\n');
      const last = lines.pop();
      // the example's logLevel: 2; a type the catalog does not know is never dropped by the level
      const warnings = new Set(typesAtLevel(2));
      const expected = Array.from({ length: 1200 }, (_, k) => tenant.logAt(k)).filter(
        (log) => warnings.has(log.type) || getLogType(log.type) === undefined,
      ).length;
      expect(expected).toBeGreaterThan(0);
      expect(
        lines.reduce((sum, line) => sum + Number(/^shipping (\d+) logs$/.exec(line)?.[1]), 0),
      ).toBe(expected);
      // stopReason is set by the processor (it reads `undefined` from one that does not set it yet)
      expect(last).toMatch(
        new RegExp(`^stopped \\(\\w+\\) at checkpoint ${tenant.logIdAt(1199)}$`),
      );
    } finally {
      await tenant.close();
    }
  });

  it('the testing example (ESM) defines what it uses and runs', async () => {
    const file = path.join(scratch, 'testing.mjs');
    await fs.writeFile(file, await codeBlock('## Testing your own shipping code', 'js'));
    const { stdout } = await run(process.execPath, [file], { env: { PATH: process.env.PATH } });
    const [counts, same] = stdout.trim().split('\n');
    const [processed, shipped, requests] = (counts ?? '').split(' ').map(Number);
    expect(processed).toBe(5000);
    expect(shipped).toBe(5000);
    expect(requests).toBeGreaterThanOrEqual(50);
    expect(same).toBe('true');
  });
});
