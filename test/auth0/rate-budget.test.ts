import { SharedRateLimits } from '../../src/auth0/rate-budget';

describe('SharedRateLimits', () => {
  function budget() {
    let now = 1_000_000;
    const sleeps: number[] = [];
    const shared = new SharedRateLimits({
      now: () => now,
      tenantNow: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    return { shared, sleeps, advance: (ms: number) => (now += ms), now: () => now };
  }
  const open = { deadline: Infinity, wait: true };

  it('lets requests start freely before any answer', async () => {
    const { shared, sleeps } = budget();
    for (let i = 0; i < 20; i++) expect(await shared.reserve(open)).toBeUndefined();
    expect(sleeps).toEqual([]);
    expect(shared.requests).toBe(20);
  });

  it('counts requests started since the last answer against its remaining tokens', async () => {
    const { shared, sleeps, now } = budget();
    // 2 left of 10; full again in 4 s: one token every 500 ms.
    shared.observe({ limit: 10, remaining: 2, reset: (now() + 4000) / 1000 });
    expect(await shared.reserve(open)).toBeUndefined();
    expect(await shared.reserve(open)).toBeUndefined();
    expect(sleeps).toEqual([]);
    expect(await shared.reserve(open)).toBeUndefined();
    expect(sleeps).toEqual([500]);
    expect(shared.available()).toBeCloseTo(0);
  });

  it('refillPerSecond: the rate the latest answer implies; Infinity before any, or while full', () => {
    const { shared, now } = budget();
    expect(shared.refillPerSecond()).toBe(Infinity);
    // 8 missing of 10, full again in 4 s: 2 requests a second
    shared.observe({ limit: 10, remaining: 2, reset: (now() + 4000) / 1000 });
    expect(shared.refillPerSecond()).toBe(2);
    shared.observe({ limit: 10, remaining: 10, reset: now() / 1000 });
    expect(shared.refillPerSecond()).toBe(Infinity);
  });

  it('refuses with rate_limit when the wait would pass the deadline or waiting is off', async () => {
    const { shared, now } = budget();
    shared.observe({ limit: 10, remaining: 0, reset: (now() + 10_000) / 1000 });
    expect(await shared.reserve({ deadline: now() + 100, wait: true })).toBe('rate_limit');
    expect(await shared.reserve({ deadline: Infinity, wait: false })).toBe('rate_limit');
    const controller = new AbortController();
    controller.abort();
    expect(await shared.reserve({ ...open, signal: controller.signal })).toBe('aborted');
  });

  it('ignores an answer without rate-limit headers', async () => {
    const { shared, sleeps } = budget();
    shared.observe({ limit: Number.NaN, remaining: Number.NaN, reset: Number.NaN });
    expect(await shared.reserve(open)).toBeUndefined();
    expect(sleeps).toEqual([]);
  });
});

describe('SharedRateLimits in flight', () => {
  it('counts requests in flight against the latest answer, and frees them when they settle', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const shared = new SharedRateLimits({
      now: () => now,
      tenantNow: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    shared.observe({ limit: 10, remaining: 3, reset: 7 });
    for (let i = 0; i < 3; i++) await shared.reserve({ deadline: Infinity, wait: true });
    expect(shared.available()).toBe(0);
    // Two settle without an answer (network errors), one with an answer: 5 left.
    shared.done();
    shared.done();
    expect(shared.available()).toBe(2);
    shared.done({ limit: 10, remaining: 5, reset: 7 });
    expect(shared.available()).toBe(5);
    // A reset already past: the bucket refills at once rather than never.
    shared.observe({ limit: 10, remaining: 0, reset: 0 });
    expect(await shared.reserve({ deadline: Infinity, wait: true })).toBeUndefined();
    expect(sleeps.every((ms) => ms <= 1)).toBe(true);
  });
});
