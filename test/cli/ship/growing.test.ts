import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REACHED_START_NOTE } from '../../../src/cli/ship/stop';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import type { StoredState } from '../../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

/** Around when the first `ship` starts (the tenant's simulated clock, not the machine's). */
const START = Date.parse('2026-03-01T12:00:00.000Z');
/**
 * How far the start `ship` reads in the tenant's clock may be from the tenant's clock when it
 * started: the offset is measured from `Date` headers, in whole seconds.
 */
const DATE_HEADER_MS = 1000;

let dir: string;
let tenant: FakeTenant;
let clock: number;
let caFile: string;

beforeEach(async () => {
  dir = await tempDir();
  // A tenant that keeps getting logs, whatever the machine's speed: its clock moves 100 ms at every
  // look (several per request), one new log per 100 ms, so every page has new logs and a run that
  // waits for an empty page never ends. Each ship's clock stands at the tenant's clock when it
  // starts.
  clock = START - 10_000;
  tenant = await startFakeTenant({
    logs: 300,
    seed: 11,
    startDate: START - 86_400_000,
    endDate: START - 10_000,
    growth: 10,
    now: () => (clock += 100),
  });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** `ship --json` to a file, its clock standing at `now`. */
async function ship(now: number) {
  const capture = captureIo({
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
    },
    timing: { now: () => now },
  });
  const out = path.join(dir, 'logs.ndjson');
  const argv = ['--ca-file', caFile, '--state', path.join(dir, 'state.json'), '--out', out];
  const code = await runShip([...argv, '--batch-size', '50', '--json'], capture.io);
  return { code, summary: JSON.parse(capture.stdout()) as Record<string, unknown>, out };
}

const dateOf = (index: number) => Date.parse(tenant.logAt(index).date);

describe('ship without --follow on a tenant that keeps getting logs', () => {
  it('ends once it shipped the logs dated before it started, and the next run goes on from there', async () => {
    const started = clock;
    const first = await ship(started);
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({
      status: 'ok',
      stopReason: 'caught_up',
      runs: 1,
      note: REACHED_START_NOTE,
    });
    const shipped = ndjsonIds(await fs.readFile(first.out, 'utf8'));
    const n = shipped.length;
    // every log from the oldest, once, in order, up to the batch that reached its start
    expect(shipped).toEqual(Array.from({ length: n }, (_, i) => tenant.logIdAt(i)));
    expect(n).toBeGreaterThan(300);
    expect(dateOf(n - 1)).toBeGreaterThanOrEqual(started - DATE_HEADER_MS);
    // stopped after the first batch (of 50) that did
    expect(dateOf(n - 51)).toBeLessThan(started + DATE_HEADER_MS);
    expect(tenant.logCount()).toBeGreaterThan(n); // newer logs wait for the next run
    const state = JSON.parse(
      await fs.readFile(path.join(dir, 'state.json'), 'utf8'),
    ) as StoredState;
    expect(state.checkpointId).toBe(tenant.logIdAt(n - 1));
    expect(state.logs).toHaveLength(1);
    expect(state.logs?.[0]).toMatchObject({ stopReason: 'caught_up', logsProcessed: n });
    expect(state.logs?.[0]).not.toHaveProperty('warning');

    const later = clock;
    const second = await ship(later);
    expect(second.code).toBe(0);
    expect(second.summary).toMatchObject({
      status: 'ok',
      stopReason: 'caught_up',
      startCheckpoint: tenant.logIdAt(n - 1),
    });
    const all = ndjsonIds(await fs.readFile(second.out, 'utf8'));
    expect(all.length).toBeGreaterThan(n);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => tenant.logIdAt(i)));
    expect(dateOf(all.length - 1)).toBeGreaterThanOrEqual(later - DATE_HEADER_MS);
    expect(dateOf(all.length - 51)).toBeLessThan(later + DATE_HEADER_MS);
  });
});
