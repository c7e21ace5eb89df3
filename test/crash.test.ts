import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useTenant } from './support/tenant';

const LOGS = 6000;
const BATCH = 100;
const KILLS = 12;
const worker = path.join(__dirname, 'support', 'crash-worker.cjs');
const built = existsSync(path.join(__dirname, '..', 'dist', 'index.js'));
const tenant = useTenant({ logs: LOGS, latencyMs: 3 });

function runWorker(
  env: NodeJS.ProcessEnv,
  killAfterMs?: number,
): Promise<{ code: number | null; killed: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed: killed && code === null, stdout });
    });
  });
}

(built ? describe : describe.skip)(
  'crash safety (SIGKILL at random moments, against the built package)',
  () => {
    it('loses no log and re-ships at most one batch per kill', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'auth0-log-tools-crash-'));
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
      };
      let midRunKills = 0;
      for (let i = 0; i < KILLS; i++) {
        const result = await runWorker(env, 200 + Math.floor(Math.random() * 250));
        if (result.killed) midRunKills += 1;
      }
      const final = await runWorker(env);
      expect(final.code).toBe(0);

      const lines = readFileSync(env.CRASH_OUT, 'utf8').trim().split('\n');
      const ids = lines.map((line) => (JSON.parse(line) as { id: string }).id);
      const unique = new Set(ids);
      const expected = Array.from({ length: LOGS }, (_, i) => tenant().logIdAt(i));
      expect(expected.filter((id) => !unique.has(id))).toEqual([]);
      expect(unique.size).toBe(LOGS);
      expect(midRunKills).toBeGreaterThanOrEqual(KILLS / 2);
      expect(ids.length - LOGS).toBeLessThanOrEqual(midRunKills * BATCH);
      const state = JSON.parse(readFileSync(env.CRASH_STATE, 'utf8')) as { checkpointId: string };
      expect(state.checkpointId).toBe(tenant().logIdAt(LOGS - 1));
    }, 120_000);
  },
);
