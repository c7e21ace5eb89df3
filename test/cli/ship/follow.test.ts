import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import type { Timing } from '../../../src/pipeline/retry';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import type { StoredState } from '../../../src/types';
import { captureIo, ndjsonIds, startEndpoint, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let caFile: string;
let state: string;

beforeEach(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 250, seed: 5 });
  caFile = path.join(dir, 'ca.pem');
  state = path.join(dir, 'state.json');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** An instant clock: `sleep` moves it; `onSleep` sees each wait (and may stop the command). */
function instantTiming(
  onSleep: (ms: number, slept: number[]) => void = () => undefined,
  random = 1,
  start = Date.parse('2026-01-01T00:00:00Z'),
) {
  let clock = start;
  const slept: number[] = [];
  const timing: Partial<Timing> = {
    now: () => clock,
    random: () => random,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
      onSleep(ms, slept);
    },
  };
  return { timing, slept };
}

function setup(signal: AbortSignal, timing: Partial<Timing>, env: Record<string, string> = {}) {
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
      ...env,
    },
    signal,
    timing,
  });
  return { ...capture, base: ['--ca-file', caFile, '--state', state] };
}

const stored = async () => JSON.parse(await fs.readFile(state, 'utf8')) as StoredState;
const expectedIds = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => tenant.logIdAt(from + i));

