import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runShip, shipConfig, START_FROM_MAX_AHEAD_MS } from '../../../src/cli/ship/command';
import { typesAtLevel } from '../../../src/auth0/log-types';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { captureIo, ndjsonIds, startEndpoint, tempDir, waitFor } from '../../support/cli';

const CLEAR = '\r\u001b[K';
let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeEach(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 250, seed: 7 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Credentials through the environment, the CA and a state file in the temp folder. */
function setup(overrides: Parameters<typeof captureIo>[0] = {}) {
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
    },
    ...overrides,
  });
  const base = ['--ca-file', caFile, '--state', path.join(dir, 'state.json')];
  const all = () => capture.stdout() + capture.stderr();
  return { ...capture, base, all };
}

const expectedIds = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => tenant.logIdAt(from + i));

describe('ship: usage errors exit with 2 and name the flag', () => {
  it.each<[string[], boolean, RegExp]>([
    [
      [],
      false,
      /Missing the tenant domain, the client id, the client secret: set AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET \(or pass --domain, --client-id, --client-secret\)/,
    ],
    [
      ['--domain', 'a.auth0.com'],
      false,
      /Missing the client id, the client secret: set AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET \(or pass --client-id, --client-secret\)/,
    ],
    [['--domain', 'a', '--client-id', 'b'], false, /--client-secret or set AUTH0_CLIENT_SECRET/],
    [['--bogus'], false, /Unknown option '--bogus'.*ship --help/],
    [['--batch-size', '0'], true, /Expected --batch-size to be an integer from 1 to 1000, got '0'/],
    [
      ['--backfill-cursors', '0'],
      true,
      /Expected --backfill-cursors to be an integer from 1 to 32, got '0'/,
    ],
    [
      ['--backfill-cursors', '33'],
      true,
      /Expected --backfill-cursors to be an integer from 1 to 32, got '33'/,
    ],
    [
      ['--backfill-cursors', '2.5'],
      true,
      /Expected --backfill-cursors to be an integer from 1 to 32, got '2.5'/,
    ],
    [['--level', '9'], true, /Expected --level to be an integer from 0 to 4, got '9'/],
    [
      ['--max-run-time', '-1'],
      true,
      /^auth0-log-tools ship: Expected --max-run-time to have a value; one that starts with a dash is written --max-run-time=<value>\. Run `auth0-log-tools ship --help` for the flags\.\n$/,
    ],
    [['--max-run-time=-1'], true, /Expected --max-run-time to be a number above 0, got '-1'/],
    [['--max-run-time', '0'], true, /Expected --max-run-time to be a number above 0, got '0'/],
    [['--out', 'a', '--post', 'http://x'], true, /Pass one of --out or --post, not both/],
    [['--header', 'A: b'], true, /--header needs --post/],
    [['--post', 'ftp://x'], true, /Expected --post to be an http\(s\) URL, got a ftp: URL/],
    [['--post', 'nope'], true, /Expected --post to be an http\(s\) URL/],
    [
      ['--post', 'http://x', '--header', 'no colon'],
      true,
      /Expected --header to look like 'Name: value'/,
    ],
    [['--interval', '5'], true, /--interval needs --follow/],
    [['--follow', '--interval', 'soon'], true, /Expected --interval to be a number above 0/],
    [
      ['--out', '/nonexistent-folder/logs.ndjson'],
      true,
      /--out \/nonexistent-folder\/logs.ndjson: the folder \/nonexistent-folder does not exist; create it first/,
    ],
    [
      ['--out', path.join(process.execPath, 'logs.ndjson')],
      true,
      /--out \S+logs\.ndjson: \S+ is a file, not a folder; give the path of a file in a folder/,
    ],
    [['--types', 's,,f'], true, /Expected --types to be log type codes/],
    [['--types', 's,++x'], true, /Expected --types to be log type codes/],
    [
      ['--ca-file', '/nonexistent/ca.pem'],
      true,
      /Cannot read --ca-file \/nonexistent\/ca.pem: ENOENT/,
    ],
    [
      ['--start-from', 'yesterday'],
      true,
      /Expected --start-from to be a log id or an ISO 8601 date/,
    ],
    [['--domain', 'https://x/y'], true, /Expected --domain to be a host name/],
    // a single-value flag given twice (node:util kept the last one silently)
    [['--types', 's', '--types', 'f'], true, /--types given twice; give one comma-separated list/],
    [['--out', 'a', '--out', 'b'], true, /--out given twice; give it once/],
    [['--post', 'http://x', '--post', 'http://y'], true, /--post given twice; give it once/],
    [
      ['--client-secret', 'SEKRIT1', '--client-secret', 'SEKRIT2'],
      true,
      /^auth0-log-tools ship: --client-secret given twice; give it once\n$/,
    ],
    [['--out', os.tmpdir()], true, /--out \S+ is a folder; give the path of a file/],
    [
      ['--start-from', '2999-01-01'],
      true,
      /Expected --start-from to be a date in the past .*got '2999-01-01'/,
    ],
    [
      ['--batch-size', '1e2'],
      true,
      /Expected --batch-size to be an integer from 1 to 1000, got '1e2'/,
    ],
    [
      ['--backfill-cursors', '0x10'],
      true,
      /Expected --backfill-cursors to be an integer from 1 to 32, got '0x10'/,
    ],
  ])('%j', async (argv, creds, message) => {
    const { io, stdout, stderr } = setup(creds ? {} : { env: {} });
    expect(await runShip(argv, io)).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr()).toMatch(/^auth0-log-tools ship: /);
    expect(stdout()).toBe('');
  });

  it('changes nothing on a repeated flag: no request, no state file', async () => {
    const { io, stderr, base } = setup();
    expect(await runShip([...base, '--types', 's', '--types', 'f'], io)).toBe(2);
    expect(stderr()).toContain('--types given twice');
    expect(tenant.stats().tokenRequests + tenant.stats().logRequests).toBe(0);
    await expect(fs.stat(path.join(dir, 'state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes a --start-from date up to a day ahead of the local clock, not further', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    const env = { AUTH0_DOMAIN: 'a.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'x' };
    const config = (startFrom: string) => shipConfig({ 'start-from': startFrom }, env, () => now);
    expect(START_FROM_MAX_AHEAD_MS).toBe(24 * 3600 * 1000);
    expect(config('2026-06-02').startFrom).toBe('2026-06-02'); // midnight UTC, 12 h ahead
    expect(config('2026-06-02T12:00:00Z').startFrom).toBe('2026-06-02T12:00:00Z');
    expect(() => config('2026-06-02T12:00:01Z')).toThrow(
      "Expected --start-from to be a date in the past (at most a day ahead of this machine's clock, 2026-06-01T12:00:00.000Z), got '2026-06-02T12:00:01Z'",
    );
    expect(config(tenant.logIdAt(3)).startFrom).toBe(tenant.logIdAt(3)); // a log id is no date
  });

  it('refuses a --dead-letter of -, or the file --out or --state names', () => {
    const env = { AUTH0_DOMAIN: 'a.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'x' };
    const logs = path.join(dir, 'logs.ndjson');
    const state = path.join(dir, 'dl-state.json');
    // before: each was accepted, refused logs then mixed into the shipped logs or the state
    expect(() => shipConfig({ 'dead-letter': '-' }, env)).toThrow(
      '--dead-letter - is not stdout; give the path of a file for the refused logs',
    );
    expect(() => shipConfig({ out: logs, 'dead-letter': logs }, env)).toThrow(
      `--dead-letter and --out name the same file ${logs}; give the dead letter a file of its own`,
    );
    expect(() => shipConfig({ state, 'dead-letter': state }, env)).toThrow(
      `--dead-letter and --state name the same file ${state}`,
    );
    const refused = path.join(dir, 'refused.ndjson');
    expect(shipConfig({ out: logs, state, 'dead-letter': refused }, env).deadLetter).toBe(refused);
  });

  it('rejects a --ca-file that holds no certificate', async () => {
    const { io, stderr } = setup();
    await fs.writeFile(path.join(dir, 'empty.pem'), 'hello');
    expect(await runShip(['--ca-file', path.join(dir, 'empty.pem')], io)).toBe(2);
    expect(stderr()).toContain('to hold a PEM certificate');
  });

  it('prints its help with every flag and its default', async () => {
    const { io, stdout } = setup();
    expect(await runShip(['--help'], io)).toBe(0);
    expect(stdout()).toMatch(/^Usage: auth0-log-tools ship \[options\]/);
    expect(stdout()).toContain('--out <file>');
    expect(stdout()).toContain(
      '(default: ~/.local/state/auth0-log-tools/<tenant>--<destination>--<digest>.json',
    );
  });
});

describe('ship', () => {
  it('writes NDJSON to stdout by default and the summary to stderr', async () => {
    const { io, stdout, stderr, base } = setup();
    expect(await runShip([...base, '--batch-size', '40'], io)).toBe(0);
    expect(ndjsonIds(stdout())).toEqual(expectedIds(0, 250));
    expect(stderr()).toMatch(
      /^Shipped 250 logs to stdout in .*, caught up; checkpoint \d{56}; newest log [\d-]+T[\d:.]+Z\.\n$/,
    );
    expect(stderr()).not.toContain('behind'); // caught up: not behind, however old the newest log
    expect(stderr()).toContain(tenant.logIdAt(249));
  });

  it('prints a JSON summary with --json', async () => {
    const { io, stderr, base } = setup();
    expect(await runShip([...base, '--json', '--out', '-'], io)).toBe(0);
    const summary = JSON.parse(stderr()) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'ok',
      logsShipped: 250,
      runs: 1,
      destination: 'stdout',
      state: path.join(dir, 'state.json'),
      startCheckpoint: null,
      checkpoint: tenant.logIdAt(249),
      newestLogDate: tenant.logAt(249).date,
      warnings: [],
      skippedLogs: 0,
    });
    expect(summary).not.toHaveProperty('error');
  });

  it('appends to --out, resumes from the state file and ships nothing twice', async () => {
    const { io, stdout, base } = setup();
    const out = path.join(dir, 'logs.ndjson');
    expect(await runShip([...base, '--out', out], io)).toBe(0);
    expect(stdout()).toMatch(/^Shipped 250 logs to .*logs\.ndjson/);
    expect((await fs.stat(out)).mode & 0o777).toBe(0o600);

    const history = async () =>
      (JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { logs: unknown[] })
        .logs.length;
    expect(await history()).toBe(1);
    const again = setup();
    expect(await runShip([...base, '--out', out], again.io)).toBe(0);
    expect(again.stdout()).toMatch(/^Nothing new to ship to .*; checkpoint \d{56}\.\n$/);
    expect(await history()).toBe(1); // a run with nothing to ship is not added to the history

    tenant.addLogs(30);
    const third = setup();
    expect(await runShip([...base, '--out', out, '--json'], third.io)).toBe(0);
    expect(JSON.parse(third.stdout())).toMatchObject({
      logsShipped: 30,
      startCheckpoint: tenant.logIdAt(249),
    });
    expect(ndjsonIds(await fs.readFile(out, 'utf8'))).toEqual(expectedIds(0, 280));
  });

  it('filters by --types and --level and starts at --start-from', async () => {
    const { io, stdout, stderr, base } = setup();
    const types = ['s', ...typesAtLevel(3)];
    const argv = [...base, '--types', 's', '--level', '3', '--start-from', tenant.logIdAt(99)];
    expect(await runShip(argv, io)).toBe(0);
    const logs = stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { log_id: string; type: string });
    // the fake tenant generates only catalog codes: --level warns about no unknown type
    const expected = Array.from({ length: 150 }, (_, i) => tenant.logAt(100 + i)).filter((log) =>
      types.includes(log.type),
    );
    expect(logs.map((log) => log.log_id)).toEqual(expected.map((log) => log.log_id));
    expect(expected.length).toBeGreaterThan(0);
    expect(stderr()).not.toContain('does not know');
  });

  it.each([['+S'], ['s,+sslo'], ['+brand_new, f']])(
    'takes --types %j: a +code names a type the catalog does not know yet',
    async (value) => {
      const { io, stdout, stderr, base } = setup();
      tenant.enqueue({
        path: 'logs',
        status: 200,
        body: [
          { ...tenant.logAt(0), type: 'S' },
          { ...tenant.logAt(1), type: 'sslo' },
          { ...tenant.logAt(2), type: 'brand_new' },
          { ...tenant.logAt(3), type: 's' },
          { ...tenant.logAt(4), type: 'f' },
        ],
      });
      expect(await runShip([...base, '--types', value, '--max-run-time', '30'], io)).toBe(0);
      const wanted = value.split(',').map((code) => code.trim().replace(/^\+/, ''));
      const types = stdout()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { type: string }).type);
      expect(types.length).toBeGreaterThan(0);
      expect(types.every((type) => wanted.includes(type))).toBe(true);
      expect(types.filter((type) => ['S', 'sslo', 'brand_new'].includes(type))).toEqual(
        wanted.filter((type) => ['S', 'sslo', 'brand_new'].includes(type)),
      );
      expect(stderr()).not.toContain('Expected --types');
    },
  );

  it('starts at the first log at or after an ISO date given to --start-from', async () => {
    const { io, stdout, base } = setup();
    expect(await runShip([...base, '--start-from', tenant.logAt(180).date], io)).toBe(0);
    expect(ndjsonIds(stdout())).toEqual(expectedIds(180, 250));
  });

  it('POSTs each batch as a JSON array with the given headers; 2xx acknowledges', async () => {
    const endpoint = await startEndpoint(() => 202);
    try {
      const { io, stdout, base } = setup();
      const argv = [
        ...base,
        '--post',
        endpoint.url,
        '--header',
        'X-Api-Key: k-123456',
        '--header',
        'X-Other:v',
      ];
      expect(await runShip([...argv, '--batch-size', '100', '--json'], io)).toBe(0);
      expect(endpoint.received.map((r) => (r.body as unknown[]).length)).toEqual([100, 100, 50]);
      expect(endpoint.received[0]?.headers).toMatchObject({
        'content-type': 'application/json',
        'x-api-key': 'k-123456',
        'x-other': 'v',
      });
      expect(endpoint.ids()).toEqual(expectedIds(0, 250));
      expect(JSON.parse(stdout())).toMatchObject({ status: 'ok', destination: endpoint.url });
    } finally {
      await endpoint.close();
    }
  });

  it('fails with exit code 1 when the endpoint keeps refusing, then resumes without duplicates', async () => {
    let healthy = false;
    const endpoint = await startEndpoint((n) => (healthy || n < 2 ? 200 : 500));
    try {
      const secretHeader = 'Authorization: Bearer super-secret-header-value';
      const argv = [
        '--post',
        endpoint.url,
        '--header',
        secretHeader,
        '--max-retries',
        '1',
        '--json',
      ];
      const failed = setup();
      expect(await runShip([...failed.base, ...argv], failed.io)).toBe(1);
      expect(failed.stderr()).toMatch(
        /^auth0-log-tools ship: .*POST http:\/\/127\.0\.0\.1:\d+\/ingest answered 500/,
      );
      expect(JSON.parse(failed.stdout())).toMatchObject({
        status: 'failed',
        logsShipped: 200,
        checkpoint: tenant.logIdAt(199),
        error: expect.stringContaining('answered 500'),
      });
      expect(failed.all()).not.toContain('super-secret-header-value');

      healthy = true;
      const resumed = setup();
      expect(await runShip([...resumed.base, ...argv], resumed.io)).toBe(0);
      expect(endpoint.ids()).toEqual(expectedIds(0, 250));
    } finally {
      await endpoint.close();
    }
  });

  it('fails with exit code 1 when the endpoint cannot be reached', async () => {
    const endpoint = await startEndpoint(() => 200);
    await endpoint.close();
    const { io, stdout, stderr, base } = setup();
    expect(await runShip([...base, '--post', endpoint.url, '--max-retries', '0'], io)).toBe(1);
    expect(stderr()).toMatch(
      /^auth0-log-tools ship: .*POST http:\/\/127\.0\.0\.1:\d+\/ingest failed: ECONNREFUSED\n$/,
    );
    expect(stdout()).toMatch(
      /^Failed after shipping 0 logs .*; check the host and port of --post \(nothing accepts connections there\), then run again to resume from the checkpoint\.\n$/,
    );
  });

  it('fails with exit code 1 on refused credentials, never printing the secret', async () => {
    const secret = 'wrong-secret-0123456789';
    const { io, stderr, all, base } = setup({
      env: {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: secret,
      },
    });
    expect(await runShip([...base, '--json'], io)).toBe(1);
    expect(stderr()).toMatch(/^auth0-log-tools ship: .+/);
    expect(JSON.parse(stderr().split('\n')[1] ?? '')).toMatchObject({
      status: 'failed',
      logsShipped: 0,
    });
    expect(all()).not.toContain(secret);
  });

  it('takes the credentials from flags over the environment', async () => {
    const { io, stdout, stderr } = captureIo({
      env: { AUTH0_DOMAIN: 'unused.example', AUTH0_CLIENT_SECRET: 'nope' },
    });
    const argv = [
      '--domain',
      tenant.domain,
      '--client-id',
      tenant.clientId,
      '--client-secret',
      tenant.clientSecret,
      '--ca-file',
      caFile,
      '--state',
      path.join(dir, 'state.json'),
      '--quiet',
    ];
    expect(await runShip(argv, io)).toBe(0);
    expect(ndjsonIds(stdout())).toHaveLength(250);
    expect(stderr()).toBe('');
  });

  it('fails with exit code 1 on a corrupt state file and leaves it untouched', async () => {
    const { io, stdout, stderr, base } = setup();
    await fs.writeFile(path.join(dir, 'state.json'), '{"checkpointId": ');
    expect(await runShip(base, io)).toBe(1);
    expect(stderr()).toMatch(
      /^auth0-log-tools ship: .*The state file .*state\.json is corrupt: it is not valid JSON/,
    );
    expect(stderr().split('\n')).toHaveLength(2); // the reason only: no "run again" summary
    expect(stdout()).toBe('');
    expect(await fs.readFile(path.join(dir, 'state.json'), 'utf8')).toBe('{"checkpointId": ');
  });

  it('ships to a character device (/dev/null): no fsync, no partial-line cut, exit 0', async () => {
    const { io, stdout, base } = setup();
    expect(await runShip([...base, '--out', '/dev/null', '--json'], io)).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ status: 'ok', logsShipped: 250 });
  });

  it('creates no --out file when the state belongs to another tenant', async () => {
    const { io, stderr, base } = setup();
    await fs.writeFile(
      path.join(dir, 'state.json'),
      JSON.stringify({
        checkpointId: '1'.repeat(56),
        tenant: { domain: 'other.eu.auth0.com', clientId: 'x' },
      }),
    );
    const out = path.join(dir, 'logs.ndjson');
    expect(await runShip([...base, '--out', out], io)).toBe(1);
    expect(stderr()).toContain('This state belongs to tenant other.eu.auth0.com');
    await expect(fs.stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a first run against a mistyped --domain does not lock the state to the typo', async () => {
    const { io, stderr, base } = setup();
    const closed = await startFakeTenant();
    const typo = closed.domain;
    await closed.close(); // nothing listens there any more: the run fails to connect
    expect(await runShip([...base, '--domain', typo, '--max-retries', '0'], io)).toBe(1);
    expect(stderr()).toContain(typo);
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as object;
    expect(state).toMatchObject({ logs: [{ logsProcessed: 0 }] });
    expect(state).not.toHaveProperty('tenant');

    const right = setup();
    expect(await runShip([...right.base, '--domain', tenant.domain], right.io)).toBe(0);
    expect(ndjsonIds(right.stdout())).toEqual(expectedIds(0, 250));
    expect(JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8'))).toMatchObject({
      checkpointId: tenant.logIdAt(249),
      tenant: { domain: tenant.domain, clientId: tenant.clientId },
    });
  });

  it('fails with exit code 1 when --out cannot be written', async () => {
    const { io, stderr, base } = setup();
    // a name longer than any file system takes (root may open what a mode forbids)
    expect(await runShip([...base, '--out', path.join(dir, 'x'.repeat(300))], io)).toBe(1);
    expect(stderr()).toMatch(/Cannot write to .*: ENAMETOOLONG/);
  });

  it('refuses an --out that is a folder before anything runs (exit 2)', async () => {
    const { io, stderr, base } = setup();
    expect(await runShip([...base, '--out', dir], io)).toBe(2);
    expect(stderr()).toBe(
      `auth0-log-tools ship: --out ${dir} is a folder; give the path of a file\n`,
    );
    expect(tenant.stats().tokenRequests).toBe(0);
    await expect(fs.stat(path.join(dir, 'state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('draws progress on a terminal (stderr) and keeps stdout for the logs', async () => {
    tenant.setOptions({ latencyMs: 60 });
    // a clock that moves 1 s a reading: every batch passes the line's 100 ms redraw throttle, however
    // fast or slow the machine runs the batches
    let clock = Date.now();
    const { io, stdout, stderr, base } = setup({
      isTTY: true,
      columns: 200,
      timing: { now: () => (clock += 1000) },
    });
    expect(await runShip([...base, '--batch-size', '50'], io)).toBe(0);
    expect(ndjsonIds(stdout())).toHaveLength(250);
    const frames = stderr().split(CLEAR);
    expect(frames[0]).toBe('');
    expect(frames[1]).toBe('shipped 0 logs · 0/s · lag - · connecting · newest - · checkpoint -');
    expect(frames.slice(2, -2).length).toBeGreaterThan(0);
    for (const frame of frames.slice(2, -2)) {
      expect(frame).toMatch(
        /^shipped [12]?[05]0 logs · [\d,]+\/s · lag \d.* · shipping · newest \S+ · checkpoint \d{56}$/,
      );
    }
    expect(frames.at(-1)).toMatch(/^Shipped 250 logs to stdout/);
  });

  it('stops between batches on the signal, stores the checkpoint, and resumes', async () => {
    const controller = new AbortController();
    const endpoint = await startEndpoint((n) => {
      if (n === 1) controller.abort();
      return 200;
    });
    try {
      const first = setup({ signal: controller.signal });
      const argv = [...first.base, '--post', endpoint.url, '--batch-size', '50', '--json'];
      expect(await runShip(argv, first.io)).toBe(0);
      const summary = JSON.parse(first.stdout()) as {
        status: string;
        logsShipped: number;
        checkpoint: string;
      };
      expect(summary.status).toBe('stopped');
      expect(summary.logsShipped).toBe(100);
      expect(summary.checkpoint).toBe(tenant.logIdAt(99));

      const second = setup();
      expect(await runShip(argv, second.io)).toBe(0);
      expect(endpoint.ids()).toEqual(expectedIds(0, 250));
    } finally {
      await endpoint.close();
    }
  });

  it('--follow polls for new logs until the signal, then prints the summary', async () => {
    const controller = new AbortController();
    const { io, stdout, stderr, base } = setup({ signal: controller.signal });
    const running = runShip([...base, '--follow', '--interval', '0.05', '--json'], io);
    await waitFor(() => ndjsonIds(stdout()).length === 250);
    tenant.addLogs(20);
    await waitFor(() => ndjsonIds(stdout()).length === 270);
    // the poll that shipped them has ended (its line is written) before the signal: else it is
    // recorded as aborted, not caught up
    await waitFor(() => /: 20 logs shipped, caught_up; lag /.test(stderr()));
    controller.abort();
    expect(await running).toBe(0);
    expect(ndjsonIds(stdout())).toEqual(expectedIds(0, 270));
    // off a terminal, a line per poll, then the summary
    const lines = stderr().trimEnd().split('\n');
    const summary = JSON.parse(lines.at(-1) ?? '') as {
      status: string;
      logsShipped: number;
      runs: number;
    };
    expect(summary).toMatchObject({ status: 'stopped', logsShipped: 270 });
    expect(summary.runs).toBeGreaterThanOrEqual(2);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\S+Z \S+: 250 logs shipped, caught_up; lag /),
    );
    expect(lines).toContainEqual(expect.stringMatching(/: 20 logs shipped, caught_up; lag /));
  });

  it('--max-run-time bounds the whole of --follow, and the summary says why it stopped', async () => {
    let clock = 0;
    const slept: number[] = [];
    const { io, stdout, stderr, base } = setup({
      timing: {
        now: () => clock,
        sleep: async (ms) => {
          slept.push(ms);
          clock += ms;
        },
      },
    });
    const argv = [...base, '--follow', '--interval', '10', '--max-run-time', '25', '--json'];
    expect(await runShip(argv, io)).toBe(0);
    expect(ndjsonIds(stdout())).toEqual(expectedIds(0, 250));
    // polls at 0, 10 and 20 s; the last wait is cut to the 5 s left
    expect(slept).toEqual([10_000, 10_000, 5000]);
    const lines = stderr().trimEnd().split('\n');
    expect(JSON.parse(lines.pop() ?? '')).toMatchObject({
      status: 'ok',
      stopReason: 'max_run_time',
      runs: 3,
      logsShipped: 250,
    });
    // a line per poll, by the command's clock
    expect(lines).toEqual([
      expect.stringMatching(/^1970-01-01T00:00:00\.000Z \S+: 250 logs shipped, caught_up; lag /),
      expect.stringMatching(/^1970-01-01T00:00:10\.000Z \S+: 0 logs shipped, caught_up$/),
      expect.stringMatching(/^1970-01-01T00:00:20\.000Z \S+: 0 logs shipped, caught_up$/),
    ]);
  });
});
