import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { runCli } from '../../src/cli/cli';
import { redisAddress } from '../../src/cluster/redis';

const PASSWORD = 'redis-password-that-must-not-leak';
const GONE_WORKER = path.join(__dirname, '..', 'support', 'redis-gone-worker.cjs');
const WORKER_BUILD = path.join(__dirname, '..', '..', 'dist', 'cluster', 'index.js');

/** A port nothing listens on: bound once, then closed. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

async function until(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function serveConfig(redis: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-redis-'));
  const file = path.join(dir, 'serve.json');
  writeFileSync(
    file,
    JSON.stringify({
      redis,
      queue: `unreachable-${randomUUID().slice(0, 8)}`,
      tenants: [
        {
          id: 't1',
          domain: '127.0.0.1:9',
          clientId: 'x',
          clientSecret: 'y',
          post: { url: 'http://127.0.0.1:9/' },
        },
      ],
    }),
  );
  return file;
}

describe('serve with Redis unreachable', () => {
  it('redisAddress drops the user name and password', () => {
    expect(redisAddress(`redis://admin:${PASSWORD}@10.0.0.1:6380/2`)).toBe(
      'redis://10.0.0.1:6380/2',
    );
    expect(redisAddress(`rediss://:${PASSWORD}@cache.example`)).toBe('rediss://cache.example');
    expect(redisAddress(PASSWORD)).toBe('the redis URL');
  });

  it('fails at start naming redis and its address (no password), exit 1', async () => {
    const port = await unusedPort();
    const stderr = stream();
    const code = await runCli(
      ['serve', '--config', serveConfig(`redis://:${PASSWORD}@127.0.0.1:${port}`)],
      { stdout: stream(), stderr, env: {}, isTTY: false } as never,
    );
    expect(code).toBe(1);
    expect(stderr.text).toContain(
      `cannot start: cannot reach redis at redis://127.0.0.1:${port} within 10 s (connect ECONNREFUSED`,
    );
    expect(stderr.text).toContain(`retrying for up to 10 s`);
    expect(stderr.text).not.toContain(PASSWORD);
    expect(stderr.text).not.toContain('serving');
  }, 60_000);

  it('stops at once on SIGTERM while connecting', async () => {
    const port = await unusedPort();
    const stderr = stream();
    const controller = new AbortController();
    const exit = runCli(['serve', '--config', serveConfig(`redis://127.0.0.1:${port}`)], {
      stdout: stream(),
      stderr,
      env: {},
      isTTY: false,
      signal: controller.signal,
    } as never);
    await until(() => stderr.text.includes('retrying'), 'the first connection error');
    controller.abort();
    expect(await exit).toBe(0);
    expect(stderr.text).toContain('stopped before serving');
    expect(stderr.text).not.toContain('cannot start');
  }, 60_000);

  // In a child process: after a forced disconnect BullMQ keeps reconnecting to the closed relay,
  // which would hold jest open (the CLI exits through process.exit, as the child does).
  (existsSync(WORKER_BUILD) ? it : it.skip)(
    'stops within stopTimeoutSeconds when Redis goes away after start',
    async () => {
      const queue = `gone-${randomUUID().slice(0, 8)}`;
      const child = spawn(process.execPath, [GONE_WORKER], {
        env: { PATH: process.env.PATH, GONE_QUEUE: queue },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(JSON.parse(out)).toEqual({ stopped: true, running: false });
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`*${queue}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
    60_000,
  );
});
