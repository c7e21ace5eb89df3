import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseServeConfig } from '../../src/cluster/config';
import type { RunRecord } from '../../src/cluster/run-record';
import { clusterTenant } from '../../src/cluster/tenants';
import { startClusterWorker, type ClusterWorker } from '../../src/cluster/worker';
import { playLogStream, type FakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { Pool } from 'pg';
import { runCli } from '../../src/cli/cli';
import { captureIo, startEndpoint, tempDir } from '../support/cli';
import { until } from '../support/cluster';
import { post, simClock, streamBody, instant, startStreamTenant } from '../support/receive';
import { promises as fs } from 'node:fs';
import path from 'node:path';

// near the real clock: Redis expires each hour's set of shipped ids by its own clock, the
// retention after the hour the ids hold
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const TOKEN = 'Bearer acme-stream-token-7c21';
const clock = simClock(T0);

let tenant: FakeTenant;
let logs: LogEvent[];
beforeAll(async () => ({ tenant, logs } = await startStreamTenant(T0, clock)));
afterAll(() => tenant.close());

it('two serve workers take one tenant stream half each: every log once, duplicates dropped across workers, gaps filled by the reconciling run', async () => {
  let down = false;
  const sink = await startEndpoint(() => (down ? 400 : 200));
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'ca.pem'), tenant.ca);
  const queue = `serve-receive-${randomUUID().slice(0, 8)}`;
  const env = { SECRET: tenant.clientSecret, ACME_STREAM_TOKEN: TOKEN };
  const config = parseServeConfig(
    {
      redis: 'redis://127.0.0.1:6379',
      queue,
      leaseSeconds: 2,
      receive: { listen: '127.0.0.1:0', reconcileSettleSeconds: 600 },
      tenants: [
        {
          id: 'acme',
          domain: tenant.domain,
          clientId: tenant.clientId,
          clientSecret: '${SECRET}',
          ca: 'ca.pem',
          intervalSeconds: 1,
          post: { url: sink.url },
          receive: { path: '/acme', tokenEnv: 'ACME_STREAM_TOKEN' },
        },
      ],
    },
    env,
    dir,
  );
  const runs: RunRecord[] = [];
  const workers: ClusterWorker[] = [];
  try {
    for (const name of ['w1', 'w2']) {
      const made = clusterTenant(config.tenants[0] as (typeof config.tenants)[0], env);
      workers.push(
        await startClusterWorker({
          redis: config.redis as string,
          queue,
          leaseSeconds: config.leaseSeconds,
          workerId: name,
          receive: config.receive as NonNullable<typeof config.receive>,
          // the tenant's clock is the test's
          tenants: [{ ...made, processor: { ...made.processor, now: clock.now } }],
          onRun: (run) => runs.push(run),
        }),
      );
    }
    const urls = workers.map((w) => `http://127.0.0.1:${w.receiver?.port ?? 0}/acme`);
    // a run at T0 reconciles nothing yet: every log is younger than the settle time
    await until(() => runs.some((r) => r.stopReason !== undefined), 'a first run');
    expect(sink.ids()).toEqual([]);

    const reports = await Promise.all(
      [0, 1].map((i) =>
        playLogStream(logs.slice(i * 150, i * 150 + 150), {
          url: urls[i] as string,
          authorization: TOKEN,
          format: 'JSONARRAY',
          logsPerDelivery: 13,
          concurrency: 3,
          duplicateShare: 0.05,
          dropShare: 0.05,
          shuffle: true,
          seed: i + 7,
          sleep: instant,
        }),
      ),
    );
    const delivered = reports.flatMap((r) => r.delivered);
    const dropped = reports.flatMap((r) => r.dropped);
    expect(dropped.length).toBeGreaterThan(5);
    expect(reports.every((r) => r.duplicated.length > 0)).toBe(true);
    expect(new Set(sink.ids())).toEqual(new Set(delivered));
    expect(sink.ids()).toHaveLength(delivered.length);

    // the first half redelivered to the other worker: the shared record drops every log
    const again = logs.slice(0, 150).filter((log) => delivered.includes(log.log_id as string));
    const { body, type } = streamBody('JSONARRAY', again);
    const answer = await post(urls[1] as string, body, type, TOKEN);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ shipped: 0, duplicates: again.length, filtered: 0 });
    // a wrong token: 401, nothing read; the other tenant's path or none: 404
    expect((await post(urls[0] as string, body, type, 'Bearer wrong')).status).toBe(401);
    expect((await post(urls[0] as string, body, type)).status).toBe(401);
    expect((await post(urls[0]?.replace('/acme', '/other') ?? '', body, type, TOKEN)).status).toBe(
      404,
    );
    // a destination that refuses: 503, so Auth0 sends the delivery again
    const missing = logs.find((log) => dropped.includes(log.log_id as string)) as LogEvent;
    const one = streamBody('JSONARRAY', [missing]);
    down = true;
    expect((await post(urls[0] as string, one.body, one.type, TOKEN)).status).toBe(503);
    down = false;
    expect(sink.ids()).toHaveLength(delivered.length);

    // 15 minutes later the gaps are older than the settle time: the next run fills them
    clock.set(T0 + 15 * 60_000);
    await until(() => sink.ids().length >= 300, 'the gaps filled by reconciliation');
    const settled = runs.length;
    await until(
      () => runs.slice(settled).some((r) => r.stopReason === 'caught_up'),
      'a run after the fill',
    );
    const ids = sink.ids();
    expect(ids).toHaveLength(300);
    expect(new Set(ids)).toEqual(new Set(logs.map((l) => l.log_id)));
    expect(ids.slice(delivered.length).sort()).toEqual([...dropped].sort());
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await sink.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${queue}*`);
    expect(keys.filter((key) => key.includes(':shipped:')).length).toBeGreaterThan(0);
    const ttl = await redis.pttl(keys.find((key) => key.includes(':shipped:')) as string);
    expect(ttl).toBeGreaterThan(0);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}, 30_000);

it('serve --config with receive and PostgreSQL: says where it listens, dedups against the table, a busy port refused by name', async () => {
  const sink = await startEndpoint(() => 200);
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'ca.pem'), tenant.ca);
  const queue = `serve-receive-${randomUUID().slice(0, 8)}`;
  const file = path.join(dir, 'serve.json');
  const configOn = (listen: string) =>
    JSON.stringify({
      redis: 'redis://127.0.0.1:6379',
      postgres: 'postgres://postgres@127.0.0.1:5432/test',
      queue,
      receive: { listen },
      tenants: [
        {
          id: 'acme',
          domain: tenant.domain,
          clientId: tenant.clientId,
          clientSecret: '${SECRET}',
          ca: 'ca.pem',
          intervalSeconds: 60,
          startFrom: 'now',
          post: { url: sink.url },
          receive: { path: '/acme', tokenEnv: 'ACME_STREAM_TOKEN' },
        },
      ],
    });
  await fs.writeFile(file, configOn('127.0.0.1:0'));
  const controller = new AbortController();
  const { io, stderr } = captureIo({
    env: { SECRET: tenant.clientSecret, ACME_STREAM_TOKEN: TOKEN },
    signal: controller.signal,
  });
  const exit = runCli(['serve', '--config', file], io);
  const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  try {
    await until(() => /receiving Log Streams on/.test(stderr()), 'the listening line');
    const port = Number(
      /receiving Log Streams on http:\/\/127\.0\.0\.1:(\d+) \(\/acme\)/.exec(stderr())?.[1],
    );
    const url = `http://127.0.0.1:${port}/acme`;
    const { body, type } = streamBody('JSONLINES', logs.slice(0, 5));
    const first = await post(url, body, type, TOKEN);
    expect(JSON.parse(first.body)).toEqual({ shipped: 5, duplicates: 0, filtered: 0 });
    const again = await post(url, body, type, TOKEN);
    expect(JSON.parse(again.body)).toEqual({ shipped: 0, duplicates: 5, filtered: 0 });
    expect(sink.ids()).toEqual(logs.slice(0, 5).map((l) => l.log_id));
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM auth0_log_tools_shipped WHERE tenant = $1`,
      [`${queue}:acme`],
    );
    expect(rows[0]).toEqual({ n: 5 });

    // a second serve on the same address: refused at start, naming receive.listen
    await fs.writeFile(file, configOn(`127.0.0.1:${port}`));
    const second = captureIo({ env: { SECRET: tenant.clientSecret, ACME_STREAM_TOKEN: TOKEN } });
    expect(await runCli(['serve', '--config', file], second.io)).toBe(1);
    expect(second.stderr()).toContain(`cannot listen on 127.0.0.1 port ${port} (receive.listen)`);
    expect(stderr() + second.stderr()).not.toContain(TOKEN);
  } finally {
    controller.abort();
    expect(await exit).toBe(0);
    await sink.close();
    await pool.query(`DELETE FROM auth0_log_tools_shipped WHERE tenant = $1`, [`${queue}:acme`]);
    await pool.query(`DELETE FROM auth0_log_tools_state WHERE key = $1`, [`${queue}:acme`]);
    await pool.end();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${queue}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}, 30_000);
