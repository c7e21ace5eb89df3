import https from 'node:https';
import { startFakeTenant } from '../../src/testing';
import type { FakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { getLogs, getToken, manualClock } from '../support/https-client';

const clock = manualClock();
let tenant: FakeTenant;
let token: string;
let agent: https.Agent;
let all: LogEvent[];

beforeAll(async () => {
  tenant = await startFakeTenant({ logs: 1234, now: clock.now, seed: 7 });
  agent = new https.Agent({ keepAlive: true, ca: tenant.ca });
  token = await getToken(tenant, agent);
  all = Array.from({ length: tenant.logCount() }, (_, i) => tenant.logAt(i));
});
afterAll(async () => {
  agent.destroy();
  await tenant.close();
});

const logs = async (query: Record<string, string | number>) => {
  const res = await getLogs(tenant, token, query, agent);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return res;
};
const ids = (list: LogEvent[]) => list.map((log) => log.log_id);

describe('checkpoint mode (from/take)', () => {
  it('walks every log once, in order, with no gaps', async () => {
    const seen: LogEvent[] = [];
    let from = '';
    for (;;) {
      const page: LogEvent[] = (await logs({ from, take: 100 })).json();
      if (page.length === 0) break;
      seen.push(...page);
      from = page[page.length - 1]?.log_id as string;
    }
    expect(seen).toHaveLength(1234);
    expect(seen).toEqual(all);
    expect(new Set(ids(seen)).size).toBe(1234);
  });

  it("sends Auth0's Link header: the next page from the last id, or the request's own URL when empty", async () => {
    const page = await logs({ from: tenant.logIdAt(10), take: 5 });
    const next = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link))?.[1] as string;
    const url = new URL(next);
    expect(url.origin).toBe(tenant.baseUrl);
    expect(url.pathname).toBe('/api/v2/logs');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      from: tenant.logIdAt(15),
      take: '5',
    });
    const followed = await logs(Object.fromEntries(url.searchParams));
    expect(ids(followed.json())).toEqual(ids(all.slice(16, 21)));
    const last = tenant.logIdAt(1233);
    const empty = await logs({ from: last, take: 100 });
    expect(empty.json()).toEqual([]);
    expect(empty.headers.link).toBe(
      `<${tenant.baseUrl}/api/v2/logs?from=${last}&take=100>; rel="next"`,
    );
    expect((await logs({ per_page: 5, page: 0 })).headers.link).toBeUndefined();
  });

  it('takes 50 by default and starts after an id that is not an exact log_id', async () => {
    expect((await logs({ from: tenant.logIdAt(10) })).json()).toEqual(all.slice(11, 61));
    const between = `${tenant.logIdAt(500).slice(0, -1)}9`;
    expect(ids((await logs({ from: between, take: 2 })).json())).toEqual(ids(all.slice(501, 503)));
    expect((await logs({ from: '0', take: 1 })).json()).toEqual([all[0]]);
    expect((await logs({ from: '99999', take: 5 })).json()).toEqual([]);
  });

  it('ignores q, sort, fields, page and per_page', async () => {
    const query = { from: tenant.logIdAt(0), take: 3, q: 'type:nothing', sort: 'date:-1' };
    const res = await logs({ ...query, fields: 'date', page: 3, per_page: 7 });
    expect(res.json()).toEqual(all.slice(1, 4));
  });

  it.each([101, 0, -1, 'ten', 2.5])('answers 400 for take=%p', async (take) => {
    const res = await logs({ from: '', take });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringMatching(/^Query validation error: .*take/),
      errorCode: 'invalid_query_string',
    });
  });
});

