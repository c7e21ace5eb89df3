import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import type { ClusterTenant } from '../../src/cluster/worker-options';
import type { FakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';

/** A port nothing listens on: bound once, then closed. */
export async function sparePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of this test only, on `port`, empty, keeping nothing on disk. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return child;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
    await sleep(50);
  }
}

/** Kills a child with SIGKILL and waits for its exit. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms; rejects naming `what` after `timeoutMs`. */
export async function until(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A cluster tenant of a fake tenant whose handler collects the log ids it was given. */
export function collectingTenant(
  id: string,
  tenant: FakeTenant,
  ids: Set<string>,
  extra: Partial<ClusterTenant> = {},
): ClusterTenant {
  return {
    id,
    intervalSeconds: 1,
    processor: {
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      ca: tenant.ca,
      batchSize: 100,
    },
    handler: async (logs: LogEvent[]) => {
      for (const log of logs) if (log.log_id) ids.add(log.log_id);
    },
    ...extra,
  };
}
