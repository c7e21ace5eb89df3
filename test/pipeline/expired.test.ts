import { promises as fs } from 'node:fs';
import path from 'node:path';
import { logIdAt, logIdTime } from '../../src/auth0/log-id';
import { runShip } from '../../src/cli/ship/command';
import { createClusterMetrics } from '../../src/cluster/metrics';
import { expiredMessage } from '../../src/pipeline/expired';
import { LogsProcessor } from '../../src/processor';
import { startFakeTenant, type FakeTenant, type FakeTenantOptions } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../support/cli';
import { credentials, memoryStorage } from '../support/tenant';

/**
 * Issue 19, input 9: a checkpoint older than the tenant keeps logs (a shipper stopped 40 days on a
 * 30-day tenant): the logs in between expired unshipped. The run says so: a `logs_expired` warning
 * naming the span, in the status, ship's summary and serve's metric. Clocks are simulated.
 */

const T = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 24 * 3600_000;
const iso = (id: string) => new Date(logIdTime(id) as number).toISOString();

/** 600 logs over the 60 days up to T (one every 2.4 h), the tenant keeping `retentionDays`. */
async function tenantKeeping(retentionDays: number, extra: FakeTenantOptions = {}) {
  return startFakeTenant({
    logs: 600,
    seed: 9,
    startDate: T - 60 * DAY,
    endDate: T,
    retentionDays,
    now: () => T,
    ...extra,
  });
}

/** The index of the newest log written at or before `ms`. */
function indexAt(tenant: FakeTenant, ms: number): number {
  let i = 0;
  while (i + 1 < tenant.logCount() && (logIdTime(tenant.logIdAt(i + 1)) as number) <= ms) i++;
  return i;
}

async function runFrom(tenant: FakeTenant, checkpointId: string, startFrom?: string) {
  tenant.resetStats();
  const shipped: string[] = [];
  const result = await new LogsProcessor(memoryStorage({ checkpointId }), {
    ...credentials(tenant),
    sleep: async () => undefined,
    random: () => 0,
    now: () => T,
    ...(startFrom === undefined ? {} : { startFrom }),
  }).run(async (logs: LogEvent[]) => {
    shipped.push(...logs.map((log) => log.log_id as string));
  });
  return { result, shipped, requests: tenant.stats().logRequests };
}

describe('a checkpoint older than the tenant keeps logs', () => {
  let tenant: FakeTenant;
  beforeAll(async () => {
    tenant = await tenantKeeping(30);
  });
  afterAll(async () => tenant.close());

  it('stopped 40 days on a 30-day tenant: logs_expired names the span, every kept log shipped', async () => {
    const checkpoint = tenant.logIdAt(indexAt(tenant, T - 40 * DAY));
    const { result, shipped } = await runFrom(tenant, checkpoint);
    const oldestKept = shipped[0] as string;
    expect(logIdTime(oldestKept)).toBeGreaterThanOrEqual(T - 30 * DAY);
    const span = { from: iso(checkpoint), to: iso(oldestKept) };
    expect(result.status.error).toBeUndefined();
    expect(result.status.warnings).toEqual([
      { code: 'logs_expired', message: expiredMessage(span), span },
    ]);
    expect(result.status.warning).toContain(`Logs written from ${span.from} to ${span.to}`);
    // what the tenant keeps, every log once, in order
    const first = tenant.logCount() - shipped.length;
    expect(shipped).toEqual(
      Array.from({ length: shipped.length }, (_, i) => tenant.logIdAt(first + i)),
    );
    expect(shipped.at(-1)).toBe(tenant.logIdAt(599));
  });

  it('a checkpoint 5 days old the tenant still keeps: no warning (one request asks for the oldest kept)', async () => {
    const checkpoint = tenant.logIdAt(indexAt(tenant, T - 5 * DAY));
    const { result, shipped, requests } = await runFrom(tenant, checkpoint);
    expect(result.status.warnings).toBeUndefined();
    expect(shipped[0]).toBe(tenant.logIdAt(indexAt(tenant, T - 5 * DAY) + 1));
    // 1 page, the empty one, and the question for the oldest log kept
    expect(requests).toBe(3);
  });

  it('a checkpoint of a few hours: no warning, no extra request', async () => {
    const index = indexAt(tenant, T - 10 * 3600_000);
    const { result, shipped, requests } = await runFrom(tenant, tenant.logIdAt(index));
    expect(result.status.warnings).toBeUndefined();
    expect(shipped).toHaveLength(599 - index);
    expect(requests).toBe(2);
  });

  it('a --start-from date older than the tenant keeps: no warning (the user asked for it)', async () => {
    const old = new Date(T - 45 * DAY).toISOString();
    const { result } = await runFrom(tenant, tenant.logIdAt(599), old);
    expect(result.status.startCheckpoint).toBe(logIdAt(T - 45 * DAY));
    expect(result.status.warnings).toBeUndefined();
  });
});

