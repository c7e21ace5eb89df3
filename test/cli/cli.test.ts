import { spawn } from 'node:child_process';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli, USAGE } from '../../src/cli/cli';
import { startFakeTenant } from '../../src/testing';
import { captureIo, ndjsonIds, tempDir } from '../support/cli';

const { version } = JSON.parse(
  readFileSync(path.join(__dirname, '../../package.json'), 'utf8'),
) as {
  version: string;
};

describe('runCli', () => {
  it('prints the version and the usage', async () => {
    const v = captureIo();
    expect(await runCli(['--version'], v.io)).toBe(0);
    expect(v.stdout()).toBe(`${version}\n`);
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const h = captureIo();
      expect(await runCli(argv, h.io)).toBe(0);
      expect(h.stdout()).toBe(USAGE);
    }
    expect(USAGE).toMatch(/ship .*\n.*status .*\n.*fake-tenant .*\n.*demo /);
  });

  it('exits with 2 on an unknown command', async () => {
    const { io, stderr } = captureIo();
    expect(await runCli(['shipp'], io)).toBe(2);
    expect(stderr()).toBe(
      "auth0-log-tools: unknown command 'shipp'. Commands: ship, status, fake-tenant, demo, serve, tail, receive; see --help.\n",
    );
  });

  it.each(['ship', 'status', 'fake-tenant', 'demo'])('hands %s its arguments', async (command) => {
    const { io, stdout } = captureIo();
    expect(await runCli([command, '--help'], io)).toBe(0);
    expect(stdout()).toMatch(new RegExp(`^Usage: auth0-log-tools ${command} \\[options\\]`));
  });
});

const binary = path.join(__dirname, '../../dist/cli/main.js');
const built = existsSync(binary);
const builtIt = built ? it : it.skip;
if (!built) {
  console.warn(
    `Skipping the built-binary tests: ${binary} is missing; run \`npm run build\` (npm test does).`,
  );
}

function run(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
) {
  const child = spawn(process.execPath, [binary, ...argv], {
    env: { PATH: process.env.PATH, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe(`the built binary${built ? '' : ' (skipped: dist/cli/main.js is missing, run `npm run build`)'}`, () => {
  builtIt('starts with a shebang and prints its version', async () => {
    expect((await fs.readFile(binary, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const usage = await run(['ship', '--batch-size', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--batch-size');
  });

  builtIt('ships to stdout, and with --follow stops cleanly on SIGINT', async () => {
    const tenant = await startFakeTenant({ logs: 150 });
    const dir = await tempDir();
    try {
      const ca = path.join(dir, 'ca.pem');
      await fs.writeFile(ca, tenant.ca);
      const env = {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
      };
      const argv = ['ship', '--ca-file', ca, '--state', path.join(dir, 'state.json')];
      const once = await run(argv, env);
      expect(once.code).toBe(0);
      expect(ndjsonIds(once.stdout)).toHaveLength(150);
      expect(once.stderr).toMatch(/^Shipped 150 logs to stdout/);

      tenant.addLogs(5);
      const followed = await run(
        [...argv, '--follow', '--interval', '0.1', '--json'],
        env,
        (text, child) => {
          if (ndjsonIds(text).length === 5) child.kill('SIGINT');
        },
      );
      expect(followed.code).toBe(0);
      expect(ndjsonIds(followed.stdout)).toEqual(
        Array.from({ length: 5 }, (_, i) => tenant.logIdAt(150 + i)),
      );
      expect(followed.stderr).toContain('SIGINT: stopping cleanly');
      expect(JSON.parse(followed.stderr.trim().split('\n').pop() ?? '')).toMatchObject({
        status: 'stopped',
        logsShipped: 5,
      });
      expect(once.stderr + followed.stderr).not.toContain(tenant.clientSecret);
    } finally {
      await tenant.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
