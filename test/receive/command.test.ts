import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/cli';
import { captureIo, tempDir } from '../support/cli';

const env = {
  AUTH0_DOMAIN: 'acme.eu.auth0.com',
  AUTH0_CLIENT_ID: 'cid',
  AUTH0_CLIENT_SECRET: 'sec',
  AUTH0_LOG_STREAM_TOKEN: 'Bearer stream-s3cr3t',
};

async function usage(args: string[], extra: Record<string, string> = {}): Promise<string> {
  const { io, stderr } = captureIo({ env: { ...env, ...extra } });
  expect(await runCli(['receive', ...args], io)).toBe(2);
  return stderr();
}

describe('receive flags', () => {
  let dir: string;
  let state: string;
  beforeAll(async () => {
    dir = await tempDir();
    state = path.join(dir, 'r.json');
    await fs.writeFile(path.join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\n');
    await fs.writeFile(path.join(dir, 'plain.txt'), 'no pem');
  });

  it('prints its help', async () => {
    const { io, stdout } = captureIo();
    expect(await runCli(['receive', '--help'], io)).toBe(0);
    expect(stdout()).toContain('--reconcile-settle <seconds>');
    expect(stdout()).toContain('AUTH0_LOG_STREAM_TOKEN');
  });

  it('refuses bad usage, naming the flag, and never prints the token', async () => {
    expect(await usage(['--out', 'x.ndjson'])).toContain('Pass --state <file>');
    const base = ['--state', state];
    // the shape flags are ship's, checked the same way
    expect(await usage([...base, '--categories', 'auth.login.fial'])).toContain(
      '--categories: `auth.login.fial` is not an Auth0 Log Streams category; did you mean `auth.login.fail`?',
    );
    expect(await usage([...base, '--format', 'json'])).toContain(
      "Expected --format to be 'raw' or 'stream', got 'json'",
    );
    expect(await usage([...base, '--pii', 'email', '--pii-method', 'hash'])).toContain(
      '--pii-method hash needs AUTH0_LOG_TOOLS_PII_KEY',
    );
    expect(await usage([...base, '--listen', '8080'])).toContain(
      'Expected --listen to be <host>:<port>',
    );
    expect(await usage([...base, '--listen', '127.0.0.1:70000'])).toContain('--listen');
    expect(await usage([...base, '--listen', '0.0.0.0:8080'])).toContain(
      'pass --tls-cert and --tls-key, or --behind-tls-proxy',
    );
    // the stream token is required on every address, loopback too (a proxy makes it reachable)
    for (const listen of ['[::]:8080', '127.0.0.1:8080'])
      expect(
        await usage([...base, '--listen', listen, '--behind-tls-proxy'], {
          AUTH0_LOG_STREAM_TOKEN: '',
        }),
      ).toContain('Set AUTH0_LOG_STREAM_TOKEN to the stream');
    const cert = path.join(dir, 'cert.pem');
    expect(await usage([...base, '--tls-cert', cert])).toContain(
      'Pass --tls-cert and --tls-key together',
    );
    expect(
      await usage([...base, '--tls-cert', cert, '--tls-key', cert, '--behind-tls-proxy']),
    ).toContain('not both');
    expect(
      await usage([...base, '--tls-cert', cert, '--tls-key', path.join(dir, 'plain.txt')]),
    ).toContain('Expected --tls-key');
    expect(
      await usage([...base, '--tls-cert', path.join(dir, 'none.pem'), '--tls-key', cert]),
    ).toContain('Cannot read --tls-cert');
    expect(await usage([...base, '--path', 'auth0'])).toContain('Expected --path to start with /');
    expect(await usage([...base, '--body-limit', '10'])).toContain('--body-limit');
    expect(await usage([...base, '--reconcile-interval', '0'])).toContain('--reconcile-interval');
    expect(await usage([...base, '--start-from', 'yesterday'])).toContain('Expected --start-from');
    expect(await usage([...base, '--out', 'a', '--post', 'http://x/'])).toContain(
      'Pass one of --out or --post, not both',
    );
    const { io, stderr } = captureIo({ env: { AUTH0_LOG_STREAM_TOKEN: 'Bearer s3cr3t' } });
    expect(await runCli(['receive', ...base], io)).toBe(2);
    expect(stderr()).toContain(
      'Missing the tenant domain, the client id, the client secret (for reconciliation)',
    );
    expect(stderr()).not.toContain('s3cr3t');
  });

  it('exits with 3 when another command holds the state', async () => {
    const { FileStorage } = await import('../../src/storage/file');
    const lock = await new FileStorage(state).lock();
    try {
      const { io, stderr } = captureIo({ env });
      expect(await runCli(['receive', '--state', state, '--out', path.join(dir, 'o')], io)).toBe(3);
      expect(stderr()).toContain('auth0-log-tools receive:');
    } finally {
      await lock.release();
    }
  });
});
