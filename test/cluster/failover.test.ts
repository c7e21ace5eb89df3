import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { startFakeTenant, type FakeTenant } from '../../src/testing';

// The failover proof: three `serve` workers (the built CLI) share three growing tenants while one
// of them is killed with SIGKILL again and again; per tenant, no log is lost, at most one batch is
// shipped twice per kill, and never two requests of a tenant are in flight at once.
const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const GROWTH = 50;
const INTERVAL = 1;
const LEASE = 2;
const KILLS = 6;

interface TenantRecord {
  ids: string[];
  batches: string[][];
  inFlight: number;
  maxInFlight: number;
  arrivals: number[];
}

/** An HTTP sink answering each batch after 50 ms, recording per tenant (the path) what it got. */
async function startSink() {
  const tenants = new Map<string, TenantRecord>();
  const record = (id: string) => {
    let r = tenants.get(id);
    if (!r)
      tenants.set(id, (r = { ids: [], batches: [], inFlight: 0, maxInFlight: 0, arrivals: [] }));
    return r;
  };
  const server = http.createServer((request, response) => {
    const r = record((request.url ?? '/').slice(1));
    r.inFlight += 1;
    r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
    let open = true;
    const done = () => {
      if (open) r.inFlight -= 1;
      open = false;
    };
    response.on('close', done);
    request.on('close', () => {
      if (!request.complete) done();
    });
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const logs = JSON.parse(body) as Array<{ log_id: string }>;
      const ids = logs.map((log) => log.log_id);
      r.arrivals.push(Date.now());
      r.batches.push(ids);
      r.ids.push(...ids);
      setTimeout(() => response.end('ok'), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    record,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A seeded PRNG (mulberry32): the same kills on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function proof(backend: 'redis' | 'postgres') {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-proof-'));
  const queue = `proof-${randomUUID().slice(0, 8)}`;
  const tenants: FakeTenant[] = [];
  for (let i = 0; i < 3; i += 1) tenants.push(await startFakeTenant({ logs: 200, growth: GROWTH }));
  const sink = await startSink();
  const env: Record<string, string> = {};
  const config = {
    redis: 'redis://127.0.0.1:6379',
    ...(backend === 'postgres' ? { postgres: 'postgres://postgres@127.0.0.1:5432/test' } : {}),
    queue,
    leaseSeconds: LEASE,
    tenants: tenants.map((tenant, i) => {
      writeFileSync(path.join(dir, `ca-${i}.pem`), tenant.ca);
      env[`T${i}_SECRET`] = tenant.clientSecret;
      return {
        id: `t${i}`,
        domain: tenant.domain,
        clientId: tenant.clientId,
        clientSecret: `\${T${i}_SECRET}`,
        ca: `ca-${i}.pem`,
        intervalSeconds: INTERVAL,
        batchSize: 100,
        post: { url: `http://127.0.0.1:${sink.port}/t${i}` },
      };
    }),
  };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const logs: string[] = [];
  // a worker is told to stop once it serves (a SIGTERM while Node loads would end it by signal)
  const ready = new Map<ChildProcess, Promise<void>>();
  const start = (): ChildProcess => {
    const child = spawn(
      process.execPath,
      [cli, 'serve', '--config', file, '--log-format', 'json'],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let text = '';
    ready.set(
      child,
      new Promise<void>((resolve) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          logs.push(chunk.toString('utf8'));
          text += chunk.toString('utf8');
          if (text.includes(' serving ')) resolve();
        });
      }),
    );
    return child;
  };
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  const workers = [start(), start(), start()];
  const random = prng(backend === 'redis' ? 11 : 12);
  try {
    await until(
      () => tenants.every((_, i) => sink.record(`t${i}`).batches.length > 0),
      30_000,
      'first batches',
    );
    const kills: number[] = [];
    for (let k = 0; k < KILLS; k += 1) {
      await sleep(1500 + random() * 1500);
      const index = Math.floor(random() * workers.length);
      const victim = workers[index] as ChildProcess;
      kills.push(Date.now());
      victim.kill('SIGKILL');
      await exited(victim);
      workers[index] = start();
    }
    // caught up: each tenant's newest shipped log is within one interval of its newest log
    await until(
      () =>
        tenants.every((tenant, i) => {
          const count = tenant.logCount();
          const newest = tenant.logIdAt(Math.max(0, count - 1 - GROWTH * INTERVAL));
          const ids = sink.record(`t${i}`).ids;
          return ids.some((id) => id >= newest);
        }),
      60_000,
      'the workers to catch up',
    );
    await Promise.all(workers.map((worker) => ready.get(worker)));
    for (const worker of workers) worker.kill('SIGTERM');
    const codes = await Promise.all(workers.map(exited));
    expect(codes).toEqual([0, 0, 0]);

    const figures: Record<string, unknown> = { backend, kills: KILLS };
    tenants.forEach((tenant, i) => {
      const r = sink.record(`t${i}`);
      const index = new Map<string, number>();
      for (let n = 0; n < tenant.logCount(); n += 1) index.set(tenant.logIdAt(n), n);
      const received = new Set(r.ids);
      const newest = Math.max(...r.ids.map((id) => index.get(id) ?? -1));
      const missing: number[] = [];
      for (let n = 0; n <= newest; n += 1) if (!received.has(tenant.logIdAt(n))) missing.push(n);
      const seen = new Set<string>();
      let duplicateBatches = 0;
      let duplicateLogs = 0;
      for (const batch of r.batches) {
        const again = batch.filter((id) => seen.has(id)).length;
        if (again > 0) duplicateBatches += 1;
        duplicateLogs += again;
        for (const id of batch) seen.add(id);
      }
      const pauses = r.arrivals.slice(1).map((time, n) => time - (r.arrivals[n] as number));
      figures[`t${i}`] = {
        logs: received.size,
        duplicateBatches,
        duplicateLogs,
        duplicatesPerKill: duplicateBatches / KILLS,
        longestPauseMs: Math.max(...pauses),
        maxInFlight: r.maxInFlight,
      };
      expect({ tenant: i, missing: missing.slice(0, 5) }).toEqual({ tenant: i, missing: [] });
      expect(duplicateBatches).toBeLessThanOrEqual(KILLS);
      expect(r.maxInFlight).toBe(1);
    });
    const takeovers = logs
      .join('')
      .split('\n')
      .filter((line) => line.includes('"takeover":true'));
    figures['takeovers'] = takeovers.length;
    console.log(`serve failover figures: ${JSON.stringify(figures)}`);
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await sink.close();
    for (const tenant of tenants) await tenant.close();
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`*${queue}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    if (backend === 'postgres') {
      const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
      await pool
        .query(`DELETE FROM auth0_log_tools_state WHERE key LIKE $1`, [`${queue}:%`])
        .catch(() => undefined);
      await pool.end();
    }
  }
}

describe('serve failover (three workers, SIGKILL, fenced checkpoints)', () => {
  it('with checkpoints in Redis: no gap, at most one batch twice per kill, one request per tenant at a time', async () => {
    await proof('redis');
  }, 180_000);

  it('with checkpoints in PostgreSQL: the same', async () => {
    await proof('postgres');
  }, 180_000);
});
