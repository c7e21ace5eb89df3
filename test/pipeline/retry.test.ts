import { ManagementApiError } from '../../src/errors';
import {
  isTransient,
  retryDelay,
  sleep,
  withRetry,
  type RetryPolicy,
} from '../../src/pipeline/retry';

const apiError = (status?: number, extra: { retryAfterMs?: number; code?: string } = {}) =>
  new ManagementApiError(extra.code ?? 'x', `failed ${status}`, {
    ...(status === undefined ? {} : { status }),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
  });

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  let clock = 0;
  return {
    waits,
    retries: 5,
    minDelayMs: 100,
    maxDelayMs: 10_000,
    deadline: Infinity,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    random: () => 1,
    shouldRetry: isTransient,
    ...overrides,
  };
}

describe('retry', () => {
  it('classifies 429, 5xx, network and unreadable answers as transient, other 4xx not', () => {
    expect(isTransient(apiError(429))).toBe(true);
    expect(isTransient(apiError(503))).toBe(true);
    expect(isTransient(apiError(undefined, { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(apiError(200, { code: 'invalid_response' }))).toBe(true);
    expect(isTransient(apiError(400))).toBe(false);
    expect(isTransient(apiError(403))).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const p = { minDelayMs: 100, maxDelayMs: 1000, random: () => 1 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(new Error(), a, p))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(retryDelay(new Error(), 3, { ...p, random: () => 0.5 })).toBe(200);
    expect(retryDelay(new Error(), 3, { ...p, random: () => 0 })).toBe(0);
  });

  it('waits what the server asked for (Retry-After), capped by maxDelayMs', () => {
    const p = { minDelayMs: 100, maxDelayMs: 5000, random: () => 1 };
    expect(retryDelay(apiError(429, { retryAfterMs: 1200 }), 1, p)).toBe(1200);
    expect(retryDelay(apiError(429, { retryAfterMs: 60_000 }), 1, p)).toBe(5000);
  });

  it('retries transient failures then succeeds', async () => {
    const p = policy();
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw apiError(503);
      return 'ok';
    }, p);
    expect(result).toBe('ok');
    expect(p.waits).toEqual([100, 200]);
  });

  it('fails at once on a non-transient error', async () => {
    const p = policy();
    const error = apiError(400);
    await expect(withRetry(async () => Promise.reject(error), p)).rejects.toBe(error);
    expect(p.waits).toEqual([]);
  });

  it('gives up after the retries with the last error', async () => {
    const p = policy({ retries: 2 });
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw apiError(500);
      }, p),
    ).rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(3);
  });

  it('never waits past the deadline', async () => {
    const p = policy({ deadline: 250 });
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw apiError(502);
      }, p),
    ).rejects.toMatchObject({ status: 502 });
    expect(p.waits).toEqual([100]);
    expect(calls).toBe(2);
  });

  it('stops retrying once the signal aborts', async () => {
    const controller = new AbortController();
    const p = policy({ signal: controller.signal });
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        controller.abort();
        throw apiError(500);
      }, p),
    ).rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(1);
  });

  it('sleep resolves early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 10);
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(0);
  });
});
