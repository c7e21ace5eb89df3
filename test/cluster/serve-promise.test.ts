import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { runCli } from '../../src/cli/cli';
import type { RunRecord } from '../../src/cluster/run-record';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import { until } from '../support/cluster';

const TOTAL = 250;
let tenant: FakeTenant;
let sink: http.Server;
/** Log ids acknowledged per tenant path, and requests seen per path. */
const received: Record<string, string[]> = {};
const requests: Record<string, number> = {};
/** Per path: how the n-th request (0-based) is answered. */
const answers: Record<string, (n: number) => { status: number; headers?: Record<string, string> }> =
  {
    // refuses the first 3 requests (a collector down for a while), then stores
    stop: (n) => ({ status: n < 3 ? 503 : 200 }),
    // refuses its first batch through all its retries (6 tries), then stores
    skip: (n) => ({ status: n < 6 ? 503 : 200 }),
    // always asks for 30 s
    asks: () => ({ status: 429, headers: { 'retry-after': '30' } }),
  };

beforeAll(async () => {
  tenant = await startFakeTenant({ logs: TOTAL });
  sink = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const id = (request.url ?? '/').slice(1);
      const n = requests[id] ?? 0;
      requests[id] = n + 1;
      const answer = answers[id]?.(n) ?? { status: 404 };
      if (answer.status === 200) {
        const logs = JSON.parse(body) as Array<{ log_id: string }>;
        (received[id] ??= []).push(...logs.map((log) => log.log_id));
      }
      response.writeHead(answer.status, answer.headers).end(answer.status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await tenant.close();
  sink.closeAllConnections();
  await new Promise((resolve) => sink.close(resolve));
});

describe('serve keeps the shipping promise', () => {
  it("stops (never skips) by default, skips only when a tenant says so (counted and named), and waits a destination's Retry-After", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-promise-'));
    writeFileSync(path.join(dir, 'ca.pem'), tenant.ca);
    const queue = `serve-promise-${randomUUID().slice(0, 8)}`;
    const port = (sink.address() as AddressInfo).port;
    const entry = (id: string, extra: object = {}) => ({
      id,
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: '${SECRET}',
      ca: 'ca.pem',
      intervalSeconds: 1,
      post: { url: `http://127.0.0.1:${port}/${id}` },
      ...extra,
    });
    const config = {
      redis: 'redis://127.0.0.1:6379',
      queue,
      leaseSeconds: 5,
      tenants: [
        entry('stop'),
        entry('skip', { onBatchFailure: 'skip' }),
        entry('asks', { maxRunTimeSeconds: 10 }),
      ],
    };
    writeFileSync(path.join(dir, 'serve.json'), JSON.stringify(config));
    let err = '';
    const stderr = { write: (chunk: string) => ((err += chunk), true) };
    const controller = new AbortController();
    const exit = runCli(
      [
        'serve',
        '--config',
        path.join(dir, 'serve.json'),
        '--metrics-port',
        '0',
        '--log-format',
        'json',
      ],
      {
        stdout: { write: () => true },
        stderr,
        env: { ...process.env, SECRET: tenant.clientSecret },
        isTTY: false,
        signal: controller.signal,
      } as never,
    );
    const records = (id: string) =>
      err
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as RunRecord)
        .filter((r) => r.tenant === id && !r.skipped);
    const all = Array.from({ length: TOTAL }, (_, i) => tenant.logIdAt(i));
    try {
      await until(
        () =>
          records('stop').some((r) => r.stopReason === 'caught_up') &&
          records('skip').some((r) => r.stopReason === 'caught_up') &&
          records('asks').length >= 1,
        'both tenants caught up and one run of the third',
        60_000,
      );
      // the default: every log arrives, nothing skipped
      expect([...new Set(received['stop'])].sort()).toEqual(all);
      expect(records('stop').every((r) => r.logsSkipped === undefined)).toBe(true);
      // asked to skip: the first batch is given up, counted and named
      const skipped = records('skip').find((r) => r.logsSkipped);
      expect(skipped).toMatchObject({
        logsSkipped: 100,
        skippedRanges: [{ fromCheckpoint: null, toCheckpoint: tenant.logIdAt(99), logs: 100 }],
      });
      expect(new Set(received['skip']).size).toBe(TOTAL - 100);
      // Retry-After: 30 outlasts the run (10 s): the run stops, the tenant waits the asked 30 s
      expect(records('asks')[0]).toMatchObject({ stopReason: 'failed', retryInSeconds: 30 });
      const metricsPort = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toContain('auth0_log_tools_logs_skipped_total{tenant="skip"} 100');
      expect(metrics).toContain('auth0_log_tools_logs_skipped_total{tenant="stop"} 0');
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`*${queue}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  }, 90_000);
});
