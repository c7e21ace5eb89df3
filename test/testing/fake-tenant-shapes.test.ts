import https from 'node:https';
import { ArgumentError } from '../../src/errors';
import { FAKE_TENANT_SHAPES, startFakeTenant } from '../../src/testing';
import type { FakeTenant, FakeTenantOptions } from '../../src/testing';
import { LogGenerator } from '../../src/testing/log-generator';
import type { LogEvent } from '../../src/types';
import { fakeIdMs } from '../support/fake-log-id';
import { getLogs, getToken, manualClock } from '../support/https-client';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Wednesday noon, after every pinned shape. */
const NOW = Date.parse('2024-05-08T12:00:00.000Z');

const tenants: FakeTenant[] = [];
const agents: https.Agent[] = [];
async function start(options: FakeTenantOptions) {
  const tenant = await startFakeTenant(options);
  tenants.push(tenant);
  const agent = new https.Agent({ keepAlive: true, ca: tenant.ca });
  agents.push(agent);
  const token = await getToken(tenant, agent);
  const logs = (query: Record<string, string | number>) => getLogs(tenant, token, query, agent);
  /** Every log kept, by checkpoint from `from`, in pages of 100. */
  const walk = async (from = '') => {
    const seen: LogEvent[] = [];
    for (;;) {
      const page: LogEvent[] = (await logs({ from, take: 100 })).json();
      if (page.length === 0) return seen;
      seen.push(...page);
      from = page[page.length - 1]?.log_id as string;
    }
  };
  return { tenant, logs, walk };
}
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(tenants.splice(0).map((tenant) => tenant.close()));
});

const idMs = fakeIdMs;
const count = <T>(items: T[], test: (item: T, i: number) => boolean) =>
  items.reduce((sum, item, i) => sum + (test(item, i) ? 1 : 0), 0);
/** Logs dated before the log with the id just below theirs. */
const outOfDateOrder = (logs: LogEvent[]) =>
  count(logs, (log, i) => i > 0 && log.date < (logs[i - 1] as LogEvent).date);

describe("realistic arrival (arrival: 'realistic')", () => {
  // Friday 2024-03-01 to Tuesday 2024-03-05, UTC
  const START = Date.parse('2024-03-01T00:00:00.000Z');
  const END = Date.parse('2024-03-05T00:00:00.000Z');
  const generator = (options: Partial<ConstructorParameters<typeof LogGenerator>[0]> = {}) =>
    new LogGenerator({ seed: 1, count: 10_000, startMs: START, endMs: END, ...options });
  const perHour = (logs: LogGenerator, day: string) => {
    const hours = Array<number>(24).fill(0);
    for (let i = 0; i < logs.count; i++) {
      const date = new Date(logs.idMsAt(i));
      if (date.toISOString().startsWith(day)) (hours[date.getUTCHours()] as number)++;
    }
    return hours;
  };

  it('writes busy working hours, quiet nights, and a quarter of a weekday on weekends', () => {
    const logs = generator({ arrival: 'realistic' });
    expect(logs.count).toBe(10_000);
    expect(logs.idMsAt(0)).toBe(START);
    expect(logs.idMsAt(9_999)).toBe(END);
    // Friday: 26 logs an hour at night, 317 from 9:00 to 17:00 (a twelfth)
    expect(perHour(logs, '2024-03-01')).toEqual([
      26, 25, 26, 25, 25, 26, 63, 158, 269, 317, 317, 316, 285, 317, 317, 316, 317, 253, 190, 143,
      111, 79, 47, 32,
    ]);
    const day = (d: string) => perHour(logs, d).reduce((a, b) => a + b, 0);
    expect([day('2024-03-01'), day('2024-03-02'), day('2024-03-03'), day('2024-03-04')]).toEqual([
      4000, 1000, 1000, 3999,
    ]);
    let decreasing = 0;
    for (let i = 1; i < logs.count; i++) if (logs.idMsAt(i) < logs.idMsAt(i - 1)) decreasing++;
    expect(decreasing).toBe(0);
  });

  it('keeps the even arrival exactly as before: one log every (end - start) / (logs - 1) ms', () => {
    const logs = generator({ count: 5 });
    expect([0, 1, 2, 3, 4].map((i) => logs.idMsAt(i))).toEqual(
      [0, 1, 2, 3, 4].map((i) => START + (i * (END - START)) / 4),
    );
  });

  it('adds attack bursts: thousands of failed logins (f, fu) within minutes', () => {
    const at = Date.parse('2024-03-04T03:00:00.000Z');
    const logs = generator({
      arrival: 'realistic',
      bursts: [{ atMs: at, logs: 3000, seconds: 180 }],
    });
    expect(logs.count).toBe(13_000);
    const burst: number[] = [];
    for (let i = 0; i < logs.count; i++) if (logs.isBurstAt(i)) burst.push(i);
    // 2,999 of the 3,000 (the burst's share of its minutes, spread evenly), all within the 3 minutes
    expect(burst).toHaveLength(2999);
    expect(new Set(burst.map((i) => logs.typeAt(i)))).toEqual(new Set(['f', 'fu']));
    expect(burst.every((i) => logs.at(i).type === logs.typeAt(i))).toBe(true);
    expect(logs.idMsAt(burst[0] as number)).toBeGreaterThanOrEqual(at);
    expect(logs.idMsAt(burst.at(-1) as number)).toBeLessThan(at + 180_000);
    const perMinute = [0, 1, 2].map((m) =>
      count(burst, (i) => Math.floor((logs.idMsAt(i) - at) / 60_000) === m),
    );
    expect(perMinute).toEqual([999, 1001, 999]);
    // the background keeps arriving at its night rate during the burst: 2 logs in those 3 minutes
    const inWindow = count(
      Array.from({ length: logs.count }, (_, i) => i),
      (i) => logs.idMsAt(i) >= at && logs.idMsAt(i) < at + 180_000,
    );
    expect(inWindow - burst.length).toBe(2);
  });
});

