import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runFakeTenant } from '../../src/cli/fake-tenant';
import { runShip } from '../../src/cli/ship/command';
import { FAKE_TENANT_CA } from '../../src/testing';
import { captureIo, ndjsonIds, tempDir, waitFor } from '../support/cli';

let dir: string;
const cwd = process.cwd();

beforeEach(async () => {
  dir = await tempDir();
  process.chdir(dir);
});

afterEach(async () => {
  process.chdir(cwd);
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts `fake-tenant` in-process; resolves once its banner is out. */
async function start(argv: string[]) {
  const controller = new AbortController();
  const capture = captureIo({ signal: controller.signal });
  const done = runFakeTenant(argv, capture.io);
  await waitFor(() => capture.stdout().includes('Press Ctrl-C') || capture.stderr() !== '');
  const field = (name: string) =>
    new RegExp(`^  ${name}: +(\\S+)`, 'm').exec(capture.stdout())?.[1];
  const stop = async () => {
    controller.abort();
    return done;
  };
  return { ...capture, done, stop, field };
}

describe('fake-tenant', () => {
  it('prints the credentials, writes the CA file, and its ship command works; stops on the signal', async () => {
    const tenant = await start([
      '--port',
      '0',
      '--logs',
      '120',
      '--latency',
      '1',
      '--rate-limit',
      '50',
      '--fail',
      '0',
    ]);
    expect(tenant.stdout()).toMatch(/^Fake Auth0 tenant listening on https:\/\/127\.0\.0\.1:\d+\n/);
    expect(tenant.stdout()).toContain('logs:          120 (growing by 0/s)');
    expect(tenant.stdout()).toContain('rate limit:    50 requests/s; failure rate 0');
    expect(tenant.field('domain')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(tenant.field('client id')).toMatch(/^\w{32}$/);
    expect(tenant.field('client secret')?.length).toBeGreaterThan(30);
    const caFile = path.join(process.cwd(), '.auth0-log-tools', 'fake-tenant-ca.pem');
    expect(tenant.field('CA file')).toBe(caFile);
    expect(await fs.readFile(caFile, 'utf8')).toBe(FAKE_TENANT_CA);

    const printed =
      /Ship its logs with:\n {2}AUTH0_CLIENT_SECRET=(\S+) (npx auth0-log-tools ship[^]*?)\n\n/.exec(
        tenant.stdout(),
      );
    const secret = printed?.[1] ?? '';
    const argv = (printed?.[2] ?? '')
      .replace(/ \\\n +/g, ' ')
      .split(' ')
      .slice(3); // `npx auth0-log-tools ship`: runs as printed from a clone
    // the secret goes in the environment, never on the command line (`ps` shows it)
    expect(secret).toBe(tenant.field('client secret'));
    expect(argv).not.toContain('--client-secret');
    expect(argv.join(' ')).not.toContain(secret);
    const shipper = captureIo({ env: { AUTH0_CLIENT_SECRET: secret } });
    expect(await runShip([...argv, '--quiet'], shipper.io)).toBe(0);
    expect(
      ndjsonIds(await fs.readFile(path.join(dir, 'fake-tenant-logs.ndjson'), 'utf8')),
    ).toHaveLength(120);

    expect(await tenant.stop()).toBe(0);
    expect(tenant.stdout()).toMatch(/Stopped after serving 120 logs in \d+ requests\.\n$/);
  });

  it('takes a tenant shape: realistic by default, burst adds its attack to the logs', async () => {
    const realistic = await start(['--port', '0', '--logs', '120', '--ca-out', 'a.pem']);
    expect(realistic.stdout()).toContain(
      'logs:          120 (growing by 0/s)\n  shape:         realistic\n',
    );
    expect(await realistic.stop()).toBe(0);
    const burst = await start([
      '--port',
      '0',
      '--logs',
      '120',
      '--shape',
      'burst',
      '--ca-out',
      'b.pem',
    ]);
    expect(burst.stdout()).toContain(
      'logs:          3,120 (growing by 0/s)\n  shape:         burst\n',
    );
    expect(await burst.stop()).toBe(0);
    const quiet = await start(['--port', '0', '--shape', 'quietDays', '--ca-out', 'c.pem']);
    expect(quiet.stdout()).toContain(
      'logs:          30 (growing by 0/s)\n  shape:         quietDays\n',
    );
    expect(await quiet.stop()).toBe(0);
  });

  it('exits with 1 when the port is taken', async () => {
    const first = await start(['--port', '0', '--logs', '1', '--ca-out', 'first.pem']);
    const port = first.field('domain')?.split(':')[1] ?? '';
    const second = captureIo();
    expect(await runFakeTenant(['--port', port, '--ca-out', 'second.pem'], second.io)).toBe(1);
    expect(second.stderr()).toBe(
      `auth0-log-tools fake-tenant: cannot start: port ${port} is in use; pass --port 0 for a free one\n`,
    );
    expect(await first.stop()).toBe(0);
  });

  it('exits with 1 when the CA file cannot be written', async () => {
    await fs.writeFile('blocker', '');
    const { io, stderr } = captureIo();
    expect(await runFakeTenant(['--port', '0', '--ca-out', 'blocker/ca.pem'], io)).toBe(1);
    expect(stderr()).toMatch(/cannot write --ca-out .*blocker\/ca\.pem: (EEXIST|ENOTDIR)\n$/);
  });

  it.each([
    [['--fail', '2'], "Expected --fail to be a number from 0 to 1, got '2'"],
    [['--rate-limit', '0'], "Expected --rate-limit to be a number above 0, got '0'"],
    [['--port', '70000'], "Expected --port to be an integer from 0 to 65535, got '70000'"],
    [['--logs', '1.5'], "Expected --logs to be an integer from 0, got '1.5'"],
    [['--latency', '-'], "Expected --latency to be a number from 0, got '-'"],
    [['--what'], "Unknown option '--what'"],
    [
      ['--shape', 'bursty'],
      "Expected --shape to be one of even, realistic, burst, quietDays, late, got 'bursty'",
    ],
  ])('exits with 2 on %j', async (argv, message) => {
    const { io, stderr } = captureIo();
    expect(await runFakeTenant(argv, io)).toBe(2);
    expect(stderr()).toContain(message);
  });

  it('prints its help', async () => {
    const { io, stdout } = captureIo();
    expect(await runFakeTenant(['--help'], io)).toBe(0);
    expect(stdout()).toContain('--rate-limit <req/s>');
    expect(stdout()).toContain('(default: 8443)');
  });
});
