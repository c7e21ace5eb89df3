import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { startFakeTenant } from '../../src/testing';
import type { FakeTenant, FakeTenantOptions } from '../../src/testing';
import { getLogs, getToken } from '../support/https-client';

// latencyMs is the time from a request's arrival to its answer, the tenant's own work included. No
// test here measures how fast anything runs: they observe what the answer contains, which timers the
// tenant asks for, and lower bounds that a slow machine can only make longer.

const tenants: FakeTenant[] = [];
async function start(options: FakeTenantOptions): Promise<FakeTenant> {
  const tenant = await startFakeTenant(options);
  tenants.push(tenant);
  return tenant;
}
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(tenants.splice(0).map((tenant) => tenant.close()));
});

/** Resolves once the tenant has received `count` logs requests (that is, built their answers). */
async function arrived(tenant: FakeTenant, count: number): Promise<void> {
  while (tenant.stats().logRequests < count) await new Promise((r) => setTimeout(r, 5));
}

describe('latencyMs', () => {
  it('judges a request as it arrived: logs added and tokens expired while it waits do not change it', async () => {
    const tenant = await start({ logs: 50, latencyMs: 300 });
    const token = await getToken(tenant);
    const from = tenant.logIdAt(9);
    const pending = getLogs(tenant, token, { from, take: 100 });
    // Whenever this runs (during the wait, or after a stalled machine let the answer go), the
    // answer was built before it: only a tenant that builds after waiting would see the changes.
    await arrived(tenant, 1);
    tenant.addLogs(5);
    tenant.expireTokens();
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.json()).toHaveLength(40);
    const after = await getLogs(tenant, await getToken(tenant), { from, take: 100 });
    expect(after.json()).toHaveLength(45);
    expect(tenant.stats()).toMatchObject({ logRequests: 2, status: { 200: 2 }, logsServed: 85 });
  });

  it('waits only what is left of latencyMs once the answer is built, and never answers early', async () => {
    const latencyMs = 400;
    const workMs = 300;
    let slow = false;
    const tenant = await start({
      logs: 300,
      latencyMs,
      // `random` is asked once while a logs answer is built: it stands in for slow work there.
      failRate: Number.MIN_VALUE,
      random: () => {
        const until = performance.now() + (slow ? workMs : 0);
        while (performance.now() < until);
        return 0.5;
      },
    });
    const token = await getToken(tenant);
    const timers = jest.spyOn(global, 'setTimeout');
    slow = true;
    const started = performance.now();
    const answer = await getLogs(tenant, token, { from: tenant.logIdAt(0), take: 100 });
    const elapsed = performance.now() - started;
    expect(answer.json()).toHaveLength(100);
    // A tenant that waited the whole latency after building would have asked for a 400 ms timer.
    const asked = timers.mock.calls.map(([, ms]) => Number(ms));
    expect(asked.every((ms) => ms <= latencyMs - workMs)).toBe(true);
    // The client sent before the request arrived, and the tenant re-checks the time after a timer.
    expect(elapsed).toBeGreaterThanOrEqual(latencyMs);
  });

  it('counts no status and no logs for a request whose client left during the wait', async () => {
    const tenant = await start({ logs: 300, latencyMs: 1000 });
    const token = await getToken(tenant);
    const agent = new https.Agent({ keepAlive: false, ca: tenant.ca });
    const path = `/api/v2/logs?${new URLSearchParams({ from: tenant.logIdAt(0), take: '100' })}`;
    const left = https.request(`${tenant.baseUrl}${path}`, {
      agent,
      headers: { authorization: `Bearer ${token}` },
    });
    left.on('error', () => undefined);
    left.end();
    await arrived(tenant, 1);
    left.destroy();
    // Sent after the first arrived, so its timer runs out after the first one's: once it is
    // answered, the tenant has dropped the first answer.
    const second = await getLogs(tenant, token, { from: tenant.logIdAt(0), take: 10 });
    expect(second.json()).toHaveLength(10);
    expect(tenant.stats()).toMatchObject({ logRequests: 2, status: { 200: 1 }, logsServed: 10 });
  });
});
