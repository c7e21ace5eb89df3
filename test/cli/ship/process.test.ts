import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import type { StoredState } from '../../../src/types';
import { ndjsonIds, tempDir, waitFor } from '../../support/cli';

// Real processes of the built CLI (npm test builds it first): a second run on one state, a reader
// that closes stdout, SIGHUP and log rotation under --follow.
const main = path.join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const built = existsSync(main);

let dir: string;
let tenant: FakeTenant;
let caFile: string;
let state: string;

beforeEach(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 250, seed: 11 });
  caFile = path.join(dir, 'ca.pem');
  state = path.join(dir, 'state.json');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function ship(args: string[]): Running {
  const child = spawn(
    process.execPath,
    [main, 'ship', '--ca-file', caFile, '--state', state, ...args],
    {
      env: {
        PATH: process.env.PATH,
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

const lines = async (file: string) => ndjsonIds(await fs.readFile(file, 'utf8').catch(() => ''));
const stored = async () => JSON.parse(await fs.readFile(state, 'utf8')) as StoredState;
const expectedIds = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => tenant.logIdAt(from + i));

(built ? describe : describe.skip)('ship as a process (built CLI)', () => {
  it('one run per state: a second run exits with 3 at once and ships nothing', async () => {
    const first = ship(['--follow', '--interval', '60', '--out', path.join(dir, 'a.ndjson')]);
    await waitFor(() => first.child.exitCode === null && existsSync(`${state}.lock`), 20_000);
    const a = path.join(dir, 'a.ndjson');
    await waitFor(() => existsSync(a), 20_000);
    for (;;) {
      if ((await lines(a)).length === 250) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const second = ship(['--out', path.join(dir, 'b.ndjson'), '--json']);
    expect(await second.exit).toBe(3);
    expect(second.stderr()).toMatch(
      /^auth0-log-tools ship: The state file .*state\.json is in use by another run \(lock .*state\.json\.lock\)/,
    );
    expect(existsSync(path.join(dir, 'b.ndjson'))).toBe(false);
    expect(second.stdout()).toBe('');
    const requests = tenant.stats().logRequests;

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(existsSync(`${state}.lock`)).toBe(false);
    expect(tenant.stats().logRequests).toBeGreaterThanOrEqual(requests);

    // the state ships to a.ndjson (another destination on it is refused: state-destination.test.ts)
    const third = ship(['--out', a]);
    expect(await third.exit).toBe(0);
    expect(third.stdout()).toMatch(/^Nothing new to ship/);
  });

  it('takes over at once the lock of a run on this host killed with SIGKILL', async () => {
    tenant.setOptions({ latencyMs: 40 });
    const first = ship(['--follow', '--out', path.join(dir, 'a.ndjson'), '--batch-size', '10']);
    await waitFor(() => existsSync(`${state}.lock.owner`), 20_000);
    first.child.kill('SIGKILL');
    await first.exit;
    expect(existsSync(`${state}.lock`)).toBe(true); // left behind, fresh

    const next = ship(['--out', path.join(dir, 'a.ndjson')]);
    expect(await next.exit).toBe(0);
    const all = await lines(path.join(dir, 'a.ndjson'));
    expect(new Set(all)).toEqual(new Set(expectedIds(0, 250)));
    expect(existsSync(`${state}.lock`)).toBe(false);
  });

  it('stops at once with exit 0 when the reader closes stdout, keeping the checkpoint', async () => {
    tenant.setOptions({ latencyMs: 30 });
    const run = ship(['--batch-size', '10', '--json']);
    await waitFor(() => run.stdout().split('\n').length > 5, 20_000);
    run.child.stdout?.destroy(); // `| head -5`
    expect(await run.exit).toBe(0);
    const summary = JSON.parse(run.stderr().trim().split('\n').at(-1) ?? '') as {
      status: string;
      stopReason: string;
      logsShipped: number;
      checkpoint: string;
      note: string;
    };
    expect(run.stderr()).toContain(
      `auth0-log-tools ship: stdout was closed by its reader; stopped after ${summary.logsShipped} logs, checkpoint ${summary.checkpoint} stored`,
    );
    expect(summary).toMatchObject({ status: 'stopped', stopReason: 'aborted' });
    expect(summary.logsShipped).toBeLessThan(250);
    expect(summary.checkpoint).toBe(tenant.logIdAt(summary.logsShipped - 1));
    const doc = await stored();
    expect(doc.checkpointId).toBe(summary.checkpoint);
    expect((doc.logs ?? []).filter((entry) => entry.error)).toEqual([]);
    // the history says why it stopped: the reader went away, not "its abort signal"
    expect(doc.logs?.at(-1)?.warning).toContain('stdout was closed by its reader');
    expect(JSON.stringify(doc.logs)).not.toContain('abort signal');

    // another destination on this state: from the stored checkpoint, chosen with --start-from
    const rest = ship(['--out', path.join(dir, 'rest.ndjson'), '--start-from', summary.checkpoint]);
    expect(await rest.exit).toBe(0);
    expect(await lines(path.join(dir, 'rest.ndjson'))).toEqual(
      expectedIds(summary.logsShipped, 250),
    );
  });

  it('--follow --out survives rename-and-recreate rotation and SIGHUP without losing a log', async () => {
    const out = path.join(dir, 'logs.ndjson');
    const run = ship(['--follow', '--interval', '0.1', '--out', out]);
    // the shipper may be mid-write: only the lines it finished count (a partial last one is not JSON)
    const count = async (file: string) => {
      const text = await fs.readFile(file, 'utf8').catch(() => '');
      return ndjsonIds(text.slice(0, text.lastIndexOf('\n') + 1)).length;
    };
    await waitFor(() => existsSync(out), 20_000);
    while ((await count(out)) < 250) await new Promise((resolve) => setTimeout(resolve, 20));

    await fs.rename(out, `${out}.1`); // logrotate: rename, create, then SIGHUP
    await fs.writeFile(out, '', { mode: 0o600 });
    run.child.kill('SIGHUP');
    tenant.addLogs(40);
    while ((await count(out)) < 40) await new Promise((resolve) => setTimeout(resolve, 20));

    await fs.rename(out, `${out}.2`); // renamed only: the shipper makes the path anew
    tenant.addLogs(25);
    await waitFor(() => existsSync(out), 20_000);
    while ((await count(out)) < 25) await new Promise((resolve) => setTimeout(resolve, 20));

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect([
      ...(await lines(`${out}.1`)),
      ...(await lines(`${out}.2`)),
      ...(await lines(out)),
    ]).toEqual(expectedIds(0, 315));
    expect((await stored()).checkpointId).toBe(tenant.logIdAt(314));
  });
});
