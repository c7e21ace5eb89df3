import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import type { RunRecord } from '../../../src/cluster/run-record';
import type { Timing } from '../../../src/pipeline/retry';
import { FAKE_TENANT_SHAPES, startFakeTenant, type FakeTenant } from '../../../src/testing';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let caFile: string;
let out: string;
/** The one simulated clock of the tenant and the shipper (epoch ms). */
let clock: number;

beforeEach(async () => {
  dir = await tempDir();
  clock = Date.parse('2026-03-04T12:00:00Z');
  // a real tenant's shape: busy hours, quiet nights, some logs written late
  tenant = await startFakeTenant({
    ...FAKE_TENANT_SHAPES.realistic,
    logs: 300,
    seed: 23,
    now: () => clock,
  });
  caFile = path.join(dir, 'ca.pem');
  out = path.join(dir, 'logs.ndjson');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * The shipper's timing on the shared clock: each reading moves it `tickMs` (so a run takes
 * simulated time), `sleep` moves it by the wait; `onInterval` sees each wait of the poll interval
 * (the n-th, from 1) before it ends.
 */
function timing(onInterval: (n: number) => Promise<void> | void, tickMs = 0): Partial<Timing> {
  let intervals = 0;
  return {
    now: () => (clock += tickMs),
    random: () => 1,
    sleep: async (ms) => {
      if (ms === 10_000) await onInterval(++intervals);
      clock += ms;
    },
  };
}

function ship(argv: string[], t: Partial<Timing>, signal: AbortSignal, isTTY = false) {
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
    },
    isTTY,
    columns: 80,
    signal,
    timing: t,
  });
  const base = ['--ca-file', caFile, '--state', path.join(dir, 'state.json'), '--out', out];
  return { ...capture, code: runShip([...base, ...argv], capture.io) };
}

/** The JSON run lines of stderr (other lines are words: the metrics' address, a failed poll). */
const runLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RunRecord);

