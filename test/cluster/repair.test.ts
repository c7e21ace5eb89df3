import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { ClusterWarning, WorkerHealth } from '../../src/cluster/health';
import { createClusterMetrics } from '../../src/cluster/metrics';
import { serveMetrics } from '../../src/cluster/metrics-server';
import { startClusterWorker, type ClusterWorker } from '../../src/cluster/worker';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import { collectingTenant, until } from '../support/cluster';
import { startOwnRedis } from '../support/redis-server';

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('cluster workers repair what Redis lost', () => {
  it('ship again by themselves after Redis restarted empty (checkpoints in PostgreSQL); /healthz says 503 meanwhile', async () => {
    const redis = await startOwnRedis();
    const port = redis.port;
    cleanups.push(() => redis.kill());
    const tenant: FakeTenant = await startFakeTenant({ logs: 300, growth: 20 });
    cleanups.push(() => tenant.close());
    const ids = new Set<string>();
    const warnings: ClusterWarning[] = [];
    const messages: string[] = [];
    const queue = `repair-${randomUUID().slice(0, 8)}`;
    const workers: ClusterWorker[] = [];
    for (let i = 0; i < 2; i += 1) {
      const worker = await startClusterWorker({
        redis: redis.url,
        postgres: POSTGRES,
        queue,
        leaseSeconds: 3,
        workerId: `w${i}`,
        tenants: [collectingTenant('t', tenant, ids)],
        onWarning: (message, warning) => {
          warnings.push(warning);
          messages.push(message);
        },
        stopTimeoutSeconds: 5,
      });
      workers.push(worker);
      cleanups.push(() => worker.stop());
    }
    const metrics = await createClusterMetrics();
    const server = await serveMetrics(metrics, 0, () => workers[0]!.health());
    cleanups.push(() => server.close());
    const healthz = async () => {
      const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      return { status: response.status, body: (await response.json()) as WorkerHealth };
    };
    await until(() => ids.size >= 300, 'the first 300 logs');
    expect((await healthz()).status).toBe(200);

    await redis.kill();
    await until(() => !workers[0]!.health().ok, 'the health check to see Redis gone');
    const down = await healthz();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'unhealthy',
      reasons: [{ code: 'redis_unreachable' }],
    });
    expect(JSON.stringify(down.body)).toContain(`127.0.0.1:${port}`);
    // a running worker waits for Redis as long as it takes (before: 'retrying for up to 10 s')
    const redisWarnings = () => messages.filter((m) => m.startsWith('cannot reach redis'));
    await until(() => redisWarnings().length === 2, 'the warning of each worker');
    expect(redisWarnings()).toEqual([
      expect.stringMatching(/; retrying until it answers \(\/healthz answers 503 meanwhile\)$/),
      expect.stringMatching(/; retrying until it answers/),
    ]);

    await redis.start(); // empty: no scheduler, no job
    const before = ids.size;
    // new logs keep coming (20 a second): shipping resumed once 100 more than before arrived
    await until(() => ids.size >= before + 100, 'shipping to resume after Redis came back', 40_000);
    await until(() => workers.every((w) => w.health().ok), 'both workers healthy again');
    expect((await healthz()).status).toBe(200);
    expect(warnings).toContainEqual({ code: 'schedulers_restored', tenants: ['t'] });
    // no gap: the checkpoint in PostgreSQL survived; every log up to now arrives
    const count = tenant.logCount();
    await until(() => ids.size >= count, 'the tenant caught up');
    const missing = Array.from({ length: count }, (_, i) => tenant.logIdAt(i)).filter(
      (id) => !ids.has(id),
    );
    expect(missing).toEqual([]);
  }, 90_000);
});

describe('a worker of an older config (a rolling deploy)', () => {
  it('leaves the tenants it does not name running and warns; --prune removes them', async () => {
    const a = await startFakeTenant({ logs: 50, growth: 20 });
    const b = await startFakeTenant({ logs: 50, growth: 20 });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const got = { a: new Set<string>(), b: new Set<string>() };
    const queue = `older-${randomUUID().slice(0, 8)}`;
    const redisUrl = 'redis://127.0.0.1:6379';
    const start = async (
      tenants: Array<'a' | 'b'>,
      onWarning?: (message: string, warning: ClusterWarning) => void,
      prune = false,
    ) => {
      const worker = await startClusterWorker({
        redis: redisUrl,
        queue,
        leaseSeconds: 3,
        stopTimeoutSeconds: 5,
        prune,
        tenants: tenants.map((id) => collectingTenant(id, id === 'a' ? a : b, got[id])),
        ...(onWarning ? { onWarning } : {}),
      });
      cleanups.push(() => worker.stop());
      return worker;
    };
    cleanups.push(async () => {
      const client = new Redis(redisUrl);
      const keys = await client.keys(`*${queue}*`);
      if (keys.length) await client.del(...keys);
      await client.quit();
    });
    const newer = await start(['a', 'b']);
    await until(() => got.b.size >= 50, "b's first logs");
    const messages: string[] = [];
    const warnings: ClusterWarning[] = [];
    const older = await start(['a'], (message, warning) => {
      messages.push(message);
      warnings.push(warning);
    });
    expect(warnings).toEqual([{ code: 'unknown_tenants', tenants: ['b'] }]);
    expect(messages[0]).toContain('tenant(s) b');
    expect(messages[0]).toContain('--prune');
    // b keeps shipping: 60 more logs (3 s of growth) arrive after the older worker started
    const before = got.b.size;
    await until(() => got.b.size >= before + 60, 'b to keep shipping', 30_000);
    const bull = new Queue(queue, { connection: { host: '127.0.0.1', port: 6379 } });
    cleanups.push(() => bull.close());
    expect(await bull.getJobScheduler('tenant:b')).toBeDefined();
    // removing a tenant is asked for: a worker started with prune removes b's scheduler
    await newer.stop();
    await older.stop();
    await start(['a'], undefined, true);
    expect(await bull.getJobScheduler('tenant:b')).toBeUndefined();
    expect(await bull.getJobScheduler('tenant:a')).toBeDefined();
  }, 60_000);
});
