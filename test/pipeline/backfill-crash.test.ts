import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAKE_TENANT_SHAPES } from '../../src/testing';
import { useTenant } from '../support/tenant';

const BATCH = 100;
const KILLS = 10;
const worker = path.join(__dirname, '..', 'support', 'crash-worker.cjs');
const built = existsSync(path.join(__dirname, '..', '..', 'dist', 'index.js'));
// A real-shaped backlog the worker reads with 8 cursors, which steal work from each other: four
// quiet-nights days in March 2024 with a credential-stuffing burst of 3,000 logs in 3 minutes.
const tenant = useTenant({ ...FAKE_TENANT_SHAPES.burst, logs: 3000, latencyMs: 3 });

function runWorker(env: NodeJS.ProcessEnv, killAfterMs?: number) {
  return new Promise<{ code: number | null; killed: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [worker], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = false;
    child.stdout.resume();
    child.stderr.resume();
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed: killed && code === null });
    });
  });
}

(built ? describe : describe.skip)('backfill crash safety (SIGKILL mid-backfill)', () => {
  it('loses no log and re-ships at most one batch per kill with 8 cursors', async () => {
    const LOGS = tenant().logCount();
    const dir = mkdtempSync(path.join(tmpdir(), 'auth0-log-tools-backfill-crash-'));
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, tenant().ca);
    const env = {
      PATH: process.env.PATH,
      CRASH_OUT: path.join(dir, 'out.ndjson'),
      CRASH_STATE: path.join(dir, 'state.json'),
      CRASH_CA: caFile,
      CRASH_DOMAIN: tenant().domain,
      CRASH_CLIENT_ID: tenant().clientId,
      CRASH_CLIENT_SECRET: tenant().clientSecret,
      CRASH_BATCH: String(BATCH),
      CRASH_CURSORS: '8',
    };
    let midRunKills = 0;
    for (let i = 0; i < KILLS; i++) {
      const result = await runWorker(env, 250 + Math.floor(Math.random() * 250));
      if (result.killed) midRunKills += 1;
    }
    const final = await runWorker(env);
    expect(final.code).toBe(0);

    const ids = readFileSync(env.CRASH_OUT, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    const expected = Array.from({ length: LOGS }, (_, i) => tenant().logIdAt(i));
    const unique = new Set(ids);
    expect(expected.filter((id) => !unique.has(id))).toEqual([]);
    expect(unique.size).toBe(LOGS);
    expect(midRunKills).toBeGreaterThanOrEqual(KILLS / 2);
    expect(ids.length - LOGS).toBeLessThanOrEqual(midRunKills * BATCH);
    // Each run shipped in id order: a re-shipped stretch starts after a kill, never mid-run.
    let restarts = 0;
    for (let i = 1; i < ids.length; i++)
      if ((ids[i] as string) <= (ids[i - 1] as string)) restarts += 1;
    expect(restarts).toBeLessThanOrEqual(midRunKills);
    const state = JSON.parse(readFileSync(env.CRASH_STATE, 'utf8')) as { checkpointId: string };
    expect(state.checkpointId).toBe(tenant().logIdAt(LOGS - 1));
  }, 120_000);
});
