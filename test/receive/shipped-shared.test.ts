import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { logIdAt } from '../../src/auth0/log-id';
import {
  postgresShippedIds,
  redisShippedIds,
  SHIPPED_TABLE,
  type SharedShippedRecord,
  type ShippedRedisClient,
} from '../../src/receive/shipped-shared';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
/** A log id of `ms` ending in `n` (ids of one hour and of the hours before). */
const id = (ms: number, n: number) => `${logIdAt(ms).slice(0, 50)}${String(n).padStart(6, '0')}`;

/** What every shared record does: the ids not shipped, each once, in order; recorded ones never again. */
async function recordsWhatWasShipped(record: SharedShippedRecord) {
  const a = id(NOW, 1);
  const b = id(NOW - HOUR, 2);
  const c = id(NOW - 2 * HOUR, 3);
  expect(await record.unshipped([a, b, a, c])).toEqual([a, b, c]);
  await record.record([a, c, a]);
  expect(await record.unshipped([c, b, a])).toEqual([b]);
  await record.record([]);
  expect(await record.unshipped([])).toEqual([]);
}

describe('Redis record of shipped ids', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const key = `shipped-test-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const keys = await redis.keys(`${key}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('keeps a set per hour that expires the retention after its hour, shared by every client', async () => {
    const record = redisShippedIds(redis as unknown as ShippedRedisClient, {
      key,
      retentionMs: 30 * DAY,
    });
    await recordsWhatWasShipped(record);
    // another worker's client sees the same record
    const other = redisShippedIds(redis as unknown as ShippedRedisClient, {
      key,
      retentionMs: 30 * DAY,
    });
    expect(await other.unshipped([id(NOW, 1), id(NOW, 9)])).toEqual([id(NOW, 9)]);
    expect((await redis.keys(`${key}:shipped:*`)).sort()).toEqual(
      [`${key}:shipped:${NOW}`, `${key}:shipped:${NOW - 2 * HOUR}`].sort(),
    );
    const left = await redis.pexpiretime(`${key}:shipped:${NOW}`);
    expect(left).toBe(NOW + HOUR + 30 * DAY);
    // ids older than the retention expire at once
    await record.record([id(NOW - 40 * DAY, 4)]);
    expect(await redis.exists(`${key}:shipped:${NOW - 40 * DAY}`)).toBe(0);
    await record.prune();
  });
});

describe('PostgreSQL record of shipped ids', () => {
  const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  const key = `shipped-test-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    await pool.query(`DELETE FROM ${SHIPPED_TABLE} WHERE tenant = $1`, [key]);
    await pool.end();
  });

  it('keeps a row per (tenant, log_id) with its hour; prune deletes the hours past retention', async () => {
    let now = NOW;
    const record = postgresShippedIds(pool, { key, retentionMs: 2 * DAY, now: () => now });
    await recordsWhatWasShipped(record);
    // another tenant's record is its own
    const other = postgresShippedIds(pool, { key: `${key}-other`, retentionMs: 2 * DAY });
    expect(await other.unshipped([id(NOW, 1)])).toEqual([id(NOW, 1)]);
    const { rows } = await pool.query(
      `SELECT log_id, hour FROM ${SHIPPED_TABLE} WHERE tenant = $1 ORDER BY log_id`,
      [key],
    );
    expect(rows.map((row) => [row.log_id, (row.hour as Date).getTime()])).toEqual([
      [id(NOW - 2 * HOUR, 3), NOW - 2 * HOUR],
      [id(NOW, 1), NOW],
    ]);
    // 2 days less 30 minutes later the hour 2 h before NOW ended more than the retention ago
    // (2 days and 30 minutes), the hour of NOW not yet (it ended 1 day 22 h 30 min ago)
    now = NOW + 2 * DAY - 30 * 60_000;
    await record.prune();
    expect(await record.unshipped([id(NOW - 2 * HOUR, 3), id(NOW, 1)])).toEqual([
      id(NOW - 2 * HOUR, 3),
    ]);
    // at most once an hour: a prune within the hour deletes nothing
    await record.record([id(NOW - 2 * HOUR, 3)]);
    now += 30 * 60_000;
    await record.prune();
    expect(await record.unshipped([id(NOW - 2 * HOUR, 3)])).toEqual([]);
    now += 30 * 60_000;
    await record.prune();
    expect(await record.unshipped([id(NOW - 2 * HOUR, 3)])).toEqual([id(NOW - 2 * HOUR, 3)]);
  });
});
