import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { ndjsonIds } from '../support/cli';
import { post, simClock, startReceive, streamBody, tenantSetup } from '../support/receive';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const TOKEN = 'Bearer stream-token-4f9a';
const FORMATS = ['JSONLINES', 'JSONARRAY', 'JSONOBJECT'] as const;

/** A seeded shuffle (mulberry32), so every run posts in the same disorder. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('receive: a stream with duplicates, gaps and disorder, reconciled', () => {
  const clock = simClock(T0);
  let tenant: FakeTenant;
  beforeAll(async () => {
    // 300 logs written in the 9 minutes before T0: younger than the settle time (600 s) at T0
    tenant = await startFakeTenant({
      logs: 300,
      startDate: T0 - 9 * 60_000,
      endDate: T0 - 60_000,
      now: clock.now,
    });
  });
  afterAll(() => tenant.close());

  it('ships every log exactly once: pushed ones at once, the missing ones by reconciliation', async () => {
    const { dir, env, caFile } = await tenantSetup(tenant);
    const out = path.join(dir, 'logs.ndjson');
    const state = path.join(dir, 'receive.json');
    const run = await startReceive(
      ['--out', out, '--state', state, '--ca-file', caFile],
      { ...env, AUTH0_LOG_STREAM_TOKEN: TOKEN },
      clock,
    );
    const logs = Array.from({ length: 300 }, (_, i) => tenant.logAt(i));
    // 5% never pushed, 5% pushed twice, all shuffled
    const never = new Set(logs.filter((_, i) => i % 20 === 7).map((l) => l.log_id));
    const pushed = logs.filter((l) => !never.has(l.log_id));
    const twice = pushed.filter((_, i) => i % 19 === 3);
    const order = shuffled([...pushed, ...twice], 21);
    const deliveries: LogEvent[][] = [];
    for (let i = 0, n = 0; i < order.length; n++) {
      const format = FORMATS[n % 3] as (typeof FORMATS)[number];
      const size = format === 'JSONOBJECT' ? 1 : 17;
      deliveries.push(order.slice(i, i + size));
      i += size;
    }
    // several in flight at once
    for (let i = 0; i < deliveries.length; i += 4) {
      const answers = await Promise.all(
        deliveries.slice(i, i + 4).map((batch, k) => {
          const format = batch.length === 1 ? 'JSONOBJECT' : FORMATS[(i + k) % 2];
          const { body, type } = streamBody(format as (typeof FORMATS)[number], batch);
          return post(run.url, body, type, TOKEN);
        }),
      );
      for (const answer of answers) expect(answer.status).toBe(200);
    }
    const afterStream = ndjsonIds(await fs.readFile(out, 'utf8'));
    expect(afterStream).toHaveLength(pushed.length);
    expect(new Set(afterStream).size).toBe(pushed.length);

    // 15 minutes later the gaps are older than the settle time: the next reconciliation fills them
    expect(run.waits()).toBe(1);
    clock.set(T0 + 15 * 60_000);
    run.tick();
    while (run.waits() < 2) await new Promise((r) => setTimeout(r, 10));
    const ids = ndjsonIds(await fs.readFile(out, 'utf8'));
    expect(ids).toHaveLength(300);
    expect(new Set(ids)).toEqual(new Set(logs.map((l) => l.log_id)));
    expect(ids.slice(pushed.length).sort()).toEqual([...never].sort());

    const metrics = await (await fetch(`${run.url}metrics`)).text();
    expect(metrics).toMatch(/auth0_log_tools_stream_received_total\{[^}]*\} 300\b/);
    expect(metrics).toMatch(/auth0_log_tools_stream_duplicates_dropped_total\{[^}]*\} 15\b/);
    expect(metrics).toMatch(/auth0_log_tools_filled_by_reconcile_total\{[^}]*\} 15\b/);
    expect(metrics).toMatch(/auth0_log_tools_reconcile_lag_seconds\{[^}]*\} 600\b/);
    expect(metrics).toMatch(/auth0_log_tools_stream_deliveries_total\{[^}]*code="200"[^}]*\} \d+/);
    run.stop();
    expect(await run.done).toBe(0);
    expect(run.stderr()).not.toContain('stream-token-4f9a');
  });
});