describe('ship --follow outlives outages', () => {
  it('draws each wait with full jitter: between 0 and the doubled wait', async () => {
    const endpoint = await startEndpoint((n) => (n < 3 ? 503 : 200));
    const controller = new AbortController();
    const { timing, slept } = instantTiming((ms) => {
      if (ms === 10_000) controller.abort();
    }, 0.25);
    try {
      const { io, base } = setup(controller.signal, timing);
      const argv = [...base, '--follow', '--post', endpoint.url, '--max-retries', '0', '--json'];
      expect(await runShip(argv, io)).toBe(0);
      expect(slept).toEqual([250, 500, 1000, 10_000]);
    } finally {
      await endpoint.close();
    }
  });

  it('backs off exponentially (capped at 60 s) while the destination is down, then goes on', async () => {
    const endpoint = await startEndpoint((n) => (n < 8 ? 503 : 200));
    const controller = new AbortController();
    const { timing, slept } = instantTiming((ms) => {
      if (ms === 10_000) controller.abort(); // the first poll interval: everything was shipped
    });
    try {
      const { io, stdout, stderr, base } = setup(controller.signal, timing);
      const argv = [...base, '--follow', '--post', endpoint.url, '--max-retries', '0', '--json'];
      expect(await runShip(argv, io)).toBe(0);
      expect(slept).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 10_000]);
      expect(endpoint.ids()).toEqual(expectedIds(0, 250));
      expect(stderr()).toContain(
        `auth0-log-tools ship: poll failed (1 in a row): The handler failed: POST ${endpoint.url} answered 503 Service Unavailable: nope; retrying in 1.0s\n`,
      );
      expect(stderr()).toContain('poll failed (8 in a row)');
      expect(stderr()).toContain('retrying in 1m 0s');
      expect(stderr()).toContain('poll succeeded after 8 failures');
      expect(JSON.parse(stdout())).toMatchObject({
        status: 'stopped',
        stopReason: 'aborted',
        logsShipped: 250,
        runs: 9,
      });
      // one history entry per poll that failed or shipped
      const history = (await stored()).logs ?? [];
      expect(history.map((run) => (run.error ? 'failed' : run.logsProcessed))).toEqual([
        ...Array<string>(8).fill('failed'),
        250,
      ]);
    } finally {
      await endpoint.close();
    }
  });

  it('keeps following while the tenant is unreachable', async () => {
    const controller = new AbortController();
    const { timing, slept } = instantTiming((ms, all) => {
      if (all.length === 3) tenant.setOptions({ failRate: 0 });
      if (ms === 10_000) controller.abort();
    });
    tenant.setOptions({ failRate: 1 });
    const { io, stdout, stderr, base } = setup(controller.signal, timing);
    expect(await runShip([...base, '--follow', '--max-retries', '0'], io)).toBe(0);
    expect(slept).toEqual([1000, 2000, 4000, 10_000]);
    expect(stderr()).toMatch(
      /poll failed \(3 in a row\): An internal server error occurred; retrying in 4\.0s/,
    );
    expect(ndjsonIds(stdout())).toEqual(expectedIds(0, 250));
  });

  it('stops cleanly on a signal during a backoff: exit 0, checkpoint kept, no error recorded for it', async () => {
    const endpoint = await startEndpoint((n) => (n === 0 ? 200 : 500));
    const controller = new AbortController();
    const { timing } = instantTiming((_, all) => {
      if (all.length === 2) controller.abort();
    });
    try {
      const { io, stdout, base } = setup(controller.signal, timing);
      const argv = [
        ...base,
        '--follow',
        '--post',
        endpoint.url,
        '--batch-size',
        '100',
        '--max-retries',
        '0',
        '--json',
      ];
      expect(await runShip(argv, io)).toBe(0);
      expect(JSON.parse(stdout())).toMatchObject({
        status: 'stopped',
        stopReason: 'aborted',
        logsShipped: 100,
        checkpoint: tenant.logIdAt(99),
      });
      const doc = await stored();
      expect(doc.checkpointId).toBe(tenant.logIdAt(99));
      expect((doc.logs ?? []).map((run) => (run.error ? 'failed' : 'ok'))).toEqual([
        'failed',
        'failed',
      ]);
    } finally {
      await endpoint.close();
    }
  });

  it('records no history entry for an idle poll', async () => {
    const controller = new AbortController();
    const { timing } = instantTiming((_, all) => {
      if (all.length === 2) tenant.addLogs(5);
      if (all.length === 5) controller.abort();
    });
    const { io, stdout, base } = setup(controller.signal, timing);
    expect(await runShip([...base, '--follow', '--json', '--out', '-'], io)).toBe(0);
    expect(ndjsonIds(stdout())).toEqual(expectedIds(0, 255));
    expect(((await stored()).logs ?? []).map((run) => run.logsProcessed)).toEqual([250, 5]);
  });

  it.each<[string, number, RegExp]>([
    ['401', 401, /answered 401 Unauthorized: nope \(it wants credentials: pass them with --header/],
    [
      '413',
      413,
      /answered 413 Payload Too Large: nope \(the batch is too large for it: lower --batch-size\)/,
    ],
    ['400', 400, /answered 400 Bad Request: nope \(it refuses the batch; retrying cannot help\)/],
  ])(
    'ends on a destination %s (permanent), with its advice and no "run again"',
    async (_, code, message) => {
      const endpoint = await startEndpoint(() => code);
      const controller = new AbortController();
      const { timing, slept } = instantTiming();
      try {
        const { io, stdout, stderr, base } = setup(controller.signal, timing);
        const argv = [...base, '--follow', '--post', endpoint.url, '--max-retries', '0'];
        expect(await runShip(argv, io)).toBe(1);
        expect(slept).toEqual([]);
        expect(stderr()).toMatch(message);
        expect(stdout()).toMatch(/^Failed after shipping 0 logs .*; checkpoint none\.\n$/);
        expect(stdout()).not.toContain('run again');
      } finally {
        await endpoint.close();
      }
    },
  );

  it('ends on refused credentials, advising to check them', async () => {
    const controller = new AbortController();
    const { timing, slept } = instantTiming();
    const { io, stdout, stderr, base } = setup(controller.signal, timing, {
      AUTH0_CLIENT_SECRET: 'wrong-secret-0123456789',
    });
    expect(await runShip([...base, '--follow'], io)).toBe(1);
    expect(slept).toEqual([]);
    expect(stdout()).toBe('');
    expect(stderr()).toMatch(/^auth0-log-tools ship: Invalid credentials/);
    expect(stderr()).toMatch(
      /; check the credentials \(--client-id, --client-secret or AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET\)\.\n$/,
    );
    expect(stdout() + stderr()).not.toContain('wrong-secret-0123456789');
  });

  it('says why a run stopped: the run-time limit, and how far behind it is', async () => {
    tenant.addLogs(750);
    let clock = Date.now();
    let shipped = false;
    const { io, stdout, stderr, base } = setup(new AbortController().signal, {
      // time jumps by 1 s per reading once the first batch is out: the limit hits mid-run
      now: () => (shipped ? (clock += 1000) : clock),
      sleep: async () => undefined,
    });
    const stdoutWrite = io.stdout.write.bind(io.stdout);
    io.stdout.write = (chunk, callback) => {
      shipped = true;
      return stdoutWrite(chunk, callback);
    };
    expect(
      await runShip([...base, '--max-run-time', '3', '--batch-size', '50', '--json'], io),
    ).toBe(0);
    const summary = JSON.parse(stderr()) as Record<string, number | string>;
    expect(summary).toMatchObject({ status: 'ok', stopReason: 'max_run_time' });
    expect(summary.logsShipped).toBeLessThan(1000);
    expect(summary.behindMs).toBeGreaterThan(0);
    expect(ndjsonIds(stdout())).toEqual(expectedIds(0, summary.logsShipped as number));
  });

  it('words each stop reason in the human summary', async () => {
    const { summaryLine } = await import('../../../src/cli/summary');
    const base = {
      status: 'ok' as const,
      logsShipped: 10,
      runs: 1,
      durationMs: 1000,
      logsPerSecond: 10,
      destination: 'stdout',
      state: '/s.json',
      startCheckpoint: null,
      checkpoint: null,
      newestLogDate: '2026-01-01T00:00:00.000Z',
      warnings: [],
      skippedLogs: 0,
      behindMs: 34 * 3600_000,
    };
    const now = Date.parse('2026-01-02T10:00:00.000Z');
    expect(summaryLine({ ...base, stopReason: 'caught_up' }, now)).toContain(
      'Shipped 10 logs to stdout in 1.0s (10 logs/s), caught up;',
    );
    expect(summaryLine({ ...base, stopReason: 'max_run_time' }, now)).toContain(
      'stopped at the run-time limit (--max-run-time); checkpoint none; newest log 2026-01-01T00:00:00.000Z; not caught up (1d 10h behind): run again to continue.',
    );
    expect(summaryLine({ ...base, stopReason: 'rate_limit' }, now)).toContain(
      "stopped by the tenant's rate limit",
    );
    expect(summaryLine({ ...base, status: 'stopped', stopReason: 'aborted' }, now)).toMatch(
      /^Stopped after shipping 10 logs/,
    );
    expect(
      summaryLine(
        {
          ...base,
          status: 'failed',
          stopReason: 'failed',
          error: 'x',
          advice: 'run again to resume from the checkpoint',
        },
        now,
      ),
    ).toMatch(/^Failed after shipping 10 logs.*; run again to resume from the checkpoint\.$/);
  });
});