describe('FAKE_TENANT_SHAPES', () => {
  it('keeps the even default: no late log, dates in log_id order, evenly spaced', async () => {
    const clock = manualClock(NOW);
    const { tenant, walk } = await start({ ...FAKE_TENANT_SHAPES.even, logs: 500, now: clock.now });
    const all = await walk();
    expect(all).toHaveLength(500);
    expect(count(all, (log) => Date.parse(log.date) !== idMs(log))).toBe(0);
    expect(outOfDateOrder(all)).toBe(0);
    expect(Date.parse(all[0]?.date as string)).toBe(NOW - 2 * DAY);
    expect(Date.parse(all[499]?.date as string)).toBe(NOW);
    expect(tenant.logCount()).toBe(500);
  });

  it('realistic: diurnal logs over the 2 days before the clock, 1 % written late', async () => {
    const clock = manualClock(NOW);
    const { walk } = await start({ ...FAKE_TENANT_SHAPES.realistic, logs: 3000, now: clock.now });
    const all = await walk();
    expect(all).toHaveLength(3000);
    expect(count(all, (log) => Date.parse(log.date) < idMs(log))).toBe(31);
    const hour = (h: number) => count(all, (log) => new Date(idMs(log)).getUTCHours() === h);
    // Monday and Tuesday noon to noon: 2 nights at 3 a.m., 2 afternoons at 3 p.m.
    expect([hour(3), hour(15)]).toEqual([19, 238]);
  });

  it('burst: 3,000 failed logins in 3 minutes on a quiet Monday night, written out of date order', async () => {
    const clock = manualClock(NOW);
    const { tenant, logs, walk } = await start({ ...FAKE_TENANT_SHAPES.burst, now: clock.now });
    const all = await walk();
    expect(all).toHaveLength(4000);
    expect(tenant.logCount()).toBe(4000);
    const window = 'date:[2024-03-04T03:00:00.000Z TO 2024-03-04T03:03:00.000Z}';
    const failed = await logs({
      q: `${window} AND type:(f OR fu)`,
      per_page: 1,
      include_totals: 'true',
    });
    const everything = await logs({ q: window, per_page: 1, include_totals: 'true' });
    // by id time the 3 minutes hold 2,999 logs: the burst's 2,998 and 1 background log; by date
    // 2,997 (2 were written late enough to be dated before 03:00), 2,996 of them failed logins
    expect([failed.json().total, everything.json().total]).toEqual([2996, 2997]);
    const burstLogs = count(
      all,
      (log) =>
        idMs(log) >= Date.parse('2024-03-04T03:00:00.000Z') &&
        idMs(log) < Date.parse('2024-03-04T03:03:00.000Z'),
    );
    expect(burstLogs).toBe(2999);
    expect(count(all, (log) => Date.parse(log.date) < idMs(log))).toBe(443);
    expect(outOfDateOrder(all)).toBe(307);
  });

  it('quietDays: 30 logs over two weeks, whole days without a log', async () => {
    const clock = manualClock(NOW);
    const { walk } = await start({ ...FAKE_TENANT_SHAPES.quietDays, now: clock.now });
    const all = await walk();
    expect(all).toHaveLength(30);
    const days = new Set(all.map((log) => log.date.slice(0, 10)));
    expect(15 - days.size).toBe(2);
    const gaps = all.slice(1).map((log, i) => idMs(log) - idMs(all[i] as LogEvent));
    expect(Math.floor(Math.max(...gaps) / HOUR)).toBe(38);
  });

  it('late: 5 % of logs written up to 2.5 s late, some dated before smaller ids', async () => {
    const clock = manualClock(NOW);
    const { logs, walk } = await start({ ...FAKE_TENANT_SHAPES.late, now: clock.now });
    const all = await walk();
    expect(all).toHaveLength(1000);
    expect(count(all, (log) => Date.parse(log.date) < idMs(log))).toBe(51);
    expect(outOfDateOrder(all)).toBe(9);
    const byDate = [...all].sort(
      (a, b) =>
        Date.parse(a.date) - Date.parse(b.date) ||
        ((a.log_id as string) < (b.log_id as string) ? -1 : 1),
    );
    const oldest = await logs({ sort: 'date:1', per_page: 100 });
    expect(oldest.json().map((log: LogEvent) => log.log_id)).toEqual(
      byDate.slice(0, 100).map((log) => log.log_id),
    );
  });
});

