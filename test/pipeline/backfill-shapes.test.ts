import { backfillPages } from '../../src/pipeline/backfill';
import { isTransient } from '../../src/pipeline/retry';
import type { LogGeneratorOptions } from '../../src/testing/log-generator';
import { SimClock, simTenant, type SimTenantOptions } from '../support/sim-tenant';

// Backfill on real-shaped backlogs, in simulated time: every log once and in order, 8 cursors make
// at most 1.3x the requests of one cursor and finish no later. The shapes are the issue's, scaled
// down to 10,000 logs (the burst's 20,000 logs in 12 minutes 17 days ago keep their span).
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0); // a Monday
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const LOGS = 10_000;
const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };

const SHAPES: Record<string, Omit<LogGeneratorOptions, 'seed'>> = {
  'even (7 days)': { count: LOGS, startMs: NOW - 7 * DAY, endMs: NOW - MIN },
  'one burst (12 minutes, 17 days ago, nothing since)': {
    count: LOGS,
    startMs: NOW - 17 * DAY,
    endMs: NOW - 17 * DAY + 12 * MIN,
  },
  'five bursts 3 days apart': {
    count: 50,
    arrival: 'realistic',
    startMs: NOW - 15 * DAY,
    endMs: NOW - MIN,
    bursts: [0, 1, 2, 3, 4].map((i) => ({
      atMs: NOW - 14 * DAY + i * 3 * DAY,
      logs: (LOGS - 50) / 5,
      seconds: 12 * 60,
    })),
  },
  'a diurnal week': { count: LOGS, arrival: 'realistic', startMs: NOW - 7 * DAY, endMs: NOW - MIN },
};

async function backfill(cursors: number, tenant: Omit<SimTenantOptions, 'clock'>) {
  const clock = new SimClock(NOW);
  const sim = simTenant({ ...tenant, clock });
  const fallbacks: string[] = [];
  const source = backfillPages({
    client: sim,
    from: null,
    take: 100,
    retry: {
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      retries: 5,
      minDelayMs: 100,
      maxDelayMs: 5000,
      deadline: Infinity,
      shouldRetry: isTransient,
    },
    waitOnRateLimit: true,
    prefetch: true,
    log: quiet,
    cursors,
    horizonMs: 10 * MIN,
    bufferLogs: 10_000,
    onFallback: (reason) => fallbacks.push(reason),
  });
  const ids: string[] = [];
  const stop = await clock.run(
    (async () => {
      for (;;) {
        const next = await source.next();
        if (next.done) return next.value;
        ids.push(...next.value.logs.map((log) => log.log_id as string));
      }
    })(),
  );
  return { stop, ids, all: sim.ids(), fallbacks, ms: clock.now() - NOW, ...sim.stats };
}

describe('backfill on real-shaped backlogs (simulated time)', () => {
  const SCENARIO_5 = { latencyMs: 200, rateLimit: { burst: 50, perSecond: 50 } };
  it.each([
    ...Object.entries(SHAPES).map(([name, logs]) => [name, { ...SCENARIO_5, logs }] as const),
    [
      'even, a 10 requests/s bucket that one cursor already drains',
      {
        latencyMs: 50,
        rateLimit: { burst: 10, perSecond: 10 },
        logs: SHAPES['even (7 days)'] as LogGeneratorOptions,
      },
    ] as const,
  ])(
    '%s: every log once in order, <= 1.3x the requests of one cursor, no later',
    async (_, shape) => {
      const tenant = { ...shape, logs: { seed: 3, ...shape.logs } };
      const one = await backfill(1, tenant);
      const eight = await backfill(8, tenant);
      for (const run of [one, eight]) {
        expect(run.stop).toBe('caught_up');
        expect(run.fallbacks).toEqual([]);
        expect(run.ids).toEqual(run.all);
      }
      expect(eight.requests).toBeLessThanOrEqual(1.3 * one.requests);
      expect(eight.ms).toBeLessThanOrEqual(one.ms);
      // with room in the bucket, 8 cursors read several times faster (a drained bucket: as fast)
      if (shape.latencyMs === 200) expect(eight.ms).toBeLessThanOrEqual(one.ms / 4);
      expect(eight.rateLimited).toBeLessThanOrEqual(0.05 * eight.requests);
    },
  );
});
