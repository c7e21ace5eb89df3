import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/cli';
import { getLogType } from '../../src/auth0/log-types';
import type { Timing } from '../../src/pipeline/retry';
import type { LogEvent } from '../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../support/cli';
import { useTenant } from '../support/tenant';

/**
 * Issue 23, finding 1: `tail`, a human view of the logs, one line each, with `--json`, the filters
 * of `ship`, `--since` and `--follow`, that never reads or writes a state.
 */

/** The tenant's clock and tail's: simulated, standing still (sleeps move tail's). */
const NOW = Date.parse('2026-03-04T12:00:00.000Z');
/** 300 logs over the 50 minutes before NOW, 5 % written up to 2.5 s late. */
const tenant = useTenant({
  logs: 300,
  seed: 23,
  startDate: NOW - 50 * 60_000,
  endDate: NOW,
  lateShare: 0.05,
  lateMs: 2500,
  now: () => NOW,
});
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

let dir: string;
let caFile: string;
let xdg: string;

beforeEach(async () => {
  dir = await tempDir();
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant().ca);
  // the per-user state folder, holding a state ship would use for this tenant: left as it is
  xdg = path.join(dir, 'xdg');
  await fs.mkdir(path.join(xdg, 'auth0-log-tools'), { recursive: true });
  await fs.writeFile(path.join(xdg, 'auth0-log-tools', 'kept.json'), '{"checkpointId":null}');
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The files under `dir` with their contents: what a run may not change. */
async function snapshot(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await fs.readdir(dir, { recursive: true })) {
    const file = path.join(dir, name);
    if ((await fs.stat(file)).isFile()) files[name] = await fs.readFile(file, 'utf8');
  }
  return files;
}

async function tail(
  args: string[],
  tty: { stdout?: boolean; stderr?: boolean; columns?: number; env?: Record<string, string> } = {},
  timing: Partial<Timing> = {},
  signal?: AbortSignal,
) {
  const t = tenant();
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: t.domain,
      AUTH0_CLIENT_ID: t.clientId,
      AUTH0_CLIENT_SECRET: t.clientSecret,
      XDG_STATE_HOME: xdg,
      ...tty.env,
    },
    stdoutIsTTY: tty.stdout ?? false,
    isTTY: tty.stderr ?? false,
    ...(tty.columns === undefined ? {} : { columns: tty.columns }),
    timing: { now: () => NOW, sleep: async () => undefined, random: () => 0, ...timing },
    ...(signal ? { signal } : {}),
  });
  const before = await snapshot();
  const code = await runCli(['tail', '--ca-file', caFile, ...args], capture.io);
  // never a state: nothing under the state folder (or anywhere in the test's folder) changed
  expect(await snapshot()).toEqual(before);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

