import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { playLogStream, startFakeTenant, type FakeTenant } from '../../src/testing';
import { ndjsonIds, tempDir } from '../support/cli';
import { sparePort } from '../support/redis-server';

// A receiver process of the built CLI (npm test builds it first) killed with SIGKILL while the
// stream posts to it, then started again: no log is lost, and only the deliveries in flight at the
// kill (their logs written, their answer or their record of ids not) may be shipped twice.
const main = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const builtIt = existsSync(main) ? it : it.skip;
const TOKEN = 'Bearer crash-test';

let tenant: FakeTenant;
beforeAll(async () => {
  // logs written in the last minutes: younger than the settle time, reconciliation ships none
  tenant = await startFakeTenant({ logs: 400, startDate: Date.now() - 5 * 60_000, seed: 5 });
});
afterAll(() => tenant.close());

builtIt('a receiver killed mid-stream and started again loses no log', async () => {
  const dir = await tempDir();
  const caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
  const out = path.join(dir, 'logs.ndjson');
  const port = await sparePort();
  const start = (): { child: ChildProcess; ready: Promise<void> } => {
    const child = spawn(
      process.execPath,
      [
        main,
        'receive',
        '--listen',
        `127.0.0.1:${port}`,
        '--out',
        out,
        '--state',
        path.join(dir, 'r.json'),
        '--ca-file',
        caFile,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
          AUTH0_LOG_STREAM_TOKEN: TOKEN,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('receiving on')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`receive exited ${code}: ${err}`)));
    });
    return { child, ready };
  };
  let current = start();
  await current.ready;
  let restarted: Promise<void> | undefined;
  let answered = 0;
  const logs = Array.from({ length: 400 }, (_, i) => tenant.logAt(i));
  const report = await playLogStream(logs, {
    url: `http://127.0.0.1:${port}/`,
    authorization: TOKEN,
    logsPerDelivery: 20,
    concurrency: 4,
    shuffle: true,
    attempts: 3,
    redeliveries: 2,
    // a retry waits for the receiver to be back
    sleep: () => restarted ?? Promise.resolve(),
    onAttempt: (attempt) => {
      if (attempt.status !== 200 || ++answered !== 6) return;
      current.child.kill('SIGKILL');
      restarted = new Promise<void>((resolve) => current.child.once('exit', resolve)).then(() => {
        current = start();
        return current.ready;
      });
    },
  });
  expect(restarted).toBeDefined();
  expect(report.gaveUp).toEqual([]);
  expect(report.delivered).toHaveLength(400);
  const ids = await ndjsonIds(await fs.readFile(out, 'utf8'));
  expect(new Set(ids)).toEqual(new Set(logs.map((l) => l.log_id)));
  // twice: at most the deliveries in flight at the kill (4 of 20 logs) and one group's record
  expect(ids.length - 400).toBeLessThanOrEqual(4 * 20 * 2);
  current.child.kill('SIGTERM');
  expect(await new Promise((resolve) => current.child.once('exit', resolve))).toBe(0);
  await fs.rm(dir, { recursive: true, force: true });
});
