import { createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { playLogStream, type FakeTenant } from '../../src/testing';
import { LOG_CATEGORIES } from '../../src/auth0/log-categories';
import type { LogEvent } from '../../src/types';
import {
  simClock,
  startReceive,
  tenantSetup,
  instant,
  startStreamTenant,
} from '../support/receive';

const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
const TOKEN = 'Bearer stream-token-shape';
const KEY = 'receive-pii-key-0123456789abcdef';
const CATEGORIES = ['auth.login.fail', 'auth.login.success'];

const clock = simClock(T0);
let tenant: FakeTenant;
let logs: LogEvent[];
beforeAll(async () => ({ tenant, logs } = await startStreamTenant(T0, clock, { seed: 7 })));
afterAll(() => tenant.close());

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 1000) throw new Error('until: timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('ships only the categories, as {log_id, data}, user names hashed: the stream and reconciliation alike', async () => {
  const { dir, env, caFile } = await tenantSetup(tenant);
  const out = path.join(dir, 'logs.ndjson');
  const run = await startReceive(
    [
      ...['--out', out, '--state', path.join(dir, 'r.json'), '--ca-file', caFile],
      ...['--format', 'stream', '--pii', 'email,username', '--pii-method', 'hash'],
      ...['--categories', CATEGORIES.join(',')],
    ],
    { ...env, AUTH0_LOG_STREAM_TOKEN: TOKEN, AUTH0_LOG_TOOLS_PII_KEY: KEY },
    clock,
  );
  const report = await playLogStream(logs, {
    url: run.url,
    authorization: TOKEN,
    logsPerDelivery: 13,
    concurrency: 3,
    duplicateShare: 0.05,
    dropShare: 0.1,
    shuffle: true,
    seed: 3,
    sleep: instant,
  });
  const covered = new Set(CATEGORIES.flatMap((name) => LOG_CATEGORIES[name] ?? []));
  const expected = logs.filter((log) => covered.has(log.type));
  const byId = new Map(expected.map((log) => [log.log_id as string, log]));
  // the shape covers some of the tenant's logs, and the stream dropped some of those
  expect(expected.length).toBeGreaterThan(20);
  expect(expected.length).toBeLessThan(280);
  const droppedCovered = report.dropped.filter((id) => byId.has(id));
  expect(droppedCovered.length).toBeGreaterThan(0);
  expect(report.gaveUp).toEqual([]);

  // 15 minutes later reconciliation fills the gaps, of the categories only
  await until(() => run.waits() === 1);
  clock.set(T0 + 15 * 60_000);
  run.tick();
  await until(() => run.waits() === 2);
  run.stop();
  expect(await run.done).toBe(0);

  const lines = (await fs.readFile(out, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { log_id: string; data: LogEvent });
  expect(lines.map((l) => l.log_id).sort()).toEqual([...byId.keys()].sort());
  const filled = lines.slice(lines.length - droppedCovered.length).map((l) => l.log_id);
  expect(filled.sort()).toEqual([...droppedCovered].sort());
  const hash = (value: unknown) => createHmac('sha256', KEY).update(String(value)).digest('hex');
  for (const { log_id, data, ...rest } of lines) {
    const log = byId.get(log_id) as LogEvent;
    expect(rest).toEqual({});
    expect(data.log_id).toBe(log_id);
    expect(data.type).toBe(log.type);
    if (log.user_name !== undefined) expect(data.user_name).toBe(hash(log.user_name));
  }
  // user names were checked hashed in streamed and reconciled logs alike: the same shaper
  const named = (ids: string[]) => ids.filter((id) => byId.get(id)?.user_name).length;
  expect(named(filled)).toBeGreaterThan(0);
  expect(named(lines.map((l) => l.log_id).filter((id) => !filled.includes(id)))).toBeGreaterThan(0);
  expect(run.stderr()).not.toContain(KEY);
});