describe('search mode', () => {
  const byDateDesc = () => [...all].reverse();

  it('returns the newest 50 by default and the oldest with sort=date:1', async () => {
    expect((await logs({})).json()).toEqual(byDateDesc().slice(0, 50));
    const res = await logs({ sort: 'date:1', per_page: 100, page: 2 });
    expect(res.json()).toEqual(all.slice(200, 300));
    expect(res.headers['x-ratelimit-remaining']).toBe('50');
  });

  it('filters by type with OR and grouped forms', async () => {
    const expected = all.filter((log) => log.type === 's' || log.type === 'fp');
    expect(expected.length).toBeGreaterThan(100);
    for (const q of ['type:s OR type:fp', 'type:(s OR fp)', '(type:"s" OR type:fp)']) {
      const res = await logs({ q, sort: 'date:1', per_page: 100 });
      expect(res.json()).toEqual(expected.slice(0, 100));
    }
    const page = await logs({ q: 'type:s', per_page: 10, page: 1, include_totals: 'true' });
    const onlyS = all.filter((log) => log.type === 's').reverse();
    expect(page.json()).toEqual({
      start: 10,
      limit: 10,
      length: 10,
      total: onlyS.length,
      logs: onlyS.slice(10, 20),
    });
  });

  it('filters by date range with AND, open ends and wildcards', async () => {
    const [from, to] = [all[100]?.date as string, all[150]?.date as string];
    const q = `date:[${from} TO ${to}] AND type:s*`;
    const expected = all.filter(
      (log) => log.date >= from && log.date <= to && log.type.startsWith('s'),
    );
    expect(expected.length).toBeGreaterThan(5);
    expect((await logs({ q, sort: 'date:1' })).json()).toEqual(expected);
    const open = await logs({ q: `date:{${to} TO *]`, include_totals: 'true', per_page: 1 });
    expect(open.json().total).toBe(all.filter((log) => log.date > to).length);
    expect((await logs({ q: 'NOT type:s', per_page: 100 })).json()).toEqual(
      byDateDesc()
        .filter((log) => log.type !== 's')
        .slice(0, 100),
    );
  });

  it('filters on any field, nested ones included', async () => {
    const q = 'client_name:"Log Shipper" AND details.grant_type:client_credentials';
    const expected = all.filter(
      (log) =>
        log.client_name === 'Log Shipper' &&
        (log.details as { grant_type?: string }).grant_type === 'client_credentials',
    );
    expect(expected.length).toBeGreaterThan(3);
    expect((await logs({ q, sort: 'date:1', per_page: 100 })).json()).toEqual(
      expected.slice(0, 100),
    );
    expect((await logs({ q: 'user_id:*' })).json().every((log: LogEvent) => log.user_id)).toBe(
      true,
    );
  });

  it('selects fields', async () => {
    const res = await logs({ fields: 'log_id,type', per_page: 2 });
    expect(res.json()).toEqual(
      byDateDesc()
        .slice(0, 2)
        .map(({ log_id, type }) => ({ log_id, type })),
    );
  });

  it.each([
    [{ page: 9, per_page: 100 }, 200],
    [{ page: 10, per_page: 100 }, 400],
    [{ page: 19, per_page: 50 }, 200],
    [{ page: 20 }, 400],
    [{ per_page: 101 }, 400],
    [{ per_page: 0 }, 400],
    [{ page: -1 }, 400],
    [{ sort: 'type:1' }, 400],
    [{ q: 'type:(s OR' }, 400],
    [{ q: 'date:[yesterday TO *]' }, 400],
  ])('limits %j to status %i (only the first 1,000 results)', async (query, status) => {
    const res = await logs(query);
    expect(res.status).toBe(status);
    if (status === 400) expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });
});

describe('rate limiting', () => {
  it('refuses with 429 and Retry-After when the bucket is empty, then refills', async () => {
    const start = clock.now();
    tenant.setOptions({ rateLimit: { burst: 3, perSecond: 0.5 } });
    tenant.resetStats();
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await logs({ per_page: 1 });
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await logs({ per_page: 1 });
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Global limit has been reached',
      errorCode: 'too_many_requests',
    });
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.headers['x-ratelimit-reset']).toBe(String(Math.ceil((start + 6000) / 1000)));

    clock.advance(1000);
    expect((await logs({ per_page: 1 })).headers['retry-after']).toBe('1');
    clock.advance(1000);
    const allowed = await logs({ per_page: 1 });
    expect([allowed.status, allowed.headers['x-ratelimit-remaining']]).toEqual([200, '0']);
    expect(tenant.stats()).toMatchObject({ rateLimited: 2, status: { 200: 4, 429: 2 } });

    const unauthorized = await getLogs(tenant, 'nope', {}, agent);
    expect(unauthorized.status).toBe(429);
    clock.advance(2000);
    expect((await getLogs(tenant, 'nope', {}, agent)).headers['x-ratelimit-limit']).toBe('3');
    tenant.setOptions({ rateLimit: null });
    expect((await logs({ per_page: 1 })).headers['x-ratelimit-limit']).toBe('50');
  });
});