describe('ship: a state belongs to one tenant', () => {
  it("refuses another tenant's state before sending it anything", async () => {
    const first = setup(new AbortController().signal, {});
    expect(await runShip([...first.base, '--quiet'], first.io)).toBe(0);
    const before = await fs.readFile(state, 'utf8');
    expect((JSON.parse(before) as StoredState).tenant).toEqual({
      domain: tenant.domain,
      clientId: tenant.clientId,
    });

    const other = await startFakeTenant({ logs: 10, seed: 6 });
    try {
      await fs.writeFile(path.join(dir, 'other.pem'), other.ca);
      const { io, stdout, stderr } = captureIo({
        env: {
          AUTH0_DOMAIN: other.domain,
          AUTH0_CLIENT_ID: other.clientId,
          AUTH0_CLIENT_SECRET: other.clientSecret,
        },
      });
      const argv = ['--ca-file', path.join(dir, 'other.pem'), '--state', state];
      expect(await runShip(argv, io)).toBe(1);
      expect(stderr()).toBe(
        `auth0-log-tools ship: This state belongs to tenant ${tenant.domain} (client id ${tenant.clientId}), not ${other.domain}: it holds that tenant's checkpoint and access token. Use one state per tenant.\n`,
      );
      expect(stdout()).toBe('');
      expect(other.stats()).toMatchObject({ tokenRequests: 0, logRequests: 0 });
      expect(await fs.readFile(state, 'utf8')).toBe(before);
    } finally {
      await other.close();
    }
  });
});

describe('ship progress on a terminal', () => {
  it('counts down a retry and a rate-limit wait on the progress line', async () => {
    tenant.enqueue({ path: 'logs', status: 503, body: { error: 'Service Unavailable' } });
    tenant.enqueue({
      path: 'logs',
      status: 429,
      body: { error: 'Too Many Requests' },
      headers: { 'retry-after': '4', 'x-ratelimit-remaining': '0' },
    });
    const { timing } = instantTiming();
    const { io, stderr, base } = setup(new AbortController().signal, timing);
    const tty = { ...io, isTTY: true, columns: 300 };
    expect(await runShip([...base, '--out', path.join(dir, 'o.ndjson')], tty)).toBe(0);
    const frames = stderr().split('\r\u001b[K');
    expect(frames[1]).toMatch(/^shipped 0 logs · 0\/s · lag - · connecting · /);
    expect(
      frames.some((f) =>
        /^shipped 0 logs · 0\/s · lag - · request failed, retry in \ds · /.test(f),
      ),
    ).toBe(true);
    expect(
      frames.some((f) => / · (request failed, retry in|rate limit, waiting) 4s · /.test(f)),
    ).toBe(true);
  });

  it('draws no progress line when the logs go to the same terminal', async () => {
    // without --follow, ship stops at logs dated after it started: its clock is past the tenant's
    const { timing } = instantTiming(undefined, 1, Date.now());
    const { io, stdout, stderr, base } = setup(new AbortController().signal, timing);
    const tty = { ...io, isTTY: true, stdoutIsTTY: true, columns: 100 };
    expect(await runShip(base, tty)).toBe(0);
    expect(ndjsonIds(stdout())).toHaveLength(250);
    expect(stderr()).not.toContain('\r\u001b[K');
    expect(stderr()).toMatch(/^Shipped 250 logs to stdout/);
  });
});
