import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { runCli } from '../../src/cli/cli';
import type { TenantStatusReport } from '../../src/cli/status-config';
import { logIdTime } from '../../src/auth0/log-id';
import { startClusterWorker } from '../../src/cluster/worker';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import { collectingTenant, until } from '../support/cluster';

const REDIS = 'redis://127.0.0.1:6379';
const POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
let tenant: FakeTenant;
beforeAll(async () => {
  tenant = await startFakeTenant({ logs: 120 });
});
afterAll(() => tenant.close());

function stream() {
  let text = '';
  return {
    write: (chunk: string) => ((text += chunk), true),
    get text() {
      return text;
    },
  };
}

async function status(args: string[], env: Record<string, string>) {
  const stdout = stream();
  const stderr = stream();
  const code = await runCli(['status', ...args], {
    stdout,
    stderr,
    env,
    isTTY: false,
  } as never);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe.each(['redis', 'postgres'] as const)('status --config (checkpoints in %s)', (backend) => {
  it("shows each tenant's checkpoint, newest log date, lag and runs; never the secret", async () => {
    const queue = `status-${randomUUID().slice(0, 8)}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'status-config-'));
    const file = path.join(dir, 'serve.json');
    const env = { SECRET: tenant.clientSecret };
    const entry = (id: string) => ({
      id,
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: '${SECRET}',
      post: { url: 'http://127.0.0.1:9/' },
    });
    writeFileSync(
      file,
      JSON.stringify({
        redis: REDIS,
        ...(backend === 'postgres' ? { postgres: POSTGRES } : {}),
        queue,
        tenants: [entry('a'), entry('b')],
      }),
    );
    const shipped = new Set<string>();
    const worker = await startClusterWorker({
      redis: REDIS,
      ...(backend === 'postgres' ? { postgres: POSTGRES } : {}),
      queue,
      stopTimeoutSeconds: 5,
      tenants: [collectingTenant('a', tenant, shipped)],
    });
    try {
      await until(() => shipped.size === 120, 'tenant a to catch up');
    } finally {
      await worker.stop();
    }
    const json = await status(['--config', file, '--tenant', 'a', '--json'], env);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const [report] = JSON.parse(json.stdout) as TenantStatusReport[];
    const newest = tenant.logIdAt(119);
    expect(report).toMatchObject({
      id: 'a',
      checkpoint: newest,
      newestLogDate: new Date(logIdTime(newest)!).toISOString(),
    });
    expect(report!.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(report!.history.at(-1)).toMatchObject({ logsProcessed: 120, checkpoint: newest });
    expect(report!.state).toContain(backend === 'postgres' ? `${queue}:a` : `${queue}:tenant:a`);

    const text = await status(['--config', file], env);
    expect(text.code).toBe(1); // tenant b never ran
    expect(text.stdout).toContain('Tenant:       a');
    expect(text.stdout).toContain(`Checkpoint:   ${newest}`);
    expect(text.stdout).toMatch(/Newest log: {3}\S+ \(lag /);
    expect(text.stderr).toContain('tenant b: no state at');
    for (const out of [json.stdout, text.stdout, text.stderr])
      expect(out).not.toContain(tenant.clientSecret);

    const unknown = await status(['--config', file, '--tenant', 'zz'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Expected --tenant to be a tenant id of');

    const client = new Redis(REDIS);
    const keys = await client.keys(`*${queue}*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
    if (backend === 'postgres') {
      const pool = new Pool({ connectionString: POSTGRES });
      await pool.query('DELETE FROM auth0_log_tools_state WHERE key LIKE $1', [`${queue}:%`]);
      await pool.end();
    }
  }, 60_000);
});

it('says where it could not read a state and which setting to check, never the password', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'status-config-'));
  const file = path.join(dir, 'serve.json');
  // nothing listens on port 1: before, the error was ioredis's own, naming neither Redis nor the key
  writeFileSync(
    file,
    JSON.stringify({
      redis: 'redis://admin:redis-pw-123@127.0.0.1:1',
      queue: 'status-down',
      tenants: [
        {
          id: 'a',
          domain: tenant.domain,
          clientId: tenant.clientId,
          clientSecret: 'plain-secret-456',
          post: { url: 'http://127.0.0.1:9/' },
        },
      ],
    }),
  );
  const down = await status(['--config', file], {});
  expect(down.code).toBe(1);
  expect(down.stderr).toContain(
    'tenant a: cannot read its state at redis://127.0.0.1:1 status-down:tenant:a: ',
  );
  expect(down.stderr).toContain('check `redis` in the configuration and that it is running');
  expect(down.stderr).not.toContain('redis-pw-123');
  expect(down.stderr).not.toContain('plain-secret-456');
}, 60_000);