describe('on a 3-day tenant', () => {
  it('a checkpoint 5 days old: logs_expired once the tenant says its oldest log comes after it', async () => {
    const tenant = await tenantKeeping(3);
    try {
      const checkpoint = tenant.logIdAt(indexAt(tenant, T - 5 * DAY));
      const { result, shipped } = await runFrom(tenant, checkpoint);
      const span = { from: iso(checkpoint), to: iso(shipped[0] as string) };
      expect(result.status.warnings).toEqual([
        { code: 'logs_expired', message: expiredMessage(span), span },
      ]);
      expect(logIdTime(shipped[0] as string)).toBeGreaterThanOrEqual(T - 3 * DAY);
    } finally {
      await tenant.close();
    }
  });
});

describe('logs_expired reaches ship and serve', () => {
  it("ship's summary names the span", async () => {
    const tenant = await tenantKeeping(30);
    const dir = await tempDir();
    try {
      const caFile = path.join(dir, 'ca.pem');
      await fs.writeFile(caFile, tenant.ca);
      const state = path.join(dir, 'state.json');
      const checkpoint = tenant.logIdAt(indexAt(tenant, T - 40 * DAY));
      await fs.writeFile(state, JSON.stringify({ checkpointId: checkpoint }));
      const out = path.join(dir, 'logs.ndjson');
      const env = {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
      };
      const args = ['--ca-file', caFile, '--state', state, '--out', out];
      const json = captureIo({ env, timing: { now: () => T } });
      expect(await runShip([...args, '--json'], json.io)).toBe(0);
      const shipped = ndjsonIds(await fs.readFile(out, 'utf8'));
      const span = { from: iso(checkpoint), to: iso(shipped[0] as string) };
      const summary = JSON.parse(json.stdout()) as { warnings: string[] };
      expect(summary.warnings).toEqual([expiredMessage(span)]);
      // the line a person reads
      await fs.writeFile(state, JSON.stringify({ checkpointId: checkpoint }));
      const line = captureIo({ env, timing: { now: () => T } });
      expect(await runShip(args, line.io)).toBe(0);
      expect(line.stdout()).toContain(`warning: Logs written from ${span.from} to ${span.to}`);
    } finally {
      await tenant.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('serve counts it: auth0_log_tools_expired_spans_total', async () => {
    const metrics = await createClusterMetrics();
    const run = { time: new Date(T).toISOString(), tenant: 'acme', worker: 'w', logsProcessed: 3 };
    metrics.record({
      ...run,
      stopReason: 'caught_up',
      warnings: [{ code: 'logs_expired', message: 'logs may have expired' }],
    });
    metrics.record({
      ...run,
      stopReason: 'caught_up',
      warnings: [{ code: 'rate_limit', message: 'rate limited' }],
    });
    metrics.record({ ...run, stopReason: 'caught_up' });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^auth0_log_tools_expired_spans_total\{tenant="acme"\} 1$/m);
  });
});
