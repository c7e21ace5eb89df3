import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../src/cli/ship/command';
import { captureIo, tempDir, waitFor } from '../support/cli';
import {
  BATCH,
  MAX_RUNS,
  Sink,
  cellsOf,
  expectPromise,
  runCells,
  instantClock,
  instantTiming,
  startCellTenant,
  startSinkServer,
  type Cell,
  type CellTenant,
  type Outcome,
} from './cells';

const ENTRY_POINTS = ['ship', 'follow'] as const;
/** `ship --follow`'s wait between polls, which tells the test it caught up. */
const POLL_MS = 10_000;
const FOLLOW_HOUR_MS = 3600_000;
const main = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const built = existsSync(main);

interface Setup {
  t: CellTenant;
  sink: Sink;
  dir: string;
  env: Record<string, string>;
  argv: string[];
}

/** `ship` (or `ship --follow`, stopped by its signal once caught up) in process, run until done. */
async function inProcess(cell: Cell, { t, sink, env, argv }: Setup): Promise<Outcome> {
  const must = () => t.tenant.logIdAt(t.countAtStart - 1);
  let runs = 0;
  if (cell.entry === 'follow') {
    const controller = new AbortController();
    const { timing, slept } = instantClock();
    const io = captureIo({
      env,
      signal: controller.signal,
      timing: {
        ...timing,
        sleep: async (ms) => {
          if (ms === POLL_MS && sink.ids().includes(must())) controller.abort();
          await timing.sleep(ms);
          // a follow that never catches up is stopped after an hour of (simulated) waiting
          if (slept() > FOLLOW_HOUR_MS) controller.abort();
        },
      },
    });
    expect(await runShip([...argv, '--follow'], io.io)).toBe(0);
    const summary = JSON.parse(io.stdout()) as { runs: number };
    return { delivered: sink.ids(), runs: summary.runs };
  }
  while (runs < MAX_RUNS + 1) {
    runs += 1;
    const io = captureIo({ env, timing: instantTiming() });
    if ((await runShip(argv, io.io)) === 0) break;
  }
  return { delivered: sink.ids(), runs };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/**
 * The built CLI killed with SIGKILL while its second batch is in flight (the destination took it,
 * never answered), then run again to the end (`--follow` stopped by SIGTERM once caught up).
 */
async function killed(cell: Cell, { t, sink, dir, env, argv }: Setup): Promise<Outcome> {
  let victim: ChildProcess | undefined;
  const killAt = t.countAtStart > BATCH ? 2 : 1;
  const server = await startSinkServer(sink, (count) => {
    if (count !== killAt || !victim) return false;
    victim.kill('SIGKILL');
    return true;
  });
  const args = [main, ...argv.map((arg) => (arg === 'SINK' ? server.url : arg))];
  const start = (extra: string[]) =>
    spawn(process.execPath, [...args, ...extra], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
      stdio: 'ignore',
    });
  try {
    victim = start([]);
    // null: killed; a run that ended on its own (it failed before its batch) took no kill
    const kills = (await exited(victim)) === null ? 1 : 0;
    victim = undefined;
    let runs = 1;
    const last = t.tenant.logIdAt(t.countAtStart - 1);
    if (cell.entry === 'follow') {
      // caught up: the new process asked the tenant (its signal handlers are on) and all is shipped
      const asked = t.tenant.stats().logRequests;
      const child = start(['--follow']);
      const exit = exited(child);
      await waitFor(
        () => t.tenant.stats().logRequests > asked && sink.ids().includes(last),
        15_000,
      ).catch(() => child.kill('SIGKILL'));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      return { delivered: sink.ids(), runs: runs + 1, kills };
    }
    while (runs < MAX_RUNS + 1) {
      runs += 1;
      if ((await exited(start([]))) === 0) break;
    }
    return { delivered: sink.ids(), runs, kills };
  } finally {
    await server.close();
  }
}

const run = cellsOf(ENTRY_POINTS, true);
const skipped = cellsOf(ENTRY_POINTS, false);

let failures = new Map<string, unknown>();
beforeAll(async () => {
  failures = await runCells(run, 10, async (cell) => {
    if (cell.fault === 'sigkill' && !built) throw new Error(`${main} is missing: npm run build`);
    const t = await startCellTenant(cell);
    const dir = await tempDir();
    const sink = new Sink(cell, () => t.strike());
    const server = cell.fault === 'sigkill' ? undefined : await startSinkServer(sink);
    try {
      const ca = path.join(dir, 'ca.pem');
      await fs.writeFile(ca, t.tenant.ca);
      const env = {
        AUTH0_DOMAIN: t.tenant.domain,
        AUTH0_CLIENT_ID: t.tenant.clientId,
        AUTH0_CLIENT_SECRET: t.tenant.clientSecret,
      };
      const argv = ['ship', '--ca-file', ca, '--state', path.join(dir, 's.json'), '--json'];
      argv.push('--post', server?.url ?? 'SINK');
      const setup = { t, sink, dir, env, argv };
      const outcome =
        cell.fault === 'sigkill'
          ? await killed(cell, setup)
          : await inProcess(cell, { ...setup, argv: argv.slice(1) });
      expectPromise(cell, t, outcome);
      // the kill did strike a batch in flight
      if (cell.fault === 'sigkill') expect(outcome.kills).toBe(1);
    } finally {
      await server?.close();
      await t.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}, 240_000);

describe(`conformance: ship and ship --follow (${run.length} cells run, ${skipped.length} skipped)`, () => {
  test.each(run)('%s', (_, cell) => {
    if (failures.has(cell.name)) throw failures.get(cell.name);
  });
  if (skipped.length > 0) test.skip.each(skipped)('%s', () => undefined);
});
