import type * as Pg from 'pg';
import type { Pool, PoolConfig } from 'pg';
import { StorageError, errorMessage } from '../errors';
import { invalid } from '../options/check';
import type { StorageContext, StoredState } from '../types';
import {
  type StorageLease,
  checkLeaseSeconds,
  joinState,
  keepRenewing,
  leaseHeld,
  leaseLost,
  splitState,
} from './lease';

/** What {@link PostgresStorage} needs of a `pg` pool (a `pg` `Pool` or `Client` fits). */
export interface PostgresClient {
  query(
    text: string,
    values: unknown[],
  ): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
  end?(): Promise<void>;
}

/**
 * A `pg` pool config (pg's `PoolConfig`), declared here so that a TypeScript user of
 * `auth0-log-tools/cluster` needs no `pg` types when not using PostgreSQL: the usual keys, and any
 * other `pg` key as is.
 */
export interface PostgresPoolConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  database?: string;
  ssl?: boolean | object;
  /** Most connections of the pool. */
  max?: number;
  [key: string]: unknown;
}

/** Options of {@link PostgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * A `pg` `Pool` (kept open by {@link PostgresStorage.close}), a `postgres://` connection string or
   * a pool config (a pool of its own, made on first use with the optional peer dependency `pg`).
   */
  postgres: PostgresClient | string | PostgresPoolConfig;
  /** The row of this state, one per tenant, e.g. `acme`. */
  key: string;
  /**
   * The table of the states, made on first use when missing (`CREATE TABLE IF NOT EXISTS`). A plain
   * or schema-qualified SQL name of letters, digits and `_`.
   * @default 'auth0_log_tools_state'
   */
  table?: string;
  /** A lease not renewed for this many seconds expires (by the database's clock). @default 30 */
  leaseSeconds?: number;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * A `StorageContext` in a PostgreSQL table whose lock is a lease with a fencing token: one row per
 * state holds the checkpoint, the rest of the state, the lease's `epoch` (one more for each holder)
 * and `lease_until` (by the database's clock). Every write is an `UPDATE ... WHERE key = $1 AND
 * epoch = $n AND lease_until >= now()`: refused with a `StorageError` `lease_lost` once the lease
 * expired or another holder took it. The checkpoint column is written with every batch; the rest
 * (history, cached token) only when it changed.
 *
 * @example
 * const storage = new PostgresStorage({ postgres: 'postgres://127.0.0.1/app', key: 'acme' });
 * await new LogsProcessor(storage, options).run(handler);
 * await storage.close();
 */
export class PostgresStorage implements StorageContext {
  readonly key: string;
  readonly table: string;
  readonly leaseSeconds: number;
  #pool: PostgresClient | Promise<PostgresClient> | undefined;
  readonly #config: string | PostgresPoolConfig | undefined;
  #ready: Promise<void> | undefined;
  #epoch = 0;
  #controller: AbortController | undefined;
  #stopRenewing: (() => void) | undefined;
  #rest: string | undefined;

  constructor(options: PostgresStorageOptions) {
    const { postgres, key } = options ?? ({} as PostgresStorageOptions);
    if (typeof key !== 'string' || key.trim() === '')
      throw invalid('key', 'a non-empty string', key);
    const table = options.table ?? 'auth0_log_tools_state';
    if (typeof table !== 'string' || !TABLE_NAME.test(table))
      throw invalid('table', 'an SQL name of letters, digits and _ (schema.table allowed)', table);
    if (typeof postgres === 'string' || (postgres && typeof postgres === 'object')) {
      if (typeof (postgres as PostgresClient).query === 'function')
        this.#pool = postgres as PostgresClient;
      else this.#config = postgres as string | PostgresPoolConfig;
    } else {
      throw invalid('postgres', 'a pg Pool, a postgres:// URL or a pool config', postgres);
    }
    this.key = key;
    this.table = table;
    this.leaseSeconds = checkLeaseSeconds(options.leaseSeconds);
  }

  private async pool(): Promise<PostgresClient> {
    this.#pool ??= loadPg(this.#config as string | PostgresPoolConfig);
    try {
      return await this.#pool;
    } catch (error) {
      this.#pool = undefined;
      throw error;
    }
  }

  private async query(text: string, values: unknown[]) {
    const pool = await this.pool();
    this.#ready ??= createTable(pool, this.table).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    await this.#ready;
    return pool.query(text, values);
  }

  /** Takes the lease; rejects with `state_locked` at once when another holder has it. */
  async lock(): Promise<StorageLease> {
    if (this.#controller && !this.#controller.signal.aborted)
      throw leaseHeld(`${this.key} (this storage holds it already)`);
    const ms = Math.round(this.leaseSeconds * 1000);
    let rows: Array<Record<string, unknown>>;
    try {
      ({ rows } = await this.query(
        `INSERT INTO ${this.table} AS s (key, epoch, lease_until)
         VALUES ($1, 1, clock_timestamp() + $2 * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET epoch = s.epoch + 1, lease_until = excluded.lease_until
         WHERE s.lease_until IS NULL OR s.lease_until < clock_timestamp()
         RETURNING epoch, released_epoch AS released`,
        [this.key, ms],
      ));
    } catch (error) {
      throw failure('state_lock_failed', `Cannot take the lease of ${this.key}`, error);
    }
    const row = rows[0];
    if (!row) throw leaseHeld(`${this.table} ${this.key}`);
    const epoch = Number(row['epoch']);
    const released = row['released'] === null ? 0 : Number(row['released']);
    const controller = new AbortController();
    this.#epoch = epoch;
    this.#controller = controller;
    this.#rest = undefined;
    const stopRenewing = keepRenewing(
      async () => {
        const { rowCount } = await this.query(
          `UPDATE ${this.table} SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
           WHERE key = $1 AND epoch = $2 AND lease_until >= clock_timestamp()`,
          [this.key, epoch, ms],
        );
        return rowCount === 1;
      },
      ms,
      controller,
      () => leaseLost(this.key, epoch),
    );
    this.#stopRenewing = stopRenewing;
    let done = false;
    return {
      fencingToken: epoch,
      takeover: epoch > 1 && released !== epoch - 1,
      lost: controller.signal,
      release: async () => {
        if (done) return;
        done = true;
        // its own renewals only: a lease taken after this one keeps renewing
        stopRenewing();
        if (this.#controller === controller) this.#controller = undefined;
        if (controller.signal.aborted) return;
        controller.abort(
          new StorageError('lease_released', `The lease of ${this.key} was released`),
        );
        await this.query(
          `UPDATE ${this.table} SET lease_until = NULL, released_epoch = epoch
           WHERE key = $1 AND epoch = $2`,
          [this.key, epoch],
        ).catch(() => undefined);
      },
    };
  }

  /** Reads the checkpoint and the rest of the state; `undefined` when nothing was stored. */
  async read(): Promise<StoredState | undefined> {
    let row: Record<string, unknown> | undefined;
    try {
      ({
        rows: [row],
      } = await this.query(`SELECT checkpoint, state FROM ${this.table} WHERE key = $1`, [
        this.key,
      ]));
    } catch (error) {
      throw failure('storage_unreadable', `Cannot read ${this.table} ${this.key}`, error);
    }
    const checkpoint = row?.['checkpoint'] as string | null | undefined;
    const state = row?.['state'] as string | null | undefined;
    this.#rest = state ?? undefined;
    return joinState(checkpoint, state);
  }

  /**
   * Stores the checkpoint (and the rest when it changed), fenced by the lease's epoch: refused with
   * `lease_lost` once the lease expired or was taken, with `state_locked` when this storage holds
   * no lease and another holder has one.
   */
  async write(data: StoredState): Promise<void> {
    const { checkpoint, rest } = splitState(data);
    const controller = this.#controller;
    if (controller?.signal.aborted) throw controller.signal.reason;
    const state = rest === this.#rest ? null : rest;
    let rowCount: number | null;
    try {
      ({ rowCount } = controller
        ? await this.query(
            `UPDATE ${this.table} SET checkpoint = $3, state = COALESCE($4, state)
             WHERE key = $1 AND epoch = $2 AND lease_until >= clock_timestamp()`,
            [this.key, this.#epoch, checkpoint, state],
          )
        : await this.query(
            `INSERT INTO ${this.table} AS s (key, checkpoint, state) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET checkpoint = excluded.checkpoint,
               state = COALESCE($4, s.state)
             WHERE s.lease_until IS NULL OR s.lease_until < clock_timestamp()`,
            [this.key, checkpoint, rest, state],
          ));
    } catch (error) {
      throw failure('storage_unwritable', `Cannot write ${this.table} ${this.key}`, error);
    }
    if (rowCount !== 1) {
      if (!controller) throw leaseHeld(`${this.table} ${this.key}`);
      const error = leaseLost(this.key, this.#epoch);
      controller.abort(error);
      throw error;
    }
    this.#rest = rest;
  }

  /** Stops renewing and ends the pool this storage made (not one it was given). */
  async close(): Promise<void> {
    this.#stopRenewing?.();
    if (this.#config === undefined || !this.#pool) return;
    const pool = this.#pool;
    this.#pool = undefined;
    await Promise.resolve(pool)
      .then((p) => p.end?.())
      .catch(() => undefined);
  }
}

async function createTable(pool: PostgresClient, table: string): Promise<void> {
  const sql = `CREATE TABLE IF NOT EXISTS ${table} (
    key text PRIMARY KEY,
    checkpoint text,
    state text,
    epoch bigint NOT NULL DEFAULT 0,
    lease_until timestamptz,
    released_epoch bigint
  )`;
  try {
    await pool.query(sql, []);
  } catch (error) {
    // two workers creating it at once: one of them meets the other's type or row
    const code = (error as { code?: string }).code;
    if (code === '42501') {
      // a user without CREATE on the schema uses a table made for it beforehand
      const { rows } = await pool.query('SELECT to_regclass($1) IS NOT NULL AS found', [table]);
      if (rows[0]?.['found'] === true) return;
    }
    if (code !== '23505' && code !== '42P07') throw error;
  }
}

async function loadPg(config: string | PostgresPoolConfig): Promise<PostgresClient> {
  let mod: typeof Pg;
  try {
    mod = await import('pg');
  } catch (error) {
    throw new StorageError(
      'storage_dependency_missing',
      'PostgresStorage needs the optional peer dependency pg: npm install pg',
      { cause: error },
    );
  }
  const PoolClass = (mod.Pool ??
    (mod as unknown as { default: typeof mod }).default.Pool) as typeof Pool;
  const pool = new PoolClass(
    typeof config === 'string' ? { connectionString: config } : (config as PoolConfig),
  );
  // an idle client's error reaches the caller through its next query; no unhandled 'error' event
  pool.on('error', () => undefined);
  return pool as unknown as PostgresClient;
}

function failure(code: string, what: string, cause: unknown): StorageError {
  return new StorageError(code, `${what}: ${errorMessage(cause)}`, { cause });
}