/** The age (s) at `time` of the newest log, by its date, among the first `count` logs. */
function lagAt(time: string, count: number): number {
  const dates = Array.from({ length: count }, (_, i) => Date.parse(tenant.logAt(i).date));
  return (Date.parse(time) - Math.max(...dates)) / 1000;
}

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** A metric's value in a Prometheus text page (`undefined` when absent). */
function metric(page: string, name: string, labels: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('ship --follow, watched', () => {
  it('prints a line per poll, and per --interval while it catches up, when stderr is not a terminal', async () => {
    const stop = new AbortController();
    const t = timing((n) => {
      if (n === 1) tenant.addLogs(7);
      if (n === 3) stop.abort();
    }, 200);
    const { code, stderr } = ship(['--follow', '--batch-size', '20'], t, stop.signal);
    expect(await code).toBe(0);
    const lines = stderr()
      .split('\n')
      .filter((line) => line.includes(`${tenant.domain}: `));
    const catching = lines.filter((line) => line.includes('so far, catching up'));
    const polls = lines.filter((line) => !line.includes('so far'));
    // the first poll took simulated minutes: lines while it went on, counting up
    expect(catching.length).toBeGreaterThan(0);
    const soFar = catching.map((line) => Number(/: (\d+) logs shipped/.exec(line)?.[1]));
    expect(soFar).toEqual([...soFar].sort((a, b) => a - b));
    expect(Math.max(...soFar)).toBeLessThan(300);
    for (const line of catching)
      expect(line).toMatch(/^\S+Z \S+: \d+ logs shipped, so far, catching up; lag \S+/);
    expect(polls).toHaveLength(3); // the backlog, the 7 new logs, a quiet poll (stopped in its wait)
    expect(polls[0]).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z ${tenant.domain}: 300 logs shipped, caught_up; lag `),
    );
    expect(polls[1]).toContain(': 7 logs shipped, caught_up; lag ');
    expect(polls[2]).toMatch(/: 0 logs shipped, caught_up$/);
    expect(ndjsonIds(await fs.readFile(out, 'utf8'))).toHaveLength(307);
    expect(stderr()).not.toContain(tenant.clientSecret);
  });

  it("writes JSON run lines with --log-format json, serve's shape, on a terminal too (no progress line)", async () => {
    const stop = new AbortController();
    const t = timing((n) => {
      if (n === 1) tenant.addLogs(5);
      if (n === 3) stop.abort();
    }, 200);
    const argv = ['--follow', '--log-format', 'json', '--batch-size', '20'];
    const { code, stderr } = ship(argv, t, stop.signal, true);
    expect(await code).toBe(0);
    expect(stderr()).not.toContain('\r\x1b[K');
    const records = runLines(stderr());
    const ended = records.filter((r) => !r.inProgress);
    expect(ended.map((r) => [r.logsProcessed, r.stopReason])).toEqual([
      [300, 'caught_up'],
      [5, 'caught_up'],
      [0, 'caught_up'],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({
        tenant: tenant.domain,
        worker: expect.stringMatching(/:\d+$/),
      });
      expect(new Date(record.time).toISOString()).toBe(record.time);
      expect(record.durationMs).toBeGreaterThanOrEqual(0);
    }
    const [first, second] = ended as [RunRecord, RunRecord];
    expect(first.checkpoint).toBe(tenant.logIdAt(299));
    expect(first.lagSeconds).toBeCloseTo(lagAt(first.time, 300), 3);
    expect(second.checkpoint).toBe(tenant.logIdAt(304));
    expect(second.lagSeconds).toBeCloseTo(lagAt(second.time, 305), 3);
    expect(ended[2]?.lagSeconds).toBeUndefined(); // shipped nothing
    const progress = records.filter((r) => r.inProgress);
    expect(progress.length).toBeGreaterThan(0);
    for (const r of progress) {
      expect(r.stopReason).toBeUndefined();
      expect(r.logsProcessed).toBeLessThan(300);
      expect(r.lagSeconds).toBeGreaterThan(0);
    }
  });

  it("serves /metrics (serve's names, counts equal to the logs shipped) and /healthz on loopback", async () => {
    // the first poll fails: /healthz answers 503 until one succeeds
    tenant.enqueue({ path: 'logs', status: 503, body: { error: 'Service Unavailable' } });
    const stop = new AbortController();
    type Scrape = { metrics: string; health: { status: number; text: string } };
    const scraped: Scrape[] = [];
    let url = '';
    let base = '';
    const scrape = async () => {
      url ||= /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr())?.[1] ?? '';
      base = url.replace(/\/metrics$/, '');
      scraped.push({ metrics: (await get(url)).text, health: await get(`${base}/healthz`) });
    };
    const t: Partial<Timing> = {
      now: () => (clock += 50),
      random: () => 1,
      sleep: async (ms) => {
        await scrape();
        if (ms === 10_000 && scraped.length === 2) tenant.addLogs(11);
        if (ms === 10_000 && scraped.length === 3) stop.abort();
        clock += ms;
      },
    };
    const argv = ['--follow', '--log-format', 'json', '--metrics-port', '0', '--max-retries', '0'];
    const { code, stderr } = ship(argv, t, stop.signal);
    expect(await code).toBe(0);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const shipped = ndjsonIds(await fs.readFile(out, 'utf8')).length;
    expect(shipped).toBe(311);
    const label = `tenant="${tenant.domain}"`;
    expect(scraped).toHaveLength(3);
    const [failed, caughtUp, more] = scraped as [Scrape, Scrape, Scrape];
    // after the failed poll: counted, and /healthz says why
    expect(failed.health.status).toBe(503);
    expect(JSON.parse(failed.health.text)).toMatchObject({
      status: 'unhealthy',
      reasons: [{ code: 'tenants_failing' }],
    });
    expect(metric(failed.metrics, 'auth0_log_tools_run_failures_total', label)).toBe(1);
    expect(
      metric(failed.metrics, 'auth0_log_tools_runs_total', `${label},stop_reason="failed"`),
    ).toBe(1);
    // after the backlog: every log counted, the lag as the run line says
    expect(caughtUp.health).toEqual({ status: 200, text: '{"status":"ok"}\n' });
    expect(metric(caughtUp.metrics, 'auth0_log_tools_logs_shipped_total', label)).toBe(300);
    const lines = runLines(stderr()).filter((r) => !r.inProgress && r.logsProcessed > 0);
    expect(metric(caughtUp.metrics, 'auth0_log_tools_lag_seconds', label)).toBe(
      lines[0]?.lagSeconds,
    );
    expect(
      metric(caughtUp.metrics, 'auth0_log_tools_runs_total', `${label},stop_reason="caught_up"`),
    ).toBe(1);
    // the next poll's 11 new logs: the count equals the logs in the file
    expect(metric(more.metrics, 'auth0_log_tools_logs_shipped_total', label)).toBe(shipped);
    expect(metric(more.metrics, 'auth0_log_tools_lag_seconds', label)).toBe(lines[1]?.lagSeconds);
    expect(more.metrics).toContain('auth0_log_tools_logs_dead_lettered_total');
    expect(scraped.map((s) => s.metrics).join('')).not.toContain(tenant.clientSecret);
    // the server closed with the command
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('ship --follow watch flags', () => {
  const never = new AbortController().signal;

  it.each([
    [['--metrics-port', '0'], '--metrics-port needs --follow'],
    [['--log-format', 'json'], '--log-format needs --follow'],
    [['--follow', '--log-format', 'xml'], "Expected --log-format to be text or json, got 'xml'"],
    [['--follow', '--metrics-host', '0.0.0.0'], '--metrics-host needs --metrics-port'],
    [
      ['--follow', '--metrics-port', '70000'],
      'Expected --metrics-port to be an integer from 0 to 65535',
    ],
  ])('refuses %j before anything runs (exit 2)', async (argv, message) => {
    const { code, stderr } = ship(
      argv,
      timing(() => undefined),
      never,
    );
    expect(await code).toBe(2);
    expect(stderr()).toContain(message);
    expect(tenant.stats().tokenRequests).toBe(0);
  });

  it('names prom-client when it is missing, and fetches nothing (exit 1)', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('prom-client', () => {
        throw new Error("Cannot find module 'prom-client'");
      });
      const isolated = await import('../../../src/cli/ship/command');
      const capture = captureIo({
        env: {
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
        },
        timing: timing(() => undefined),
      });
      const argv = ['--ca-file', caFile, '--state', path.join(dir, 's.json'), '--out', out];
      expect(await isolated.runShip([...argv, '--follow', '--metrics-port', '0'], capture.io)).toBe(
        1,
      );
      expect(capture.stderr()).toBe(
        'auth0-log-tools ship: cannot start: Metrics need the optional peer dependency prom-client: npm install prom-client\n',
      );
    });
    jest.dontMock('prom-client'); // the next tests load the real one
    expect(tenant.stats().tokenRequests).toBe(0);
  });

  it('names the flags when the port is taken, and fetches nothing (exit 1)', async () => {
    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const argv = ['--follow', '--metrics-port', String(port)];
      const { code, stderr } = ship(
        argv,
        timing(() => undefined),
        never,
      );
      expect(await code).toBe(1);
      expect(stderr()).toContain(
        `auth0-log-tools ship: cannot start: cannot listen on 127.0.0.1 port ${port} (--metrics-host, --metrics-port): `,
      );
      expect(stderr()).toContain('give an address of this machine and a free port');
      expect(tenant.stats().tokenRequests).toBe(0);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
