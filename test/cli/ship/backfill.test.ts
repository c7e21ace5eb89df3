import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

const TOTAL = 3000;
let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeAll(async () => {
  dir = await tempDir();
  // two days of logs up to now: all but the last few are older than the 10-minute horizon
  tenant = await startFakeTenant({
    logs: TOTAL,
    seed: 11,
    latencyMs: 20,
    startDate: Date.now() - 2 * 86_400_000,
  });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterAll(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ship --backfill-cursors', () => {
  it('reads the backlog with 4 cursors and ships every log once, in log_id order', async () => {
    const { io, stdout, stderr } = captureIo({
      env: {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
      },
    });
    const state = path.join(dir, 'state.json');
    const argv = ['--ca-file', caFile, '--state', state, '--backfill-cursors', '4', '--json'];
    expect(await runShip(argv, io)).toBe(0);
    const ids = ndjsonIds(stdout());
    expect(ids).toHaveLength(TOTAL);
    expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => tenant.logIdAt(i)));
    const summary = JSON.parse(stderr()) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'ok', logsShipped: TOTAL, warnings: [] });
    // the cursors read at once (each answer waits latencyMs, so they overlap whatever the speed)
    expect(tenant.stats().maxConcurrentRequests).toBeGreaterThan(1);
  });
});
