import { LogsApiClient } from '../../src/client';
import { DEFAULTS } from '../../src/defaults';
import {
  askedWait,
  backoffStep,
  parseLimits,
  rateLimitWait,
  retryWait,
  TenantClock,
} from '../../src/auth0/rate-limits';
import { LogsProcessor } from '../../src/processor';
import { LogsApiStream } from '../../src/stream';
import { startFakeTenant } from '../../src/testing';
import { TokenBucket } from '../../src/testing/rate-limiter';
import type { LogEvent } from '../../src/types';
import { json, logId, startHttpsServer } from '../support/https-server';
import { credentials, memoryStorage } from '../support/tenant';

/** A clock that moves only when someone sleeps: requests take no time, waits are exact. */
function simulatedTime(start = Date.UTC(2026, 0, 1, 12, 0, 0, 250)) {
  let clock = start;
  const sleeps: number[] = [];
  return {
    now: () => clock,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += Math.max(0, ms);
    },
    sleeps,
    elapsed: () => clock - start,
  };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const backoff = { minDelayMs: 250, maxDelayMs: 30_000, random: () => 0.5 };

describe('rate-limit headers and waits', () => {
  it('parses the x-ratelimit-* headers as numbers, NaN when absent or blank', () => {
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '3',
      'x-ratelimit-reset': '17',
    };
    expect(parseLimits((name) => headers[name])).toEqual({ limit: 10, remaining: 3, reset: 17 });
    const blank = parseLimits((name) => (name === 'x-ratelimit-limit' ? ' ' : undefined));
    expect(blank).toEqual({ limit: NaN, remaining: NaN, reset: NaN });
  });

  it('waits for one request of an empty bucket by the tenant clock, at most 30 s', () => {
    expect(rateLimitWait({ limit: 10, remaining: 0, reset: T0 / 1000 + 5 }, T0)).toBe(500);
    expect(rateLimitWait({ limit: NaN, remaining: 0, reset: T0 / 1000 + 2 }, T0)).toBe(2000);
    expect(rateLimitWait({ limit: 10, remaining: 0, reset: NaN }, T0)).toBe(1000);
    expect(rateLimitWait({ limit: 10, remaining: 0, reset: T0 / 1000 - 5 }, T0)).toBe(0);
    // A reset 120 s away (a tenant clock far ahead) is looked at again after 30 s, not 60 s.
    expect(rateLimitWait({ limit: 2, remaining: 0, reset: T0 / 1000 + 120 }, T0)).toBe(30_000);
    expect(DEFAULTS.maxRetryDelayMs).toBe(30_000);
  });

  it('reads Retry-After as seconds or a date in the tenant clock, else the bucket reset', () => {
    const limits = { limit: 10, remaining: 0, reset: T0 / 1000 + 7 };
    expect(askedWait('2', limits, T0)).toBe(2000);
    expect(askedWait('Thu, 01 Jan 2026 00:00:05 GMT', limits, T0)).toBe(5000);
    expect(askedWait('soon', limits, T0)).toBe(700);
    expect(askedWait(undefined, limits, T0)).toBe(700);
    expect(askedWait(undefined, { ...limits, reset: NaN }, T0)).toBeUndefined();
    // Auth0 on burst limits: the reset is the current second and there is no Retry-After.
    expect(askedWait(undefined, { limit: 3, remaining: 0, reset: T0 / 1000 }, T0 + 400)).toBe(0);
  });

  it('backs off exponentially with full jitter', () => {
    const steps = [1, 2, 3, 4, 5, 6, 7, 8].map((a) =>
      backoffStep(a, { ...backoff, random: () => 1 }),
    );
    expect(steps).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000]);
    expect(backoffStep(3, backoff)).toBe(500);
    expect(backoffStep(3, { ...backoff, random: () => 0 })).toBe(0);
  });

  it('never waits less than the backoff step nor more than 30 s for what a 429 asks', () => {
    const asked = (retryAfterMs: number) => ({ retryAfterMs });
    expect(retryWait(asked(0), 1, backoff)).toBe(125);
    expect(retryWait(asked(0), 3, backoff)).toBe(500);
    expect(retryWait(asked(2000), 3, backoff)).toBe(2000);
    expect(retryWait(asked(120_000), 1, backoff)).toBe(30_000);
    expect(retryWait(new Error('no answer'), 2, backoff)).toBe(250);
  });
});

