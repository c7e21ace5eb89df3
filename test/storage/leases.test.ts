import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { LogsProcessor } from '../../src/processor';
import { PostgresStorage } from '../../src/storage/postgres';
import { RedisStorage } from '../../src/storage/redis';
import type { StorageLease } from '../../src/storage/lease';
import type { LogEvent, StorageContext, StoredState } from '../../src/types';
import { credentials, useTenant } from '../support/tenant';

const tenant = useTenant({ logs: 450 });

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
const table = `leases_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const prefix = `auth0-log-tools-test:${randomUUID()}`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await redis.quit();
  await pool.end();
});

type Leased = Omit<StorageContext, 'lock'> & {
  lock(): Promise<StorageLease>;
  close(): Promise<void>;
};

interface Backend {
  name: string;
  make(key: string, leaseSeconds?: number): Leased;
  /** What was written of the state (not the checkpoint) since the last call. */
  stateWrites(key: string): Promise<number>;
}

const redisWrites = new Map<string, number>();
const pgWrites = new Map<string, number>();

const backends: Backend[] = [
  {
    name: 'RedisStorage',
    make: (key, leaseSeconds = 5) => {
      // counts the writes that carry the rest of the state (its third argument not empty)
      const client = {
        eval: (...args: Parameters<Redis['eval']>) => {
          const keys = args.slice(2, 2 + Number(args[1])) as string[];
          const argv = args.slice(2 + Number(args[1]));
          if (keys.some((k) => k.endsWith(':state')) && argv[2] !== '')
            redisWrites.set(key, (redisWrites.get(key) ?? 0) + 1);
          return redis.eval(...args);
        },
        mget: redis.mget.bind(redis),
        quit: redis.quit.bind(redis),
      } as unknown as Redis;
      return new RedisStorage({ redis: client, key: `${prefix}:${key}`, leaseSeconds });
    },
    stateWrites: async (key) => redisWrites.get(key) ?? 0,
  },
  {
    name: 'PostgresStorage',
    make: (key, leaseSeconds = 5) => {
      const client = {
        query: (text: string, values: unknown[]) => {
          if (/SET checkpoint/.test(text) && values[3] !== null)
            pgWrites.set(key, (pgWrites.get(key) ?? 0) + 1);
          return pool.query(text, values);
        },
      };
      return new PostgresStorage({ postgres: client, key, table, leaseSeconds });
    },
    stateWrites: async (key) => pgWrites.get(key) ?? 0,
  },
];

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const checkpointOf = (id: string): StoredState => ({ checkpointId: id, logs: [] });
const ID = (n: number) => `900${String(n).padStart(53, '0')}`;

describe.each(backends)('$name', (backend) => {
  it('leases one holder at a time, numbering each with a growing fencing token', async () => {
    const key = `one-${randomUUID()}`;
    const a = backend.make(key);
    const b = backend.make(key);
    const first = await a.lock();
    expect(first).toMatchObject({ fencingToken: 1, takeover: false });
    await expect(b.lock()).rejects.toMatchObject({ name: 'StorageError', code: 'state_locked' });
    await expect(b.write(checkpointOf(ID(1)))).rejects.toMatchObject({ code: 'state_locked' });
    await a.write(checkpointOf(ID(2)));
    await first.release();
    await first.release();
    const second = await b.lock();
    expect(second).toMatchObject({ fencingToken: 2, takeover: false });
    expect(await a.read()).toMatchObject({ checkpointId: ID(2) });
    await second.release();
    expect(first.lost.aborted && second.lost.aborted).toBe(true);
  });

  it('fences a holder whose lease expired and was taken over: its write is refused, lost aborts', async () => {
    const key = `fence-${randomUUID()}`;
    const a = backend.make(key, 1);
    const b = backend.make(key, 1);
    const held = await a.lock();
    await a.write(checkpointOf(ID(5)));
    await a.close(); // stops renewing, as a killed worker would
    const taken = await until(() => b.lock().catch(() => undefined));
    expect(taken).toMatchObject({ fencingToken: held.fencingToken + 1, takeover: true });
    await b.write(checkpointOf(ID(7)));
    await expect(a.write(checkpointOf(ID(6)))).rejects.toMatchObject({
      name: 'StorageError',
      code: 'lease_lost',
    });
    expect(held.lost.aborted).toBe(true);
    expect(held.lost.reason).toMatchObject({ code: 'lease_lost' });
    expect(await b.read()).toMatchObject({ checkpointId: ID(7) });
    await taken.release();
    await held.release();
  });

  it('aborts lost when a renewal finds the lease gone', async () => {
    const key = `renew-${randomUUID()}`;
    const a = backend.make(key, 1);
    const held = await a.lock();
    // the lease is taken from under the holder (an operator, or a clock that jumped)
    if (backend.name === 'RedisStorage') await redis.del(`${prefix}:${key}:lease`);
    else await pool.query(`UPDATE ${table} SET epoch = epoch + 1 WHERE key = $1`, [key]);
    await until(async () => (held.lost.aborted ? true : undefined));
    expect(held.lost.reason).toMatchObject({ code: 'lease_lost' });
    await held.release();
  });

  it("a lost lease's release leaves the next lease of the same storage renewing", async () => {
    const key = `next-${randomUUID()}`;
    const a = backend.make(key, 1);
    const held = await a.lock();
    if (backend.name === 'RedisStorage') await redis.del(`${prefix}:${key}:lease`);
    else
      await pool.query(
        `UPDATE ${table} SET epoch = epoch + 1, lease_until = clock_timestamp() - interval '1 second' WHERE key = $1`,
        [key],
      );
    await until(async () => (held.lost.aborted ? true : undefined));
    // the same storage leases again while the lost run is still ending, then that run releases
    const next = await a.lock();
    await held.release();
    // before: that release stopped the next lease's renewals, so it expired after its second
    // and another holder took it; now it is renewed until released
    const other = backend.make(key, 1);
    for (let i = 0; i < 6; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(other.lock()).rejects.toMatchObject({ code: 'state_locked' });
    }
    expect(next.lost.aborted).toBe(false);
    await next.release();
    await other.close();
  });

  it('runs a LogsProcessor, writing the state once per run and only the checkpoint per batch', async () => {
    const key = `run-${randomUUID()}`;
    const storage = backend.make(key);
    const processor = new LogsProcessor(storage, { ...credentials(tenant()), batchSize: 50 });
    const batches: number[] = [];
    const { status, checkpoint } = await processor.run(async (logs: LogEvent[]) => {
      batches.push(logs.length);
    });
    expect(status.error).toBeUndefined();
    expect(batches.length).toBeGreaterThanOrEqual(9);
    expect(checkpoint).toBe(tenant().logIdAt(449));
    const stored = await storage.read();
    expect(stored).toMatchObject({ checkpointId: checkpoint, logs: [{ logsProcessed: 450 }] });
    // the token and tenant once, the history once: never per batch
    expect(await backend.stateWrites(key)).toBeLessThanOrEqual(3);
    // a second run takes the lease again (it was released)
    const again = await processor.run(async () => undefined);
    expect(again.status.logsProcessed).toBe(0);
    await storage.close();
  });

  it('stops a run whose lease is lost without shipping another batch', async () => {
    const key = `lost-${randomUUID()}`;
    const storage = backend.make(key);
    const thief = backend.make(key);
    const processor = new LogsProcessor(storage, { ...credentials(tenant()), batchSize: 50 });
    let shipped = 0;
    const run = processor.run(async () => {
      shipped += 1;
      if (shipped === 2) {
        // the lease expires during the batch and another worker takes it
        if (backend.name === 'RedisStorage') await redis.del(`${prefix}:${key}:lease`);
        else
          await pool.query(
            `UPDATE ${table} SET lease_until = now() - interval '1 s' WHERE key = $1`,
            [key],
          );
        await thief.lock();
      }
    });
    await expect(run).rejects.toMatchObject({ name: 'StorageError', code: 'lease_lost' });
    expect(shipped).toBe(2);
    const stored = await thief.read();
    expect(stored?.checkpointId).toBe(tenant().logIdAt(49));
    await storage.close();
    await thief.close();
  });
});
