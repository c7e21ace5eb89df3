import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  DATE_HEADER_RESOLUTION_MS,
  REACHED_START_NOTE,
  tenantStart,
} from '../../../src/cli/ship/stop';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant, type FakeTenantOptions } from '../../../src/testing';
import type { StoredState } from '../../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

/**
 * Issue 19, input 2: `ship` without `--follow` stops at the logs dated from when it started; that
 * moment is read in the tenant's clock (this machine's start moved by the offset the client
 * measures from the tenant's `Date` headers), never this machine's clock alone. Every clock here is
 * simulated.
 */

const T = Date.parse('2026-03-01T12:00:00.000Z');
const HOUR = 3600_000;

let dir: string;
let tenant: FakeTenant;
let caFile: string;

async function start(options: FakeTenantOptions) {
  tenant = await startFakeTenant(options);
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
}

beforeEach(async () => {
  dir = await tempDir();
});

afterEach(async () => {
  await tenant?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** `ship --json` to a file, this machine's clock read by `now`. */
async function ship(now: () => number) {
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
    },
    timing: { now },
  });
  const out = path.join(dir, 'logs.ndjson');
  const state = path.join(dir, 'state.json');
  const code = await runShip(
    ['--ca-file', caFile, '--state', state, '--out', out, '--json'],
    capture.io,
  );
  const summary = JSON.parse(capture.stdout()) as Record<string, unknown>;
  const stored = JSON.parse(await fs.readFile(state, 'utf8')) as StoredState;
  return { code, summary, shipped: ndjsonIds(await fs.readFile(out, 'utf8')), stored };
}

describe('tenantStart', () => {
  it("moves this machine's start by the tenant's offset, to the end of the Date header's second", () => {
    expect(tenantStart(T - HOUR, T + 5000, T - HOUR + 5000)).toBe(T + DATE_HEADER_RESOLUTION_MS);
    expect(tenantStart(T + HOUR, T, T + HOUR)).toBe(T + DATE_HEADER_RESOLUTION_MS);
  });
});

describe("ship without --follow reads when it started in the tenant's clock", () => {
  it('a clock 1 h behind the tenant: 5,000 logs of the last 30 minutes, one ship ships all of them', async () => {
    // the tenant's clock stands at T; its 5,000 logs were written from T - 30 min to T
    await start({ logs: 5000, seed: 5, startDate: T - HOUR / 2, endDate: T, now: () => T });
    const run = await ship(() => T - HOUR);
    expect(run.code).toBe(0);
    // before: 100 logs (the first batch was dated after this machine's start), caught_up
    expect(run.summary).toMatchObject({ status: 'ok', stopReason: 'caught_up', logsShipped: 5000 });
    expect(run.shipped).toEqual(Array.from({ length: 5000 }, (_, i) => tenant.logIdAt(i)));
    expect(run.stored.checkpointId).toBe(tenant.logIdAt(4999));
  });

  it('a clock 1 h ahead on a tenant that keeps getting logs: stops at its start, the next run goes on, no log lost', async () => {
    // The tenant's clock moves 100 ms at every look; one new log per 100 ms from T on, so a run
    // that waits for an empty page never ends. This machine's clock is that clock plus 1 h.
    let clock = T;
    await start({
      logs: 300,
      seed: 6,
      startDate: T - 86_400_000,
      endDate: T,
      growth: 10,
      now: () => (clock += 100),
    });
    const first = await ship(() => clock + HOUR);
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({
      status: 'ok',
      stopReason: 'caught_up',
      note: REACHED_START_NOTE,
    });
    const n = first.shipped.length;
    expect(first.shipped).toEqual(Array.from({ length: n }, (_, i) => tenant.logIdAt(i)));
    // it stopped at the first batch (of 100) reaching the logs written since it started: the 300
    // older logs, and at most one batch of the new ones
    expect(n).toBeGreaterThanOrEqual(300);
    expect(n).toBeLessThanOrEqual(400);
    expect(tenant.logCount()).toBeGreaterThan(n);
    const second = await ship(() => clock + HOUR);
    expect(second.code).toBe(0);
    // every log once, in order, across both runs
    const all = second.shipped;
    expect(all.length).toBeGreaterThan(n);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => tenant.logIdAt(i)));
    expect(second.stored.checkpointId).toBe(all.at(-1));
  });
});