describe('TenantClock', () => {
  it('is the local clock until an answer carries a Date header', () => {
    let local = T0;
    const clock = new TenantClock(() => local);
    clock.observe(undefined, local, local);
    clock.observe('not a date', local, local);
    expect(clock.offsetMs()).toBe(0);
    local += 5;
    expect(clock.now()).toBe(T0 + 5);
  });

  it.each([-120_000, -1_500, 0, 1_500, 120_000])(
    'estimates a tenant %i ms off to within a second, never ahead of it',
    (offset) => {
      let local = T0 + 123;
      const clock = new TenantClock(() => local);
      for (let i = 0; i < 12; i++) {
        const date = new Date(Math.floor((local + offset) / 1000) * 1000).toUTCString();
        clock.observe(date, local - 20, local);
        expect(clock.now()).toBeLessThanOrEqual(local + offset);
        expect(clock.now()).toBeGreaterThan(local + offset - 1000);
        local += 370;
      }
      // Answers at many phases of the second narrow it down.
      expect(clock.now()).toBeGreaterThan(local - 370 + offset - 400);
    },
  );

  it('follows a tenant clock that was stepped back', () => {
    let local = T0;
    const clock = new TenantClock(() => local);
    const observe = (offset: number) =>
      clock.observe(new Date(local + offset).toUTCString(), local, local);
    observe(120_000);
    local += 1000;
    observe(120_000);
    expect(clock.offsetMs()).toBeGreaterThan(119_000);
    local += 1000;
    observe(0);
    expect(clock.offsetMs()).toBeLessThanOrEqual(0);
    expect(clock.offsetMs()).toBeGreaterThan(-1000);
  });
});

describe('LogsApiClient.tenantNow', () => {
  it('reads the tenant clock from the Date header of its answers', async () => {
    const time = simulatedTime();
    const offset = -90_000;
    const tenant = await startFakeTenant({ logs: 10, now: () => time.now() + offset });
    try {
      const client = new LogsApiClient({ ...credentials(tenant), now: time.now });
      expect(client.tenantNow()).toBe(time.now());
      await client.getLogs({ take: 1, from: tenant.logIdAt(0) });
      expect(client.tenantNow()).toBeLessThanOrEqual(time.now() + offset);
      expect(client.tenantNow()).toBeGreaterThan(time.now() + offset - 1000);
    } finally {
      await tenant.close();
    }
  });
});

describe('a run against 2 requests/s, whatever the tenant clock says', () => {
  it.each([-120_000, -30_000, -1_500, 0, 1_500, 30_000, 120_000])(
    'drains 3,000 logs with at most 5%% of requests answered 429 (tenant clock %i ms off)',
    async (offset) => {
      const time = simulatedTime();
      const tenant = await startFakeTenant({
        logs: 3000,
        rateLimit: { burst: 2, perSecond: 2 },
        now: () => time.now() + offset,
      });
      try {
        const stream = new LogsApiStream({
          ...credentials(tenant),
          now: time.now,
          sleep: time.sleep,
          random: () => 0.5,
          waitOnRateLimit: true,
          maxRunTimeSeconds: 3600,
        });
        const logs: LogEvent[] = [];
        for await (const page of stream.pages()) logs.push(...page.logs);
        expect(logs.map((log) => log.log_id)).toEqual(
          Array.from({ length: 3000 }, (_, i) => tenant.logIdAt(i)),
        );
        expect(stream.status.warning).toBeUndefined();
        const stats = tenant.stats();
        expect(stats.rateLimited).toBeLessThanOrEqual(0.05 * stats.logRequests);
        // 30 pages at 2 requests/s: no wait runs to the tenant's 120 s skew.
        expect(Math.max(...time.sleeps)).toBeLessThanOrEqual(30_000);
        expect(time.elapsed()).toBeLessThanOrEqual(60_000);
      } finally {
        await tenant.close();
      }
    },
  );
});

