import { randomUUID } from 'node:crypto';
import type * as IoRedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
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

/** What {@link RedisStorage} needs of an ioredis client (an `ioredis` `Redis` fits). */
export type RedisClient = Pick<Redis, 'eval' | 'mget' | 'quit'>;

/** Options of {@link RedisStorage}. */
export interface RedisStorageOptions {
  /**
   * An ioredis client (kept open by {@link RedisStorage.close}) or a `redis://` URL (a client of its
   * own, made on first use with the optional peer dependency `ioredis`, closed by `close`).
   */
  redis: RedisClient | string;
  /**
   * The prefix of this state's keys, one per tenant, e.g. `auth0-log-tools:acme`. The keys are
   * `<key>:checkpoint`, `<key>:state`, `<key>:lease`, `<key>:epoch` and `<key>:released`.
   */
  key: string;
  /** A lease not renewed for this many seconds expires. @default 30 */
  leaseSeconds?: number;
  /** Options of the client made from a URL. */
  redisOptions?: RedisOptions;
}

// KEYS: lease, epoch, released; ARGV: owner, ms. Returns { epoch, takeover } or { 0, 0 } when held.
const LOCK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'PX', ARGV[2])
local released = tonumber(redis.call('GET', KEYS[3]) or '0')
if epoch > 1 and released ~= epoch - 1 then return {epoch, 1} end
return {epoch, 0}`;

// KEYS: lease; ARGV: value, ms.
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS: lease, released; ARGV: value, epoch.
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

// KEYS: lease, checkpoint, state; ARGV: lease value ('' = no lease held), checkpoint, state ('' =
// unchanged). The fence: written only while the lease holds this very value (its epoch).
const WRITE = `
local held = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if held then return 0 end
elseif held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3]) end
return 1`;

/**
 * A `StorageContext` in Redis whose lock is a lease with a fencing token: `lock()` takes the lease
 * for `leaseSeconds` (renewed every third of it while held) and numbers it with an epoch that grows
 * with every holder; every `write` is a Lua script that stores the checkpoint only while the lease
 * still holds that epoch, and is refused otherwise with a `StorageError` `lease_lost` (the lock's
 * `lost` signal aborts too). The checkpoint (`<key>:checkpoint`, about 150 bytes) is written with
 * every batch; the rest (run history, cached token: `<key>:state`) only when it changed.
 *
 * @example
 * const storage = new RedisStorage({ redis: 'redis://127.0.0.1:6379', key: 'auth0-log-tools:acme' });
 * await new LogsProcessor(storage, options).run(handler);
 * await storage.close();
 */
export class RedisStorage implements StorageContext {
  readonly key: string;
  readonly leaseSeconds: number;
  #client: RedisClient | Promise<RedisClient> | undefined;
  readonly #url: string | undefined;
  readonly #redisOptions: RedisOptions;
  #leaseValue = '';
  #stopRenewing: (() => void) | undefined;
  #controller: AbortController | undefined;
  #epoch = 0;
  /** The `<key>:state` last read or written: an unchanged one is not written again. */
  #rest: string | undefined;

  constructor(options: RedisStorageOptions) {
    const { redis, key } = options ?? ({} as RedisStorageOptions);
    if (typeof key !== 'string' || key.trim() === '')
      throw invalid('key', 'a non-empty string', key);
    if (typeof redis === 'string') this.#url = redis;
    else if (redis && typeof redis.eval === 'function') this.#client = redis;
    else throw invalid('redis', 'an ioredis client or a redis:// URL', redis);
    this.key = key;
    this.leaseSeconds = checkLeaseSeconds(options.leaseSeconds);
    this.#redisOptions = options.redisOptions ?? {};
  }

  private keys(...names: string[]): string[] {
    return names.map((name) => `${this.key}:${name}`);
  }

  private async client(): Promise<RedisClient> {
    this.#client ??= loadRedis(this.#url as string, this.#redisOptions);
    try {
      return await this.#client;
    } catch (error) {
      this.#client = undefined;
      throw error;
    }
  }

  private async run(script: string, keys: string[], args: Array<string | number>) {
    const client = await this.client();
    return client.eval(script, keys.length, ...keys, ...args);
  }

  /** Takes the lease; rejects with `state_locked` at once when another holder has it. */
  async lock(): Promise<StorageLease> {
    if (this.#controller && !this.#controller.signal.aborted)
      throw leaseHeld(`${this.key} (this storage holds it already)`);
    const ms = Math.round(this.leaseSeconds * 1000);
    const owner = randomUUID();
    let answer: unknown;
    try {
      answer = await this.run(LOCK, this.keys('lease', 'epoch', 'released'), [owner, ms]);
    } catch (error) {
      throw failure('state_lock_failed', `Cannot take the lease of ${this.key}`, error);
    }
    const [epoch, takeover] = (answer as [number, number]).map(Number) as [number, number];
    if (!epoch) throw leaseHeld(this.key);
    const value = `${epoch}:${owner}`;
    const controller = new AbortController();
    this.#leaseValue = value;
    this.#epoch = epoch;
    this.#controller = controller;
    this.#rest = undefined;
    const lost = () => leaseLost(this.key, epoch);
    const stopRenewing = keepRenewing(
      async () => Number(await this.run(RENEW, this.keys('lease'), [value, ms])) === 1,
      ms,
      controller,
      lost,
    );
    this.#stopRenewing = stopRenewing;
    let released = false;
    return {
      fencingToken: epoch,
      takeover: takeover === 1,
      lost: controller.signal,
      release: async () => {
        if (released) return;
        released = true;
        // its own renewals only: a lease taken after this one keeps renewing
        stopRenewing();
        if (this.#controller === controller) {
          this.#controller = undefined;
          this.#leaseValue = '';
        }
        if (controller.signal.aborted) return;
        // ends the renewals' work too: a release after it is no longer ours to make
        controller.abort(
          new StorageError('lease_released', `The lease of ${this.key} was released`),
        );
        await this.run(RELEASE, this.keys('lease', 'released'), [value, epoch]).catch(
          () => undefined,
        );
      },
    };
  }

  /** Reads the checkpoint and the rest of the state; `undefined` when nothing was stored. */
  async read(): Promise<StoredState | undefined> {
    let checkpoint: string | null | undefined;
    let rest: string | null | undefined;
    try {
      const client = await this.client();
      [checkpoint, rest] = await client.mget(...this.keys('checkpoint', 'state'));
    } catch (error) {
      throw failure('storage_unreadable', `Cannot read ${this.key}`, error);
    }
    this.#rest = rest ?? undefined;
    return joinState(checkpoint, rest);
  }

  /**
   * Stores the checkpoint (and the rest when it changed), fenced: refused with `lease_lost` when
   * this storage's lease expired or was taken, and with `state_locked` when this storage holds no
   * lease and another holder has one.
   */
  async write(data: StoredState): Promise<void> {
    const { checkpoint, rest } = splitState(data);
    const controller = this.#controller;
    if (controller?.signal.aborted) throw controller.signal.reason;
    let written: unknown;
    try {
      written = await this.run(WRITE, this.keys('lease', 'checkpoint', 'state'), [
        this.#leaseValue,
        checkpoint,
        rest === this.#rest ? '' : rest,
      ]);
    } catch (error) {
      throw failure('storage_unwritable', `Cannot write ${this.key}`, error);
    }
    if (Number(written) !== 1) {
      if (!controller) throw leaseHeld(this.key);
      const error = leaseLost(this.key, this.#epoch);
      controller.abort(error);
      throw error;
    }
    this.#rest = rest;
  }

  /** Stops renewing and quits the client this storage made from a URL (not one it was given). */
  async close(): Promise<void> {
    this.#stopRenewing?.();
    if (this.#url === undefined || !this.#client) return;
    const client = this.#client;
    this.#client = undefined;
    await Promise.resolve(client)
      .then((c) => c.quit())
      .catch(() => undefined);
  }
}

async function loadRedis(url: string, options: RedisOptions): Promise<RedisClient> {
  let mod: typeof IoRedis;
  try {
    mod = await import('ioredis');
  } catch (error) {
    throw new StorageError(
      'storage_dependency_missing',
      'RedisStorage needs the optional peer dependency ioredis: npm install ioredis',
      { cause: error },
    );
  }
  const Client = (mod.Redis ??
    (mod as unknown as { default: typeof Redis }).default) as typeof Redis;
  const client = new Client(url, { maxRetriesPerRequest: 2, ...options } as never);
  // connection errors reach the caller through the failed command; no unhandled 'error' event
  client.on('error', () => undefined);
  return client;
}

function failure(code: string, what: string, cause: unknown): StorageError {
  return new StorageError(code, `${what}: ${errorMessage(cause)}`, { cause });
}
