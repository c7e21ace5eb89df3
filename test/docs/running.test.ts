import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFakeTenant } from '../../src/testing';
import { ndjsonIds, tempDir } from '../support/cli';

// Issue 23 item 3: the systemd unit and the cron line of docs/running.md work as written.
const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const examples = path.join(root, 'examples');
const unit = path.join(examples, 'systemd', 'auth0-log-tools@.service');
const cronFile = path.join(examples, 'cron', 'auth0-log-tools');
const BIN = '/usr/local/bin/auth0-log-tools';

const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
if (!analyze)
  console.warn('Skipping systemd-analyze verify of the unit: systemd-analyze is not installed.');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const built = existsSync(cli);
if (!built) console.warn(`Skipping the cron line's run: ${cli} is missing; run \`npm run build\`.`);

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** `systemd-analyze verify` of `text` as instance `acme`: its exit code and what it printed. */
async function verify(text: string, name: string) {
  const file = path.join(dir, `${name}@acme.service`);
  await fs.writeFile(file, text);
  try {
    const { stderr } = await run(analyze as string, ['verify', file]);
    return { code: 0, said: stderr.replaceAll(dir, '<dir>').trim() };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code, said: (failed.stderr ?? '').replaceAll(dir, '<dir>').trim() };
  }
}

describe('the systemd unit (examples/systemd)', () => {
  it('takes its secrets from an environment file, not from flags', async () => {
    const text = await fs.readFile(unit, 'utf8');
    expect(text).toMatch(/^EnvironmentFile=\/etc\/auth0-log-tools\/%i\.env$/m);
    expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/auth0-log-tools ship --follow --state /m);
    expect(text).not.toMatch(/--client-secret|--header/);
    const env = await fs.readFile(path.join(examples, 'systemd', 'acme.env.example'), 'utf8');
    const keys = env.match(/^[A-Z_0-9]+(?==)/gm);
    expect(keys).toEqual(['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET']);
  });

  (analyze ? it : it.skip)('passes systemd-analyze verify without a word', async () => {
    // the binary must exist for verify: a stand-in at another path, every other line as shipped
    const bin = path.join(dir, 'auth0-log-tools');
    await fs.writeFile(bin, '#!/bin/sh\n', { mode: 0o755 });
    const text = (await fs.readFile(unit, 'utf8')).replaceAll(BIN, bin);
    expect(text).toContain(`ExecStart=${bin} ship`);
    expect(await verify(text, 'unit')).toEqual({ code: 0, said: '' });
    // the premise: a wrong line is reported
    const broken = await verify(text.replace('Restart=on-failure', 'Restart=sometimes'), 'broken');
    expect(broken.said).toMatch(/Failed to parse service restart specifier, ignoring: sometimes/);
  });
});

describe('the cron line (examples/cron)', () => {
  (built ? it : it.skip)('runs as written: ships from the environment file, quietly', async () => {
    const line = (await fs.readFile(cronFile, 'utf8'))
      .split('\n')
      .find((l) => l.trim() && !l.startsWith('#'));
    const fields = (line ?? '').split(/\s+/);
    expect(fields.slice(0, 6)).toEqual(['*/5', '*', '*', '*', '*', 'auth0-logs']);
    const command = (line as string).replace(/^(\S+\s+){6}/, '');

    const tenant = await startFakeTenant({ logs: 25, seed: 31 });
    try {
      const ca = path.join(dir, 'ca.pem');
      await fs.writeFile(ca, tenant.ca);
      const etc = path.join(dir, 'etc');
      const lib = path.join(dir, 'lib');
      const log = path.join(dir, 'log');
      for (const folder of [etc, lib, log]) await fs.mkdir(folder);
      await fs.writeFile(
        path.join(etc, 'acme.env'),
        [
          `AUTH0_DOMAIN=${tenant.domain}`,
          `AUTH0_CLIENT_ID=${tenant.clientId}`,
          `AUTH0_CLIENT_SECRET=${tenant.clientSecret}`,
          `NODE_EXTRA_CA_CERTS=${ca}`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const local = command
        .replaceAll(BIN, `${process.execPath} ${cli}`)
        .replaceAll('/etc/auth0-log-tools', etc)
        .replaceAll('/var/lib/auth0-log-tools', lib)
        .replaceAll('/var/log/auth0-log-tools', log);
      const { stdout, stderr } = await run('/bin/sh', ['-c', local], {
        env: { PATH: process.env.PATH },
      });
      expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' }); // cron mails nothing
      const shipped = ndjsonIds(await fs.readFile(path.join(log, 'acme.ndjson'), 'utf8'));
      expect(shipped).toEqual(Array.from({ length: 25 }, (_, i) => tenant.logIdAt(i)));
      expect(existsSync(path.join(lib, 'acme.json'))).toBe(true);
    } finally {
      await tenant.close();
    }
  });
});
