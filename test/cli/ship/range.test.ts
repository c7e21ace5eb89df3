import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { NO_STATE_NOTE } from '../../../src/cli/ship/run';
import { rangeOptions } from '../../../src/cli/ship/range';
import { FAKE_TENANT_SHAPES, type FakeTenant } from '../../../src/testing';
import { logIdAt } from '../../../src/auth0/log-id';
import type { LogEvent } from '../../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';
import { startElasticPeer } from '../../support/elastic-peer';
import { useTenant } from '../../support/tenant';

/**
 * Issue 22, item 6: `ship --since/--until` ships exactly the logs dated in the range and stops,
 * with or without a state (without one, nothing is stored); a range shipped twice into
 * Elasticsearch stores each log once.
 */

/** 1,000 logs over 30 minutes on 2024-03-04 from 12:00 UTC, 5 % written up to 2.5 s late. */
const tenant = useTenant({ ...FAKE_TENANT_SHAPES.late, seed: 7 });
const SINCE = '2024-03-04T12:05:00Z';
const UNTIL = '2024-03-04T12:09:00Z';
const ES_KEY = 'ZXMtaWQ6cmFuZ2Uta2V5LTk5';

let dir: string;
let caFile: string;
let xdg: string;

beforeEach(async () => {
  dir = await tempDir();
  caFile = path.join(dir, 'ca.pem');
  xdg = path.join(dir, 'xdg');
  await fs.writeFile(caFile, tenant().ca);
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** `ship` in-process; the default state folder is `xdg` (it must stay absent without --state). */
async function ship(args: string[], env: Record<string, string> = {}, now = Date.now()) {
  const t: FakeTenant = tenant();
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: t.domain,
      AUTH0_CLIENT_ID: t.clientId,
      AUTH0_CLIENT_SECRET: t.clientSecret,
      XDG_STATE_HOME: xdg,
      ...env,
    },
    timing: { now: () => now, sleep: async () => undefined, random: () => 0 },
  });
  const code = await runShip(['--ca-file', caFile, ...args], capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

let logs: LogEvent[] | undefined;
/** Every log of the tenant, in id order (made once: it does not grow). */
const all = () =>
  (logs ??= Array.from({ length: tenant().logCount() }, (_, i) => tenant().logAt(i)));

/** The ids of the tenant's logs dated in [since, until), in id order. */
function expectedIds(since: number, until: number): string[] {
  return all()
    .filter((log: LogEvent) => Date.parse(log.date) >= since && Date.parse(log.date) < until)
    .map((log) => log.log_id as string);
}

/** Just past the date of a log written late after 12:05 (a log with a smaller id is dated after it). */
function lateUntil(): string {
  let newest = -Infinity;
  const late = all().find((log) => {
    const at = Date.parse(log.date);
    const found = at > Date.parse(SINCE) + 60_000 && newest > at;
    newest = Math.max(newest, at);
    return found;
  });
  return new Date(Date.parse((late as LogEvent).date) + 1).toISOString();
}

const stateFiles = async () => (await fs.readdir(xdg, { recursive: true }).catch(() => [])).length;

describe('ship --since --until', () => {
  it('ships exactly the logs dated in the range to stdout, stores nothing without --state', async () => {
    const { code, stdout, stderr } = await ship(['--since', SINCE, '--until', UNTIL, '--json']);
    expect(code).toBe(0);
    const expected = expectedIds(Date.parse(SINCE), Date.parse(UNTIL));
    expect(expected.length).toBeGreaterThan(100);
    expect(ndjsonIds(stdout)).toEqual(expected);
    const summary = JSON.parse(stderr) as { state: unknown; stopReason: string; note: string };
    expect(summary.state).toBeNull();
    expect(summary.note).toBe(NO_STATE_NOTE);
    expect(summary.stopReason).toBe('caught_up');
    expect(await stateFiles()).toBe(0);
    expect(await fs.readdir(dir)).toEqual(['ca.pem']);
  });

  it('--since 10m: this long before now, up to now (a simulated clock)', async () => {
    const now = Date.parse('2024-03-04T12:20:00Z');
    const { code, stdout } = await ship(['--since', '10m'], {}, now);
    expect(code).toBe(0);
    expect(ndjsonIds(stdout)).toEqual(expectedIds(now - 600_000, now));
    expect(await stateFiles()).toBe(0);
  });

  it('with --state: the checkpoint stops at the id of --until; the range again ships only its late-written end', async () => {
    const state = path.join(dir, 'state.json');
    const out = path.join(dir, 'range.ndjson');
    const until = lateUntil();
    const args = ['--since', SINCE, '--until', until, '--state', state, '--out', out];
    expect((await ship(args)).code).toBe(0);
    const stored = JSON.parse(await fs.readFile(state, 'utf8')) as { checkpointId: string };
    expect(stored.checkpointId).toBe(logIdAt(Date.parse(until)));
    const first = ndjsonIds(await fs.readFile(out, 'utf8'));
    expect(first).toEqual(expectedIds(Date.parse(SINCE), Date.parse(until)));
    expect((await ship(args)).code).toBe(0);
    const again = ndjsonIds(await fs.readFile(out, 'utf8')).slice(first.length);
    // the logs past the stored checkpoint that are dated before --until: written late
    const late = first.filter((id) => id > stored.checkpointId);
    expect(late.length).toBeGreaterThan(0);
    expect(again).toEqual(late);
  });

  it('a range shipped twice into Elasticsearch stores each log of it once', async () => {
    const es = await startElasticPeer(`ApiKey ${ES_KEY}`);
    try {
      const args = ['--since', SINCE, '--until', UNTIL, '--to', `elastic:${es.url}`];
      const env = { ELASTIC_API_KEY: ES_KEY };
      expect((await ship(args, env)).code).toBe(0);
      const stored = [...es.docs.keys()];
      const expected = expectedIds(Date.parse(SINCE), Date.parse(UNTIL));
      expect(stored.sort()).toEqual(expected.map((id) => `logs-auth0-default/${id}`).sort());
      const again = await ship([...args, '--json'], env);
      expect(again.code).toBe(0);
      // every log was sent again (answered 409, counted as delivered): nothing stored twice
      expect((JSON.parse(again.stdout) as { logsShipped: number }).logsShipped).toBe(
        expected.length,
      );
      expect([...es.docs.keys()].sort()).toEqual(stored.sort());
      expect(await stateFiles()).toBe(0);
    } finally {
      await es.close();
    }
  });

  it.each([
    [
      ['--since', 'yesterday'],
      /Expected --since to be an ISO date .* or a time before now \(30m, 6h, 2d\), got 'yesterday'/,
    ],
    [['--since', '2999-01-01'], /Expected --since to be a date in the past/],
    [
      ['--until', 'soon'],
      /Expected --until to be an ISO date .* or a log id \(56 digits\), got 'soon'/,
    ],
    [
      ['--since', UNTIL, '--until', SINCE],
      /--until 2024-03-04T12:05:00Z is not after --since 2024-03-04T12:09:00.000Z/,
    ],
    [
      ['--since', SINCE, '--start-from', SINCE],
      /--since and --start-from both say where to start; pass one/,
    ],
    [['--until', UNTIL, '--follow'], /pass --until or --follow, not both/],
    [['--start-from', 'soon', '--until', UNTIL], /Expected --start-from to be a log id or an ISO/],
  ])('refuses %j naming the flag, shipping nothing', async (args, message) => {
    const { code, stderr, stdout } = await ship(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    expect(await stateFiles()).toBe(0);
  });
});

describe('rangeOptions: --until as a time before now, as --since takes it', () => {
  const NOW = Date.parse('2026-03-04T12:00:00.000Z');

  it('makes `--since 6h --until 1h` the dates that long before now', () => {
    expect(rangeOptions({ since: '6h', until: '1h', follow: false }, NOW)).toEqual({
      startFrom: '2026-03-04T06:00:00.000Z',
      until: '2026-03-04T11:00:00.000Z',
    });
  });

  it('refuses an --until that is nearer the past than --since, naming both', () => {
    expect(() => rangeOptions({ since: '1h', until: '2h', follow: false }, NOW)).toThrow(
      '--until 2026-03-04T10:00:00.000Z is not after --since 2026-03-04T11:00:00.000Z',
    );
  });
});
