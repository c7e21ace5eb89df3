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

let tenant: FakeTenant;
let sink: http.Server;
const received: Record<string, number> = {};

beforeAll(async () => {
  tenant = await startFakeTenant({ logs: 250 });
  sink = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const id = (request.url ?? '/').slice(1);
      received[id] = (received[id] ?? 0) + (JSON.parse(body) as unknown[]).length;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await tenant.close();
  sink.closeAllConnections();
  await new Promise((resolve) => sink.close(resolve));
});

function stream() {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
}

describe('auth0-log-tools serve (in process)', () => {
  it('ships a tenant while another one fails on its own; metrics, healthz and JSON lines carry no secret', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-cli-'));
    writeFileSync(path.join(dir, 'ca.pem'), tenant.ca);
    const queue = `serve-${randomUUID().slice(0, 8)}`;
    const port = (sink.address() as AddressInfo).port;
    const wrongSecret = 'wrong-secret-that-must-not-leak-123456';
    const config = {
      redis: 'redis://127.0.0.1:6379',
      queue,
      leaseSeconds: 2,
      tenants: [
        {
          id: 'good',
          domain: tenant.domain,
          clientId: tenant.clientId,
          clientSecret: '${GOOD_SECRET}',
          ca: 'ca.pem',
          intervalSeconds: 1,
          post: { url: `http://127.0.0.1:${port}/good`, headers: { authorization: '${TOKEN}' } },
        },
        {
          id: 'bad',
          domain: tenant.domain,
          clientId: 'another-client',
          clientSecret: '${BAD_SECRET}',
          ca: 'ca.pem',
          intervalSeconds: 1,
          post: { url: `http://127.0.0.1:${port}/bad` },
        },
      ],
    };
    writeFileSync(path.join(dir, 'serve.json'), JSON.stringify(config));
    const stdout = stream();
    const stderr = stream();
    const controller = new AbortController();
    const env = {
      ...process.env,
      GOOD_SECRET: tenant.clientSecret,
      BAD_SECRET: wrongSecret,
      TOKEN: 'Bearer sink-token-789',
    };
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
      { stdout, stderr, env, isTTY: false, signal: controller.signal } as never,
    );
    const records = () =>
      stderr.text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as RunRecord);
    try {
      await until(
        () =>
          records().some((r) => r.tenant === 'good' && r.stopReason === 'caught_up') &&
          records().filter((r) => r.tenant === 'bad' && r.error).length >= 2,
        'a good run and two failed ones',
      );
      const metricsPort = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr.text)?.[1]);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(health.status).toBe(200);
      expect(metrics).toMatch(/auth0_log_tools_logs_shipped_total\{tenant="good"\} 250/);
      expect(metrics).toMatch(/auth0_log_tools_run_failures_total\{tenant="bad"\} [1-9]/);
      expect(metrics).toMatch(
        /auth0_log_tools_runs_total\{tenant="good",stop_reason="caught_up"\}/,
      );
      expect(metrics).toMatch(/auth0_log_tools_lag_seconds\{tenant="good"\}/);
      expect(metrics).toContain('auth0_log_tools_lease_takeovers_total');
      // the failing tenant backs off: its retry delay doubles
      const bad = records().filter((r) => r.tenant === 'bad' && r.error);
      expect(bad[0]).toMatchObject({ failures: 1, retryInSeconds: 1 });
      expect(bad[1]).toMatchObject({ failures: 2, retryInSeconds: 2 });
      expect(received['good']).toBe(250);
      expect(received['bad']).toBeUndefined();
      for (const text of [stderr.text, stdout.text, metrics]) {
        expect(text).not.toContain(wrongSecret);
        expect(text).not.toContain(tenant.clientSecret);
        expect(text).not.toContain('sink-token-789');
      }
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`*${queue}*`);
      // the leases were released
      expect(keys.filter((key) => key.endsWith(':lease'))).toEqual([]);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    expect(stderr.text).toContain('stopped: leases released');
  }, 60_000);

  it('binds /metrics where --metrics-host (or metricsHost) says, and says the bound address', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-cli-'));
    writeFileSync(path.join(dir, 'ca.pem'), tenant.ca);
    const queue = `serve-${randomUUID().slice(0, 8)}`;
    const port = (sink.address() as AddressInfo).port;
    writeFileSync(
      path.join(dir, 'serve.json'),
      JSON.stringify({
        redis: 'redis://127.0.0.1:6379',
        queue,
        metricsHost: '127.0.0.1',
        tenants: [
          {
            id: 'host',
            domain: tenant.domain,
            clientId: tenant.clientId,
            clientSecret: '${SECRET}',
            ca: 'ca.pem',
            post: { url: `http://127.0.0.1:${port}/host` },
          },
        ],
      }),
    );
    const stderr = stream();
    const controller = new AbortController();
    const exit = runCli(
      ['serve', '--config', path.join(dir, 'serve.json'), '--metrics-port', '0'].concat([
        '--metrics-host',
        '0.0.0.0',
      ]),
      {
        stdout: stream(),
        stderr,
        env: { ...process.env, SECRET: tenant.clientSecret },
        isTTY: false,
        signal: controller.signal,
      } as never,
    );
    try {
      await until(() => stderr.text.includes('metrics on '), 'the metrics line');
      expect(stderr.text).toMatch(/metrics on http:\/\/0\.0\.0\.0:\d+\/metrics/);
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`*${queue}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  }, 60_000);

  it('refuses a --metrics-host it cannot bind before any run, naming the flag and the key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-cli-'));
    writeFileSync(path.join(dir, 'ca.pem'), tenant.ca);
    const queue = `serve-${randomUUID().slice(0, 8)}`;
    const port = (sink.address() as AddressInfo).port;
    writeFileSync(
      path.join(dir, 'serve.json'),
      JSON.stringify({
        redis: 'redis://127.0.0.1:6379',
        queue,
        metricsHost: 'no-such-host.invalid',
        tenants: [
          {
            id: 'badhost',
            domain: tenant.domain,
            clientId: tenant.clientId,
            clientSecret: '${SECRET}',
            ca: 'ca.pem',
            post: { url: `http://127.0.0.1:${port}/badhost` },
          },
        ],
      }),
    );
    const stderr = stream();
    const code = await runCli(
      ['serve', '--config', path.join(dir, 'serve.json'), '--metrics-port', '0'],
      {
        stdout: stream(),
        stderr,
        env: { ...process.env, SECRET: tenant.clientSecret },
        isTTY: false,
      } as never,
    );
    // before: `cannot start: getaddrinfo ENOTFOUND no-such-host.invalid` after the worker had started
    expect(code).toBe(1);
    expect(stderr.text).toContain(
      'cannot start: cannot listen on no-such-host.invalid port 0 (--metrics-host or metricsHost, --metrics-port)',
    );
    expect(stderr.text).not.toContain('serving');
    expect(received['badhost']).toBeUndefined();
    const redis = new Redis('redis://127.0.0.1:6379');
    expect(await redis.keys(`*${queue}*`)).toEqual([]);
    await redis.quit();
  }, 60_000);

  it('refuses a bad configuration at start, naming the key and tenant', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-cli-'));
    writeFileSync(
      path.join(dir, 'serve.json'),
      JSON.stringify({ redis: 'redis://127.0.0.1:6379', tenants: [{ id: 'x', domain: 'd' }] }),
    );
    const stderr = stream();
    const code = await runCli(['serve', '--config', path.join(dir, 'serve.json')], {
      stdout: stream(),
      stderr,
      env: {},
      isTTY: false,
    } as never);
    expect(code).toBe(2);
    expect(stderr.text).toContain('tenants[0].clientId (tenant "x"): missing');
    const usage = stream();
    expect(
      await runCli(['serve'], { stdout: stream(), stderr: usage, env: {}, isTTY: false } as never),
    ).toBe(2);
    expect(usage.text).toContain('--config');
  });
});
