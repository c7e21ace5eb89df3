import https from 'node:https';
import { ArgumentError } from '../../src/errors';
import { startFakeTenant } from '../../src/testing';
import type { FakeTenant } from '../../src/testing';
import { LogGenerator } from '../../src/testing/log-generator';
import type { LogEvent } from '../../src/types';
import { fakeIdMs } from '../support/fake-log-id';
import { getLogs, getToken, manualClock } from '../support/https-client';

const START = Date.parse('2024-05-01T00:00:00.000Z');
/** 2,000 logs one second apart, a fifth of them written up to 2.5 s late. */
const SHAPE = {
  logs: 2000,
  seed: 3,
  startDate: START,
  endDate: START + 1999 * 1000,
  lateShare: 0.2,
  lateMs: 2500,
};
const idMs = fakeIdMs;

describe('late-written logs (LogGenerator)', () => {
  const late = (lateShare: number) =>
    new LogGenerator({
      seed: 1,
      count: 10_000,
      startMs: START,
      endMs: START + 9_999_000,
      lateShare,
      lateMs: 2500,
    });

  it('dates a seeded share of logs 1 to lateMs ms before their id, so date order differs from id order', () => {
    const logs = late(0.1);
    let lateCount = 0;
    let inversions = 0;
    let [min, max] = [Infinity, 0];
    let previousId = '';
    let wrong = 0;
    for (let i = 0; i < logs.count; i++) {
      const lateness = logs.latenessMsAt(i);
      const id = logs.idAt(i);
      if (logs.dateMsAt(i) !== logs.idMsAt(i) - lateness || !(id > previousId)) wrong++;
      previousId = id;
      if (lateness > 0) {
        lateCount++;
        [min, max] = [Math.min(min, lateness), Math.max(max, lateness)];
      }
      if (i > 0 && logs.dateMsAt(i) < logs.dateMsAt(i - 1)) inversions++;
    }
    // seed 1: 1,060 of 10,000 late (10.6 %), 619 logs dated before the log with the id just below
    expect(lateCount).toBe(1060);
    expect(inversions).toBe(619);
    expect([min, max]).toEqual([1, 2500]);
    expect(wrong).toBe(0);
    const log = logs.at(4321);
    expect(Date.parse(log.date)).toBe(logs.idMsAt(4321) - logs.latenessMsAt(4321));
    expect(logs.maxLateMs).toBe(2500);
  });

  it('writes no log late by default: dates never decrease with the id', () => {
    const logs = late(0);
    expect(logs.maxLateMs).toBe(0);
    for (let i = 1; i < logs.count; i++)
      expect(logs.dateMsAt(i)).toBeGreaterThanOrEqual(logs.dateMsAt(i - 1));
    expect(Array.from({ length: 100 }, (_, i) => logs.latenessMsAt(i * 100))).toEqual(
      Array(100).fill(0),
    );
  });
});