/** The logs dated from `since` (ms) up to NOW, in id order. */
function datedFrom(since: number): LogEvent[] {
  const t = tenant();
  return Array.from({ length: t.logCount() }, (_, i) => t.logAt(i)).filter(
    (log) => Date.parse(log.date) >= since && Date.parse(log.date) < NOW,
  );
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('auth0-log-tools tail', () => {
  it('one line per log of the last hour: date, type and its name, user, ip, client; 80 columns, no colour off a terminal', async () => {
    const { code, stdout, stderr } = await tail([]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const expected = datedFrom(NOW - 3_600_000);
    // every log but the one dated at NOW itself (the range ends when tail starts, excluded)
    expect(expected.length).toBe(299);
    const shown = lines(stdout);
    expect(shown).toHaveLength(expected.length);
    expect(stdout).not.toMatch(ANSI);
    shown.forEach((line, i) => {
      const log = expected[i] as LogEvent;
      expect(line.length).toBeLessThan(80);
      expect(line.startsWith(new Date(log.date).toISOString().slice(5, 19).replace('T', ' '))).toBe(
        true,
      );
      const name = getLogType(log.type)?.name as string;
      expect(line.slice(15, 36)).toMatch(new RegExp(`^${log.type} +${name.slice(0, 10)}`));
      if (log.ip) expect(line).toContain(log.ip);
    });
  });

  it('colours on a terminal, as wide as it is; NO_COLOR turns them off', async () => {
    const wide = await tail(['--since', '5m'], { stdout: true, columns: 120 });
    expect(wide.stdout).toMatch(ANSI);
    const plain = await tail(['--since', '5m'], {
      stdout: true,
      columns: 120,
      env: { NO_COLOR: '1' },
    });
    expect(plain.stdout).not.toMatch(ANSI);
    const shown = lines(plain.stdout);
    expect(shown).toHaveLength(datedFrom(NOW - 300_000).length);
    expect(Math.max(...shown.map((line) => line.length))).toBeGreaterThan(80);
    expect(Math.max(...shown.map((line) => line.length))).toBeLessThan(120);
  });

  it('--json: the logs as NDJSON; --types: only those types', async () => {
    const json = await tail(['--json', '--types', 'f,fp', '--since', '30m']);
    expect(json.code).toBe(0);
    const expected = datedFrom(NOW - 1_800_000).filter((log) => ['f', 'fp'].includes(log.type));
    expect(expected.length).toBeGreaterThan(0);
    expect(ndjsonIds(json.stdout)).toEqual(expected.map((log) => log.log_id));
    const bad = await tail(['--types', 'ff']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/`ff` is not an Auth0 log type; did you mean `f`\?.*--types/);
  });

  it('--follow: shows the new logs at each poll until a signal', async () => {
    const controller = new AbortController();
    let polls = 0;
    const sleep = async (ms: number) => {
      expect(ms).toBe(2000);
      polls += 1;
      if (polls === 1) tenant().addLogs(3);
      else controller.abort();
    };
    const { code, stdout } = await tail(
      ['--follow', '--interval', '2', '--json', '--since', '1m'],
      {},
      { sleep },
      controller.signal,
    );
    expect(code).toBe(0);
    // the logs dated from --since (a log written late and dated before it is not shown), then the
    // new ones as they come
    const t = tenant();
    const all = Array.from({ length: t.logCount() }, (_, i) => t.logAt(i));
    const shown = ndjsonIds(stdout);
    expect(shown).toEqual(
      all.filter((log) => Date.parse(log.date) >= NOW - 60_000).map((log) => log.log_id),
    );
    expect(shown.slice(-3)).toEqual(all.slice(-3).map((log) => log.log_id));
    expect(shown.length).toBeGreaterThan(3);
    expect(polls).toBe(2);
  });

  it('nothing to show: said on a terminal, silent otherwise', async () => {
    const args = ['--since', '2026-03-04T11:00:00Z', '--types', 'admin_update_launch'];
    const quiet = await tail(args);
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
    const said = await tail(args, { stderr: true });
    expect(said.stderr).toBe(
      'auth0-log-tools tail: no logs dated from 2026-03-04T11:00:00.000Z to 2026-03-04T12:00:00.000Z\n',
    );
  });

  it('refuses bad flags naming them', async () => {
    expect((await tail(['--since', 'soon'])).stderr).toMatch(/Expected --since to be an ISO date/);
    expect((await tail(['--interval', '5'])).stderr).toMatch(/--interval needs --follow/);
    expect((await tail(['--since', '2026-03-04T12:00:01Z'])).stderr).toBe(
      "auth0-log-tools tail: --since 2026-03-04T12:00:01Z is not before now (this machine's clock, 2026-03-04T12:00:00.000Z): no log is dated in the range yet; give a time in the past, or --follow to wait for them\n",
    );
  });

  it('--help names every flag; refused credentials fail the run (exit 1), saying why', async () => {
    const help = await tail(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--since', '--follow', '--json', '--types', '--level'])
      expect(help.stdout).toContain(flag);
    const refused = await tail([], { env: { AUTH0_CLIENT_SECRET: 'not-the-secret' } });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^auth0-log-tools tail: .*(401|403|[Uu]nauthorized|credentials)/,
    );
    expect(refused.stderr).not.toContain('not-the-secret');
  });

  it('stops once stdout is closed by its reader (tail | head), exit 0', async () => {
    const t = tenant();
    const written: string[] = [];
    const stdout = {
      write(chunk: string, callback?: (error?: Error | null) => void) {
        written.push(chunk);
        const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        if (callback) queueMicrotask(() => callback(error));
        return false;
      },
    };
    const capture = captureIo({
      stdout,
      env: {
        AUTH0_DOMAIN: t.domain,
        AUTH0_CLIENT_ID: t.clientId,
        AUTH0_CLIENT_SECRET: t.clientSecret,
      },
      timing: { now: () => NOW, sleep: async () => undefined, random: () => 0 },
    });
    const code = await runCli(['tail', '--ca-file', caFile, '--follow'], capture.io);
    expect(code).toBe(0);
    expect(written).toHaveLength(1); // one batch written, then nothing more asked
  });
});
