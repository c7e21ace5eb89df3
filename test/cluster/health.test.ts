import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { createClusterMetrics } from '../../src/cluster/metrics';
import { serveMetrics } from '../../src/cluster/metrics-server';
import type { RunRecord } from '../../src/cluster/run-record';
import { startClusterWorker } from '../../src/cluster/worker';
import { startFakeTenant } from '../../src/testing';
import { collectingTenant, until } from '../support/cluster';

const REDIS = 'redis://127.0.0.1:6379';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function dropKeys(queue: string) {
  return async () => {
    const client = new Redis(REDIS);
    const keys = await client.keys(`*${queue}*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
  };
}

describe('the metrics server', () => {
  it('listens on 127.0.0.1 unless told otherwise, and says what it bound', async () => {
    const metrics = await createClusterMetrics();
    const local = await serveMetrics(metrics, 0, () => true);
    cleanups.push(() => local.close());
    expect(local.host).toBe('127.0.0.1');
    const every = await serveMetrics(metrics, 0, () => true, '0.0.0.0');
    cleanups.push(() => every.close());
    expect(every.host).toBe('0.0.0.0');
    const ok = await fetch(`http://127.0.0.1:${local.port}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });
  });
});

describe('dependencies at start', () => {
  it('refuses to start when PostgreSQL refuses the user, naming `postgres`, never a password', async () => {
    const queue = `health-${randomUUID().slice(0, 8)}`;
    cleanups.push(dropKeys(queue));
    const tenant = await startFakeTenant({ logs: 10 });
    cleanups.push(() => tenant.close());
    const user = `nobody_${randomUUID().slice(0, 8)}`;
    const start = startClusterWorker({
      redis: REDIS,
      postgres: `postgres://${user}:pw-that-must-not-leak@127.0.0.1:5432/test`,
      queue,
      tenants: [collectingTenant('t', tenant, new Set())],
      startTimeoutSeconds: 20,
    });
    await expect(start).rejects.toThrow(
      new RegExp(
        `cannot use postgres at postgres://127\\.0\\.0\\.1:5432/test: .*${user}.*: check \`postgres\` in the configuration`,
      ),
    );
    await expect(start).rejects.not.toThrow(/pw-that-must-not-leak/);
  });
});

describe('a storage that fails while serving', () => {
  it('backs off as a failing run does, and /healthz answers 503 with the reasons', async () => {
    const queue = `health-${randomUUID().slice(0, 8)}`;
    cleanups.push(dropKeys(queue));
    const role = `serve_${randomUUID().slice(0, 8)}`;
    const admin = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    cleanups.push(() => admin.end());
    await admin.query(`CREATE TABLE IF NOT EXISTS auth0_log_tools_state (
      key text PRIMARY KEY, checkpoint text, state text, epoch bigint NOT NULL DEFAULT 0,
      lease_until timestamptz, released_epoch bigint)`);
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    cleanups.push(async () => {
      await admin.query(`DELETE FROM auth0_log_tools_state WHERE key LIKE $1`, [`${queue}:%`]);
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
    });
    await admin.query(`GRANT SELECT, INSERT, UPDATE ON auth0_log_tools_state TO ${role}`);
    const tenant = await startFakeTenant({ logs: 10 });
    cleanups.push(() => tenant.close());
    const records: RunRecord[] = [];
    const worker = await startClusterWorker({
      redis: REDIS,
      postgres: `postgres://${role}@127.0.0.1:5432/test`,
      queue,
      checkSeconds: 1,
      stopTimeoutSeconds: 5,
      tenants: [collectingTenant('t', tenant, new Set())],
      onRun: (record) => records.push(record),
    });
    cleanups.push(() => worker.stop());
    await until(() => records.some((r) => r.stopReason === 'caught_up'), 'a first run');
    expect(worker.health()).toEqual({ ok: true, reasons: [] });

    await admin.query(`REVOKE ALL ON auth0_log_tools_state FROM ${role}`);
    const failed = () => records.filter((r) => r.error !== undefined);
    await until(() => failed().length >= 3, 'three failed runs');
    // the storage's failures back off: 1 s, 2 s, 4 s (the interval doubling), not every 1 s
    expect(failed().slice(0, 3)).toMatchObject([
      { failures: 1, retryInSeconds: 1 },
      { failures: 2, retryInSeconds: 2 },
      { failures: 3, retryInSeconds: 4 },
    ]);
    expect(failed()[0]!.error).toMatch(/permission denied/);
    await until(() => worker.health().reasons.length === 2, 'the health check to see it');
    const health = worker.health();
    expect(health.ok).toBe(false);
    expect(health.reasons.map((r) => r.code).sort()).toEqual([
      'storage_unreachable',
      'tenants_failing',
    ]);
    const metrics = await createClusterMetrics();
    const server = await serveMetrics(metrics, 0, () => worker.health());
    cleanups.push(() => server.close());
    const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unhealthy' });

    await admin.query(`GRANT SELECT, INSERT, UPDATE ON auth0_log_tools_state TO ${role}`);
    await until(() => worker.health().ok, 'health back once the storage works', 40_000);
  }, 90_000);
});
