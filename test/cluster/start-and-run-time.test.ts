import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseServeConfig } from '../../src/cluster/config';
import type { RunRecord } from '../../src/cluster/run-record';
import { startClusterWorker } from '../../src/cluster/worker';
import type { ClusterTenant } from '../../src/cluster/worker-options';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import { collectingTenant, until } from '../support/cluster';

const REDIS = 'redis://127.0.0.1:6379';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function fakeTenant(
  logs: number,
  dates: { startDate?: number; endDate?: number } = {},
): Promise<FakeTenant> {
  const tenant = await startFakeTenant({ logs, ...dates });
  cleanups.push(() => tenant.close());
  return tenant;
}

/** Starts a worker of `tenants` on a queue of its own (or `queue`); returns its run records. */
async function serve(tenants: ClusterTenant[], queue = `start-${randomUUID().slice(0, 8)}`) {
  const records: RunRecord[] = [];
  const worker = await startClusterWorker({
    redis: REDIS,
    queue,
    leaseSeconds: 5,
    stopTimeoutSeconds: 5,
    tenants,
    onRun: (record) => records.push(record),
  });
  cleanups.push(async () => {
    const client = new Redis(REDIS);
    const keys = await client.keys(`*${queue}*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
  });
  cleanups.push(() => worker.stop());
  return { records, worker, queue };
}

const ran = (records: RunRecord[], id: string) =>
  records.filter((r) => r.tenant === id && r.skipped === undefined);

describe('a run of serve', () => {
  it('goes on while the tenant is behind (no 22 s cut), unless maxRunTimeSeconds is set', async () => {
    const tenant = await fakeTenant(2000);
    // simulated time: every reading of the clock is 2 s later, so 2,000 logs take minutes
    const clock = () => {
      let t = Date.now();
      return () => (t += 2000);
    };
    const unbounded = collectingTenant('far-behind', tenant, new Set());
    unbounded.processor = { ...unbounded.processor, now: clock() };
    const bounded = collectingTenant('bounded', tenant, new Set());
    bounded.processor = { ...bounded.processor, now: clock(), maxRunTimeSeconds: 30 };
    const { records } = await serve([unbounded, bounded]);
    await until(
      () => ran(records, 'far-behind').length >= 1 && ran(records, 'bounded').length >= 1,
      'a run of each tenant',
    );
    expect(ran(records, 'far-behind')[0]).toMatchObject({
      stopReason: 'caught_up',
      logsProcessed: 2000,
    });
    const first = ran(records, 'bounded')[0]!;
    expect(first.stopReason).toBe('max_run_time');
    expect(first.logsProcessed).toBeLessThan(2000);
  });
});

describe('startFrom', () => {
  it('starts a tenant without a checkpoint at now, a log id or a date, and never again once it has one', async () => {
    // its logs end a minute ago: `now` (the worker's clock, to the second) is after every one
    // of them, and the logs added later are after `now`
    const end = Date.now() - 60_000;
    const tenant = await fakeTenant(500, { startDate: end - 500_000, endDate: end });
    const fromNow = new Set<string>();
    const fromId = new Set<string>();
    const fromDate = new Set<string>();
    const first = await serve([
      collectingTenant('now', tenant, fromNow, { startFrom: 'now' }),
      collectingTenant('id', tenant, fromId, { startFrom: tenant.logIdAt(399) }),
      collectingTenant('date', tenant, fromDate, { startFrom: tenant.logAt(450).date }),
    ]);
    await until(
      () => ['now', 'id', 'date'].every((id) => ran(first.records, id).length >= 1),
      'a run of each tenant',
    );
    expect(ran(first.records, 'now')[0]).toMatchObject({ logsProcessed: 0 });
    expect(fromId.size).toBe(100);
    expect(fromId.has(tenant.logIdAt(400))).toBe(true);
    expect(fromDate.size).toBe(50);
    expect(fromDate.has(tenant.logIdAt(450))).toBe(true);
    tenant.addLogs(10);
    await until(() => fromNow.size === 10, 'the 10 new logs');
    expect([...fromNow].sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => tenant.logIdAt(500 + i)).sort(),
    );
    await first.worker.stop();

    // the same queue, another startFrom: the checkpoint wins, nothing is sent again
    const again = new Set<string>();
    const second = await serve(
      [collectingTenant('now', tenant, again, { startFrom: tenant.logIdAt(0) })],
      first.queue,
    );
    tenant.addLogs(5);
    await until(() => again.size >= 5, 'the 5 newest logs');
    await until(() => ran(second.records, 'now').length >= 2, 'a second run');
    expect([...again].sort()).toEqual(
      Array.from({ length: 5 }, (_, i) => tenant.logIdAt(510 + i)).sort(),
    );
  });

  it('is checked in a serve configuration; batchSize goes up to 1000 as in ship', () => {
    const base = {
      id: 'acme',
      domain: 'acme.eu.auth0.com',
      clientId: 'client',
      clientSecret: 'secret',
      post: { url: 'http://127.0.0.1:9/' },
    };
    const parse = (tenant: Record<string, unknown>, top: Record<string, unknown> = {}) =>
      parseServeConfig({ redis: REDIS, ...top, tenants: [{ ...base, ...tenant }] });
    expect(parse({ startFrom: 'now', batchSize: 1000 }).tenants[0]).toMatchObject({
      startFrom: 'now',
      batchSize: 1000,
    });
    expect(parse({ startFrom: '2026-01-31T00:00:00Z' }).tenants[0]!.startFrom).toBe(
      '2026-01-31T00:00:00Z',
    );
    expect(() => parse({ startFrom: 'yesterday' })).toThrow(
      'tenants[0].startFrom (tenant "acme"): must be a log id, an ISO 8601 date (2026-01-31T00:00:00Z) or now',
    );
    expect(() => parse({ batchSize: 1001 })).toThrow(
      'Expected `batchSize` to be an integer from 1 to 1000, got 1001',
    );
    expect(parse({}, { maxRunTimeSeconds: 120 }).tenants[0]!.maxRunTimeSeconds).toBe(120);
    expect(
      parse({ maxRunTimeSeconds: 30 }, { maxRunTimeSeconds: 120 }).tenants[0]!.maxRunTimeSeconds,
    ).toBe(30);
  });
});
