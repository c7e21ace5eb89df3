import { logIdTime } from '../auth0/log-id';
import type { PostgresClient } from '../storage/postgres';
import type { ShippedRecord } from './intake';
import { SHIPPED_IDS_DEFAULTS } from './shipped-ids';

/**
 * A record of shipped ids every `serve` worker shares (a {@link ShippedRecord}, as the file-based
 * `ShippedIds` is), kept beside the tenant's checkpoint: in Redis or in PostgreSQL.
 */
export interface SharedShippedRecord extends ShippedRecord {
  /** Drops the spans older than the retention; resolves when done. */
  prune(): Promise<void>;
}

/** Options of {@link redisShippedIds} and {@link postgresShippedIds}. */
export interface SharedShippedOptions {
  /** Names the tenant's record: its state key (`tenantStateKey`). */
  key: string;
  /** Ids older than this (by the time they hold) are dropped: the tenant no longer keeps them. */
  retentionMs: number;
  /** Clock (epoch ms). @default Date.now */
  now?: () => number;
}

/** What {@link redisShippedIds} needs of an ioredis client. */
export interface ShippedRedisClient {
  smismember(key: string, ...members: string[]): Promise<number[]>;
  multi(): {
    sadd(key: string, ...members: string[]): unknown;
    pexpireat(key: string, ms: number): unknown;
    exec(): Promise<Array<[Error | null, unknown]> | null>;
  };
}

const SPAN_MS = SHIPPED_IDS_DEFAULTS.spanMs;

/** The start (epoch ms) of the hour an id's time falls in (unreadable time: 1970). */
function spanOf(id: string): number {
  return Math.floor((logIdTime(id) ?? 0) / SPAN_MS) * SPAN_MS;
}

/** `ids` grouped by the hour they hold, each once, in their order. */
function bySpan(ids: readonly string[]): Map<number, string[]> {
  const spans = new Map<number, string[]>();
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const start = spanOf(id);
    const list = spans.get(start);
    if (list) list.push(id);
    else spans.set(start, [id]);
  }
  return spans;
}

/**
 * The shipped ids in Redis: one set per tenant per hour (`<key>:shipped:<hour start, epoch ms>`),
 * each expiring `retentionMs` after its hour ends (Redis drops old hours itself; `prune` does
 * nothing). `record` resolves once Redis answered the `SADD` (Redis's own persistence settings
 * decide what survives its restart).
 */
export function redisShippedIds(
  redis: ShippedRedisClient,
  options: SharedShippedOptions,
): SharedShippedRecord {
  const setKey = (start: number) => `${options.key}:shipped:${start}`;
  return {
    async unshipped(ids) {
      const fresh: string[] = [];
      for (const [start, list] of bySpan(ids)) {
        const found = await redis.smismember(setKey(start), ...list);
        list.forEach((id, i) => {
          if (!found[i]) fresh.push(id);
        });
      }
      return fresh;
    },
    async record(ids) {
      const spans = bySpan(ids);
      if (spans.size === 0) return;
      const multi = redis.multi();
      for (const [start, list] of spans) {
        multi.sadd(setKey(start), ...list);
        multi.pexpireat(setKey(start), start + SPAN_MS + options.retentionMs);
      }
      const answers = await multi.exec();
      const failed = answers?.find(([error]) => error)?.[0];
      if (answers === null || failed) throw failed ?? new Error('redis discarded the transaction');
    },
    prune: async () => undefined,
  };
}

/** The table of {@link postgresShippedIds}. */
export const SHIPPED_TABLE = 'auth0_log_tools_shipped';

/**
 * The shipped ids in PostgreSQL: a table `auth0_log_tools_shipped` (made on first use) keyed
 * `(tenant, log_id)` with the hour each id holds; `prune` deletes the tenant's rows of hours
 * that ended more than `retentionMs` ago (at most once an hour, by an index on `(tenant, hour)`).
 * `record` resolves once the `INSERT` is committed.
 */
export function postgresShippedIds(
  pool: PostgresClient,
  options: SharedShippedOptions,
): SharedShippedRecord {
  const now = options.now ?? Date.now;
  let made: Promise<void> | undefined;
  let pruned = -Infinity;
  const table = () =>
    (made ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${SHIPPED_TABLE} (
          tenant text NOT NULL,
          log_id text NOT NULL,
          hour timestamptz NOT NULL,
          PRIMARY KEY (tenant, log_id)
        )`,
        [],
      )
      .then(() =>
        pool.query(
          `CREATE INDEX IF NOT EXISTS ${SHIPPED_TABLE}_hour ON ${SHIPPED_TABLE} (tenant, hour)`,
          [],
        ),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          made = undefined;
          // two workers creating it at once: one meets the other's type or row
          const code = (error as { code?: string }).code;
          if (code !== '23505' && code !== '42P07') throw error;
        },
      ));
  return {
    async unshipped(ids) {
      await table();
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      const { rows } = await pool.query(
        `SELECT log_id FROM ${SHIPPED_TABLE} WHERE tenant = $1 AND log_id = ANY($2::text[])`,
        [options.key, unique],
      );
      const shipped = new Set(rows.map((row) => row['log_id'] as string));
      return unique.filter((id) => !shipped.has(id));
    },
    async record(ids) {
      await table();
      const unique = [...new Set(ids)];
      if (unique.length === 0) return;
      await pool.query(
        `INSERT INTO ${SHIPPED_TABLE} (tenant, log_id, hour)
          SELECT $1, id, to_timestamp(hour / 1000.0)
          FROM unnest($2::text[], $3::bigint[]) AS t(id, hour)
          ON CONFLICT DO NOTHING`,
        [options.key, unique, unique.map(spanOf)],
      );
    },
    async prune() {
      // hours end once an hour: deleting more often finds nothing new
      if (now() - pruned < SPAN_MS) return;
      pruned = now();
      await table();
      await pool.query(`DELETE FROM ${SHIPPED_TABLE} WHERE tenant = $1 AND hour < $2`, [
        options.key,
        new Date(now() - options.retentionMs - SPAN_MS),
      ]);
    },
  };
}