describe('a LogsProcessor run against 2 requests/s, whatever the tenant clock says', () => {
  it.each([-120_000, -1_500, 120_000])(
    'ships 3,000 logs with at most 5%% of requests answered 429 (tenant clock %i ms off)',
    async (offset) => {
      const time = simulatedTime();
      const tenant = await startFakeTenant({
        logs: 3000,
        rateLimit: { burst: 2, perSecond: 2 },
        now: () => time.now() + offset,
      });
      try {
        const processor = new LogsProcessor(memoryStorage(), {
          ...credentials(tenant),
          now: time.now,
          sleep: time.sleep,
          random: () => 0.5,
          maxRunTimeSeconds: 3600,
        });
        let shipped = 0;
        const result = await processor.run(async (logs) => {
          shipped += logs.length;
        });
        expect(result.status.error).toBeUndefined();
        expect(shipped).toBe(3000);
        expect(result.checkpoint).toBe(tenant.logIdAt(2999));
        const stats = tenant.stats();
        expect(stats.rateLimited).toBeLessThanOrEqual(0.05 * stats.logRequests);
        expect(time.elapsed()).toBeLessThanOrEqual(60_000);
      } finally {
        await tenant.close();
      }
    },
  );
});

describe('a 429 whose reset is the current second and that has no Retry-After', () => {
  it('backs off instead of retrying at once, and drains 1,500 logs through a bucket of 3 at 2/s', async () => {
    const time = simulatedTime();
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, time.now);
    const all = Array.from({ length: 1500 }, (_, i) => ({
      log_id: logId(i),
      date: new Date(T0 + i).toISOString(),
      type: 's',
    }));
    const requests: { at: number; status: number }[] = [];
    const server = await startHttpsServer((req, res) => {
      const date = new Date(time.now()).toUTCString();
      const url = new URL(req.url ?? '/', 'https://tenant.invalid');
      if (url.pathname === '/oauth/token') {
        return json(res, 200, { access_token: 'burst-tenant-token', expires_in: 86400 }, { date });
      }
      const second = String(Math.floor(time.now() / 1000));
      if (!bucket.take().allowed) {
        requests.push({ at: time.now(), status: 429 });
        const body = { statusCode: 429, error: 'Too Many Requests', message: 'Burst limit' };
        const limits = { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' };
        return json(res, 429, body, { date, ...limits, 'x-ratelimit-reset': second });
      }
      requests.push({ at: time.now(), status: 200 });
      const from = url.searchParams.get('from');
      const take = Number(url.searchParams.get('take') ?? url.searchParams.get('per_page'));
      const start = from === null ? 0 : all.findIndex((log) => log.log_id > from);
      const page = start === -1 ? [] : all.slice(start, start + take);
      // The burst limit is not the one the headers of a 200 describe.
      const limits = { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '49' };
      json(res, 200, page, { date, ...limits, 'x-ratelimit-reset': second });
    });
    try {
      const stream = new LogsApiStream({
        domain: server.domain,
        clientId: 'burst-client',
        clientSecret: 'burst-secret',
        ca: server.ca,
        now: time.now,
        sleep: time.sleep,
        random: () => 0.5,
        maxRunTimeSeconds: 3600,
      });
      const logs: LogEvent[] = [];
      for await (const page of stream.pages()) logs.push(...page.logs);
      expect(logs.map((log) => log.log_id)).toEqual(all.map((log) => log.log_id));
      const refused = requests.filter((r) => r.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      // Each retry waited at least its backoff step: never two refusals in the same instant.
      const retries = requests.filter((r, i) => i > 0 && requests[i - 1]?.status === 429);
      for (const retry of retries) {
        const before = requests[requests.indexOf(retry) - 1];
        expect(retry.at - (before?.at ?? 0)).toBeGreaterThanOrEqual(125);
      }
    } finally {
      await server.close();
    }
  });
});