describe('a tenant with late-written logs', () => {
  const clock = manualClock(START + 2000 * 1000);
  let tenant: FakeTenant;
  let token: string;
  let agent: https.Agent;
  let all: LogEvent[];
  /** Every log sorted as Auth0's search sorts: by date, then by id. */
  let byDate: LogEvent[];

  beforeAll(async () => {
    tenant = await startFakeTenant({ ...SHAPE, now: clock.now });
    agent = new https.Agent({ keepAlive: true, ca: tenant.ca });
    token = await getToken(tenant, agent);
    all = Array.from({ length: tenant.logCount() }, (_, i) => tenant.logAt(i));
    byDate = [...all].sort(
      (a, b) =>
        Date.parse(a.date) - Date.parse(b.date) ||
        ((a.log_id as string) < (b.log_id as string) ? -1 : 1),
    );
  });
  afterAll(async () => {
    agent.destroy();
    await tenant.close();
  });
  const logs = (query: Record<string, string | number>) => getLogs(tenant, token, query, agent);
  const ids = (list: LogEvent[]) => list.map((log) => log.log_id);

  it('serves checkpoint pages in log_id order, late logs dated before smaller ids', async () => {
    const seen: LogEvent[] = [];
    for (let from = ''; ;) {
      const page: LogEvent[] = (await logs({ from, take: 100 })).json();
      if (page.length === 0) break;
      seen.push(...page);
      from = page[page.length - 1]?.log_id as string;
    }
    expect(seen).toEqual(all);
    const late = seen.filter((log) => Date.parse(log.date) < idMs(log));
    const outOfDateOrder = seen.filter(
      (log, i) => i > 0 && log.date < (seen[i - 1] as LogEvent).date,
    );
    // seed 3: 375 of 2,000 late (18.75 %), 178 dated before the log just below them
    expect(late).toHaveLength(375);
    expect(outOfDateOrder).toHaveLength(178);
    expect(Math.max(...late.map((log) => idMs(log) - Date.parse(log.date)))).toBeLessThanOrEqual(
      2500,
    );
  });

  it('sorts search results by date (sort=date:1), so the oldest 100 by date come in another order than by id', async () => {
    const first = await logs({ per_page: 100, page: 0, sort: 'date:1' });
    expect(ids(first.json())).toEqual(ids(byDate.slice(0, 100)));
    // seed 3: the 100 oldest by date are ids 0..99, 17 of them at another place than in id order
    const moved = ids(first.json()).filter((id, k) => id !== all[k]?.log_id);
    expect(moved).toHaveLength(17);
    expect(new Set(ids(first.json()))).toEqual(new Set(ids(all.slice(0, 100))));
    for (const page of [3, 9]) {
      const res = await logs({ per_page: 100, page, sort: 'date:1' });
      expect(ids(res.json())).toEqual(ids(byDate.slice(page * 100, page * 100 + 100)));
    }
    const newest = await logs({ per_page: 100, page: 2 });
    expect(ids(newest.json())).toEqual(ids([...byDate].reverse().slice(200, 300)));
  });

  it('finds a date range by date, late logs whose id is past the range included', async () => {
    // the range ends at a late log's date: that log's id time is past the range, it is found all the same
    const lateLog = byDate.slice(560).find((log) => Date.parse(log.date) < idMs(log)) as LogEvent;
    const [from, to] = [byDate[500]?.date as string, lateLog.date];
    const expected = byDate.filter((log) => log.date >= from && log.date <= to);
    const res = await logs({
      q: `date:[${from} TO ${to}]`,
      sort: 'date:1',
      per_page: 100,
      include_totals: 'true',
    });
    expect(ids(res.json().logs)).toEqual(ids(expected));
    expect(res.json().total).toBe(expected.length);
    expect(expected.at(-1)?.log_id).toBe(lateLog.log_id);
    expect(idMs(lateLog)).toBeGreaterThan(Date.parse(to));
  });

  it.each([
    [9, 100, 200],
    [10, 100, 400],
    [19, 50, 200],
    [20, 50, 400],
    [332, 3, 200],
    [333, 3, 400],
  ])(
    'page %i with per_page %i answers %i: Auth0 pages through the first 1,000 results only',
    async (page, perPage, status) => {
      const res = await logs({ page, per_page: perPage, sort: 'date:1' });
      expect(res.status).toBe(status);
      if (status === 200) {
        expect(ids(res.json())).toEqual(
          ids(byDate.slice(page * perPage, page * perPage + perPage)),
        );
        return;
      }
      expect(res.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: `Requesting page ${page} exceeds the allowed maximum of 1000 records. To fetch results beyond 1000, use the checkpoint pagination method.`,
        errorCode: 'invalid_paging',
      });
    },
  );

  it('sends its own clock in the Date header: a tenant 1 h ahead of the client says so', async () => {
    const res = await logs({ from: '', take: 1 });
    expect(res.headers.date).toBe(new Date(clock.now()).toUTCString());
    expect(Date.parse(res.headers.date as string)).toBe(START + 2000 * 1000);
    clock.advance(3600_000);
    const later = await logs({ from: '', take: 1 });
    expect(Date.parse(later.headers.date as string)).toBe(START + 2000 * 1000 + 3600_000);
  });
});

it.each([
  [{ lateShare: 1.5 }, 'lateShare'],
  [{ lateShare: -0.1 }, 'lateShare'],
  [{ lateMs: 0 }, 'lateMs'],
  [{ lateMs: 2.5 }, 'lateMs'],
])('rejects %j naming `%s`', async (options, option) => {
  const error = await startFakeTenant(options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ArgumentError);
  expect((error as ArgumentError).option).toBe(option);
});
