import { createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { LOG_CATEGORIES } from '../../../src/auth0/log-categories';
import { captureIo, tempDir } from '../../support/cli';

const TOTAL = 300;
const KEY = 'cli-pii-key-0123456789abcdef';
let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeAll(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: TOTAL, seed: 5, startDate: Date.now() - 3600_000 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});
afterAll(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  AUTH0_DOMAIN: tenant.domain,
  AUTH0_CLIENT_ID: tenant.clientId,
  AUTH0_CLIENT_SECRET: tenant.clientSecret,
  ...extra,
});

describe('ship --format --pii --pii-method --categories', () => {
  it('ships the categories as {log_id, data}, user names hashed with the key from the environment', async () => {
    const { io, stdout, stderr } = captureIo({ env: env({ AUTH0_LOG_TOOLS_PII_KEY: KEY }) });
    const out = path.join(dir, 'logs.ndjson');
    const state = path.join(dir, 'state.json');
    const argv = [
      ...['--ca-file', caFile, '--state', state, '--out', out, '--json'],
      ...['--format', 'stream', '--pii', 'email,username', '--pii-method', 'hash'],
      ...['--categories', 'auth.login.fail, ,auth.login.success'], // a blank item is left out
    ];
    expect(await runShip(argv, io)).toBe(0);
    const covered = new Set([
      ...(LOG_CATEGORIES['auth.login.fail'] ?? []),
      ...(LOG_CATEGORIES['auth.login.success'] ?? []),
    ]);
    const expected = Array.from({ length: TOTAL }, (_, k) => tenant.logAt(k)).filter((log) =>
      covered.has(log.type),
    );
    const lines = (await fs.readFile(out, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { log_id: string; data: Record<string, unknown> });
    expect(lines.map((l) => l.log_id)).toEqual(expected.map((l) => l.log_id));
    lines.forEach((line, i) => {
      const log = expected[i];
      expect(Object.keys(line)).toEqual(['log_id', 'data']);
      expect(line.data['type']).toBe(log?.type);
      expect(line.data['user_name']).toBe(
        createHmac('sha256', KEY)
          .update(log?.user_name ?? '')
          .digest('hex'),
      );
    });
    const shown = stdout() + stderr() + (await fs.readFile(state, 'utf8'));
    expect(shown).not.toContain(KEY);
    expect(JSON.parse(stdout())).toMatchObject({ status: 'ok', logsShipped: expected.length });
  });

  it.each([
    [
      ['--categories', 'auth.login.fial'],
      {},
      '--categories: `auth.login.fial` is not an Auth0 Log Streams category; did you mean `auth.login.fail`?',
    ],
    [['--format', 'json'], {}, "Expected --format to be 'raw' or 'stream', got 'json'"],
    [['--pii', 'emial'], {}, 'did you mean `email`?'],
    [['--pii-method', 'mask'], {}, '--pii-method needs --pii'],
    [
      ['--pii', 'email', '--pii-method', 'hash'],
      {},
      '--pii-method hash needs AUTH0_LOG_TOOLS_PII_KEY set to a secret key of at least 16 characters',
    ],
    [
      ['--pii', 'email', '--pii-method', 'hash'],
      { AUTH0_LOG_TOOLS_PII_KEY: 'sh0rt-key' },
      'at least 16 characters (e.g. from `openssl rand -hex 32`); it holds 9',
    ],
  ])('%j is refused naming the flag, before any request', async (flags, extra, message) => {
    const { io, stderr } = captureIo({ env: env(extra) });
    const requests = () => tenant.stats().tokenRequests + tenant.stats().logRequests;
    const before = requests();
    expect(before).toBeGreaterThan(0); // the first test's run
    expect(await runShip(['--ca-file', caFile, ...flags], io)).toBe(2);
    expect(stderr()).toContain(message);
    expect(stderr()).not.toContain('sh0rt-key');
    expect(requests()).toBe(before);
  });
});
