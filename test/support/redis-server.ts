import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

/**
 * A `redis-server` of a test's own, on a spare loopback port, with no persistence (`--save ''`,
 * `--appendonly no`): killing it and starting it again gives an EMPTY Redis on the same port, as a
 * failover to a replica that lost its data would. Never the machine's 6379.
 */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server with SIGKILL and waits for its exit (its data is gone). */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
}

/** A port nothing listens on: bound once, then closed. */
export async function sparePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${port} did not start: ${out}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited (${code}): ${out}`));
    });
  });
}

/** Starts an {@link OwnRedis}; `kill()` it at the end of the test. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await sparePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    async start() {
      if (child) throw new Error('redis-server is already running');
      child = await launch(port);
    },
  };
}