describe('retention (retentionDays)', () => {
  it('drops logs older than N days by the tenant clock, also while a client reads', async () => {
    const clock = manualClock(NOW);
    const { tenant, logs, walk } = await start({ logs: 2000, retentionDays: 1, now: clock.now });
    // 2,000 logs over 2 days: the ones of the first day are gone (log 1000 is exactly 1 day old)
    expect(tenant.firstKeptIndex()).toBe(1000);
    const kept = await walk();
    expect(kept).toHaveLength(1000);
    expect(kept[0]).toEqual(tenant.logAt(1000));
    const oldest = await logs({ sort: 'date:1', per_page: 1, include_totals: 'true' });
    expect(oldest.json().total).toBe(1000);
    expect(oldest.json().logs[0].log_id).toBe(tenant.logIdAt(1000));

    // a client stopped at log 1100; 6 hours later its checkpoint has expired too
    const checkpoint = tenant.logIdAt(1100);
    clock.advance(6 * HOUR);
    expect(tenant.firstKeptIndex()).toBe(1250);
    // as Auth0 does: a `from` older than the oldest log kept answers from the oldest kept
    const page = (await logs({ from: checkpoint, take: 5 })).json();
    expect(page.map((log: LogEvent) => log.log_id)).toEqual(
      [1250, 1251, 1252, 1253, 1254].map((i) => tenant.logIdAt(i)),
    );
    expect(await walk(tenant.logIdAt(0))).toHaveLength(750);
    expect(tenant.logAt(0).log_id).toBe(tenant.logIdAt(0)); // the test can still read it
  });

  it('composes with growth and late logs: new logs arrive, old ones expire, ids stay in order', async () => {
    const clock = manualClock(NOW);
    const { tenant, walk } = await start({
      logs: 2000,
      startDate: NOW - DAY,
      retentionDays: 1,
      growth: 1,
      lateShare: 0.2,
      now: clock.now,
    });
    expect(tenant.firstKeptIndex()).toBe(0);
    const before = await walk();
    expect(before).toHaveLength(2000);
    const checkpoint = before.at(-1)?.log_id as string;
    clock.advance(2 * HOUR);
    // 7,200 new logs, one a second; 2 hours of the first day expired (2000 * 2/24 = 166.7, so 167)
    expect(tenant.logCount()).toBe(9200);
    expect(tenant.firstKeptIndex()).toBe(167);
    const fresh = await walk(checkpoint);
    expect(fresh).toHaveLength(7200);
    expect(fresh[0]).toEqual(tenant.logAt(2000));
    expect(count(fresh, (log) => Date.parse(log.date) < idMs(log))).toBe(1456);
    expect(outOfDateOrder(fresh)).toBe(765);
    const ids = fresh.map((log) => log.log_id as string);
    expect(count(ids, (id, i) => i > 0 && id <= (ids[i - 1] as string))).toBe(0);
    expect(await walk()).toHaveLength(9200 - 167);
  });
});

it.each([
  [{ arrival: 'bursty' }, 'arrival'],
  [{ bursts: { at: 0 } }, 'bursts'],
  [{ bursts: [{ at: NOW - HOUR, logs: 0, seconds: 60 }] }, 'bursts[0].logs'],
  [{ bursts: [{ at: NOW - HOUR, logs: 10, seconds: 0 }] }, 'bursts[0].seconds'],
  [{ bursts: [{ at: NOW - 3 * DAY, logs: 10, seconds: 60 }] }, 'bursts[0].at'],
  [{ bursts: [{ at: NOW - 30_000, logs: 10, seconds: 60 }] }, 'bursts[0].at'],
  [{ bursts: [{ at: 'soon', logs: 10, seconds: 60 }] }, 'bursts[0].at'],
  [{ retentionDays: -1 }, 'retentionDays'],
])('rejects %j naming `%s`', async (options, option) => {
  const error = await startFakeTenant({ ...(options as FakeTenantOptions), now: () => NOW }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArgumentError);
  expect((error as ArgumentError).option).toBe(option);
});
