import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDemo } from '../../src/cli/demo';
import { compareLogIds } from '../../src/auth0/log-id';
import { captureIo, ndjsonIds, tempDir } from '../support/cli';

let dir: string;

beforeEach(async () => {
  dir = path.join(await tempDir(), 'demo');
});

afterEach(async () => {
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

describe('demo', () => {
  it('ships the fake tenant to <dir>/logs.ndjson, and a second run resumes and ships nothing twice', async () => {
    const first = captureIo();
    expect(await runDemo(['--dir', dir, '--logs', '250'], first.io)).toBe(0);
    expect(first.stdout()).toMatch(
      /^A fake tenant with 250 logs runs at https:\/\/127\.0\.0\.1:\d+ \(50 ms per response, 100 ms per new connection\)\./,
    );
    expect(first.stdout()).toMatch(
      /\nShipped 250 logs to .*logs\.ndjson in .*\nRun it again: it resumes/,
    );
    expect(first.stdout()).toContain(
      "\nIts logs arrive as a real tenant's do: busy working hours, quiet nights, an attack of 25 failed logins in 2 minutes, 1 % written late.\n",
    );
    const ids = ndjsonIds(await fs.readFile(path.join(dir, 'logs.ndjson'), 'utf8'));
    expect(ids).toHaveLength(250);
    expect(ids.every((id, i) => i === 0 || compareLogIds(ids[i - 1] as string, id) < 0)).toBe(true);

    const second = captureIo();
    expect(await runDemo(['--dir', dir], second.io)).toBe(0);
    expect(second.stdout()).toContain('A fake tenant with 250 logs');
    expect(second.stdout()).toContain(
      `Nothing new to ship to ${path.join(dir, 'logs.ndjson')}; checkpoint ${ids[249]}.`,
    );
    expect(ndjsonIds(await fs.readFile(path.join(dir, 'logs.ndjson'), 'utf8'))).toEqual(ids);
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as {
      checkpointId: string;
    };
    expect(state.checkpointId).toBe(ids[249]);
  });

  it('resumes where an interrupted run stopped', async () => {
    const controller = new AbortController();
    const first = captureIo({ signal: controller.signal });
    const running = runDemo(['--dir', dir, '--logs', '400'], first.io);
    const file = path.join(dir, 'logs.ndjson');
    while (!(await fs.readFile(file, 'utf8').catch(() => '')).includes('\n')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort();
    expect(await running).toBe(0);
    expect(first.stdout()).toMatch(/Stopped after shipping (100|200|300) logs/);
    const second = captureIo();
    expect(await runDemo(['--dir', dir], second.io)).toBe(0);
    const ids = ndjsonIds(await fs.readFile(file, 'utf8'));
    expect(ids).toHaveLength(400);
    expect(new Set(ids).size).toBe(400);
  });

  it('gives the same logs the same ids whatever the clock says on a later run', async () => {
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const at = () => captureIo({ timing: { now: () => clock } });
    const first = at();
    expect(await runDemo(['--dir', dir, '--logs', '120'], first.io)).toBe(0);
    const file = path.join(dir, 'logs.ndjson');
    const ids = ndjsonIds(await fs.readFile(file, 'utf8'));
    expect(ids).toHaveLength(120);
    expect(ids[119]?.slice(3, 17)).toBe('20260301120000'); // the last log is dated at the first run
    // shaped like a real tenant: 12 of the 120 are an attack burst 9 hours before the first run
    const inBurst = ids.filter((id) => /^90020260301030[01]/.test(id));
    expect(inBurst).toHaveLength(12);

    clock += 3 * 3600_000 + 123; // hours (and a few ms) later
    const second = at();
    expect(await runDemo(['--dir', dir], second.io)).toBe(0);
    expect(second.stdout()).toContain(`Nothing new to ship to ${file}; checkpoint ${ids[119]}.`);
    expect(second.stdout()).toContain(
      `Run history: npx auth0-log-tools status --state ${path.relative(process.cwd(), path.join(dir, 'state.json'))}.`,
    );
    expect(ndjsonIds(await fs.readFile(file, 'utf8'))).toEqual(ids);
  });

  it('exits with 2 when --logs differs from the folder, and 1 when its settings are corrupt', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, 'tenant.json'),
      JSON.stringify({ seed: 1, logs: 10, startedAt: Date.now() }),
    );
    const differs = captureIo();
    expect(await runDemo(['--dir', dir, '--logs', '11'], differs.io)).toBe(2);
    expect(differs.stderr()).toContain(
      '--logs 11 differs from the 10 logs this demo folder was made with',
    );
    await fs.writeFile(path.join(dir, 'tenant.json'), '{"seed": "x"}');
    const corrupt = captureIo();
    expect(await runDemo(['--dir', dir], corrupt.io)).toBe(1);
    expect(corrupt.stderr()).toContain('tenant.json is not what the demo wrote');
  });

  it('exits with 2 on bad usage and prints its help', async () => {
    const bad = captureIo();
    expect(await runDemo(['--logs', '0'], bad.io)).toBe(2);
    expect(bad.stderr()).toBe(
      "auth0-log-tools demo: Expected --logs to be an integer from 1, got '0'\n",
    );
    const help = captureIo();
    expect(await runDemo(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('--dir <folder>');
    expect(help.stdout()).toContain('(default: 20000)');
  });
});

describe('npm run demo', () => {
  it('builds only when the sources changed (scripts/build-if-changed.mjs), then runs the demo', async () => {
    const pkg = JSON.parse(
      await fs.readFile(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe(
      'node scripts/build-if-changed.mjs && node dist/cli/main.js demo',
    );
  });

  it('the build step says whether it builds and why, and skips an unchanged tree', async () => {
    const root = await tempDir();
    try {
      // a stand-in project whose build (given tsup's --silent) writes dist/cli/main.js and counts
      await fs.writeFile(
        path.join(root, 'package.json'),
        JSON.stringify({ name: 'stand-in', scripts: { build: 'node build.js' } }),
      );
      await fs.writeFile(
        path.join(root, 'build.js'),
        "const fs = require('fs');\nfs.mkdirSync('dist/cli', { recursive: true });\nfs.writeFileSync('dist/cli/main.js', '');\nfs.appendFileSync('builds', 'x');\n",
      );
      await fs.mkdir(path.join(root, 'src'));
      await fs.writeFile(path.join(root, 'src', 'index.ts'), 'export const a = 1;\n');
      const script = path.join(__dirname, '..', '..', 'scripts', 'build-if-changed.mjs');
      const step = () => {
        const run = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
        return { code: run.status, said: run.stderr.trim() };
      };
      const builds = async () => (await fs.readFile(path.join(root, 'builds'), 'utf8')).length;

      expect(step()).toEqual({
        code: 0,
        said: 'building dist/ (dist/ is missing; about a minute)',
      });
      expect(step()).toEqual({
        code: 0,
        said: 'dist/ is up to date with the sources: not building',
      });
      expect(await builds()).toBe(1);
      await fs.writeFile(path.join(root, 'src', 'index.ts'), 'export const a = 2;\n');
      expect(step()).toEqual({
        code: 0,
        said: 'building dist/ (the sources changed since the last build; about a minute)',
      });
      expect(await builds()).toBe(2);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
