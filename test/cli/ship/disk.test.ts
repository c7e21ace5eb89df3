import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import type { StoredState } from '../../../src/types';
import { captureIo } from '../../support/cli';

// A real small disk: a 200 KB tmpfs, where the machine lets the test mount one (root on Linux).
const dir = mkdtempSync(path.join(os.tmpdir(), 'auth0-log-tools-disk-'));
const disk = path.join(dir, 'disk');
mkdirSync(disk);
let tenant: FakeTenant;

function mount(options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mounted = process.platform === 'linux' && mount('size=200k,mode=0700');

beforeAll(async () => {
  tenant = await startFakeTenant({ logs: 600, seed: 9 });
  await fs.writeFile(path.join(dir, 'ca.pem'), tenant.ca);
});

afterAll(async () => {
  await tenant.close();
  if (mounted) execFileSync('umount', [disk]);
  await fs.rm(dir, { recursive: true, force: true });
});

(mounted ? it : it.skip)(
  'a full disk stores no checkpoint past the last whole line; after space is freed nothing is missing',
  async () => {
    const out = path.join(disk, 'logs.ndjson');
    const state = path.join(dir, 'state.json');
    const argv = [
      '--ca-file',
      path.join(dir, 'ca.pem'),
      '--state',
      state,
      '--out',
      out,
      '--batch-size',
      '50',
      '--max-retries',
      '0',
      '--json',
    ];
    const io = () =>
      captureIo({
        env: {
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
        },
      });
    const lines = async () => (await fs.readFile(out, 'utf8')).split('\n');

    const full = io();
    expect(await runShip(argv, full.io)).toBe(1);
    const summary = JSON.parse(full.stdout()) as { logsShipped: number; error: string };
    expect(summary.error).toMatch(/Cannot write to .*logs\.ndjson: ENOSPC/);
    const written = await lines();
    expect(written.pop()).toBe(''); // whole lines only
    const ids = written.map((line) => (JSON.parse(line) as { log_id: string }).log_id);
    expect(ids.length).toBe(summary.logsShipped);
    expect(ids.length).toBeLessThan(600);
    const stored = JSON.parse(await fs.readFile(state, 'utf8')) as StoredState;
    expect(stored.checkpointId).toBe(ids.at(-1));

    execFileSync('mount', ['-o', 'remount,size=4m', disk]); // space freed
    const again = io();
    expect(await runShip(argv, again.io)).toBe(0);
    const all = await lines();
    expect(all.pop()).toBe('');
    expect(all.map((line) => (JSON.parse(line) as { log_id: string }).log_id)).toEqual(
      Array.from({ length: 600 }, (_, i) => tenant.logIdAt(i)),
    );
  },
);
