import { logOf } from '../auth0/log-stream';
import { EARLIEST_LOG_MS, logIdAt } from '../auth0/log-id';
import { Intake } from '../receive/intake';
import { startReceiver, type Receiver } from '../receive/server';
import {
  postgresShippedIds,
  redisShippedIds,
  type SharedShippedRecord,
  type ShippedRedisClient,
} from '../receive/shipped-shared';
import { RECONCILE_DEFAULTS } from '../receive/reconcile';
import type { Job, Queue, Worker } from 'bullmq';
import type * as BullMQ from 'bullmq';
import type { Redis } from 'ioredis';
import type * as IoRedis from 'ioredis';
import type { Pool } from 'pg';
import { ArgumentError, errorMessage, isStorageError } from '../errors';
import { LogsProcessor } from '../processor';
import { PostgresStorage } from '../storage/postgres';
import { RedisStorage } from '../storage/redis';
import type { StorageLease } from '../storage/lease';
import type {
  GatheringHandler,
  LogEvent,
  RunResult,
  StorageContext,
  WarningSource,
} from '../types';
import { checkPostgres } from './checks';
import { connectionError, RedisClients, redisAddress } from './redis';
import { tenantStateKey } from './state-key';
import type { WorkerHealth } from './health';
import type { RunRecord } from './run-record';
import { tenantBackoffMs } from './backoff';
import { runFacts, statusFailure } from './run-facts';

import {
  resolveClusterWorkerOptions,
  type ClusterWorkerOptions,
  type ResolvedClusterTenant,
} from './worker-options';

/** A running cluster worker. */
export interface ClusterWorker {
  readonly workerId: string;
  /** False once {@link stop} was called. */
  readonly running: boolean;
  /** The Log Stream listener's bound address, when `receive` was given. */
  readonly receiver: { host: string; port: number } | undefined;
  /** Whether Redis, the checkpoint storage and the tenants were well at the last check. */
  health(): WorkerHealth;
  /**
   * Stops: the batch in flight of each run finishes and its checkpoint is stored, the leases are
   * released, the BullMQ worker and every connection closed. Bounded by `stopTimeoutSeconds`, after
   * which the connections are dropped and it resolves anyway. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

interface TenantSlot {
  tenant: ResolvedClusterTenant;
  storage: RedisStorage | PostgresStorage;
  failures: number;
  notBefore: number;
  /** Set while a run of the tenant is going on this worker: one at a time on its storage. */
  running: boolean;
  /** A tenant with a `receive`: its stream's and its reconciliation's one path to the destination. */
  intake?: Intake;
  /** ... and the record of its shipped ids, shared by every worker. */
  shipped?: SharedShippedRecord;
}

const DAY_MS = 86_400_000;

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    throw new ArgumentError(
      `serve needs the optional peer dependency ${name}: npm install ${name}`,
      name,
      { cause: error },
    );
  }
}

/**
 * Starts a worker of the cluster: one BullMQ job scheduler per tenant (every `intervalSeconds`);
 * each job takes the tenant's lease (a fenced `RedisStorage` or `PostgresStorage`), runs one
 * `LogsProcessor.run` with the tenant's handler and releases it. A job whose tenant is leased by
 * another worker ends at once. Any number of workers with the same `queue` share the tenants.
 * With `receive`, every worker also takes the Log Streams of the tenants with a `receive` path on
 * one listener (`receiver` says its bound address): each delivery goes through the tenant's intake
 * (drop the ids any worker shipped -> deliver -> record them in the shared record beside the
 * checkpoints), and those tenants' runs reconcile (`until` now minus `settleSeconds`) through it.
 */
export async function startClusterWorker(raw: ClusterWorkerOptions): Promise<ClusterWorker> {
  const options = resolveClusterWorkerOptions(raw);
  const { queue: queueName, leaseSeconds, now, workerId, startTimeoutSeconds } = options;
  const maxBackoffMs = options.maxBackoffSeconds * 1000;
  const stopTimeoutMs = options.stopTimeoutSeconds * 1000;
  options.signal?.throwIfAborted();
  const bull = await load('bullmq', () => import('bullmq') as Promise<typeof BullMQ>);
  const closers: Array<() => Promise<unknown>> = [];

  const ioredis = await load('ioredis', () => import('ioredis') as Promise<typeof IoRedis>);
  const RedisClass = (ioredis.Redis ??
    (ioredis as unknown as { default: typeof Redis }).default) as typeof Redis;
  // the start waits for Redis `startTimeoutSeconds`; a running worker waits for it as long as it takes
  let started = false;
  const redis = new RedisClients(RedisClass, options.redis, (error) =>
    options.onWarning?.(
      `cannot reach redis at ${redisAddress(options.redis as string)} (${connectionError(error)}); ${started ? 'retrying until it answers (/healthz answers 503 meanwhile)' : `retrying for up to ${startTimeoutSeconds} s`}`,
      { code: 'redis_unreachable' },
    ),
  );

  // where the checkpoints live: one client for every tenant's storage
  let makeStorage: (id: string) => RedisStorage | PostgresStorage;
  let makeShipped: (id: string) => SharedShippedRecord;
  const shippedOptions = (key: string) => ({
    key,
    retentionMs: (options.receive?.retentionDays ?? 30) * DAY_MS,
    now,
  });
  let pool: Pool | undefined;
  let checkStorage: (() => Promise<void>) | undefined;
  if (options.postgres) {
    const pg = await load('pg', () => import('pg'));
    const PoolClass = (pg.Pool ??
      (pg as unknown as { default: typeof pg }).default.Pool) as typeof Pool;
    const made = new PoolClass({ connectionString: options.postgres, max: 4 });
    made.on('error', () => undefined);
    pool = made;
    closers.push(() => made.end());
    makeStorage = (id) =>
      new PostgresStorage({
        postgres: made,
        key: tenantStateKey(queueName, id, true),
        leaseSeconds,
      });
    makeShipped = (id) =>
      postgresShippedIds(made, shippedOptions(tenantStateKey(queueName, id, true)));
    const probe = makeStorage('__check__') as PostgresStorage;
    checkStorage = () => checkPostgres(options.postgres as string, made, probe);
  } else {
    const client = redis.make({ maxRetriesPerRequest: 2 });
    makeStorage = (id) =>
      new RedisStorage({ redis: client, key: tenantStateKey(queueName, id, false), leaseSeconds });
    makeShipped = (id) =>
      redisShippedIds(
        client as unknown as ShippedRedisClient,
        shippedOptions(tenantStateKey(queueName, id, false)),
      );
  }
  const slots = new Map<string, TenantSlot>();
  for (const tenant of options.tenants) {
    const slot: TenantSlot = {
      tenant,
      storage: makeStorage(tenant.id),
      failures: 0,
      notBefore: 0,
      running: false,
    };
    if (tenant.receive) {
      // drop the ids shipped (by any worker) -> deliver -> record them (after the destination
      // acknowledged: a crash between the two ships that delivery again, once)
      const shipped = makeShipped(tenant.id);
      slot.shipped = shipped;
      slot.intake = new Intake({
        deliver: async (logs) => {
          await tenant.handler(logs);
        },
        shipped,
        onRecorded: (error) => {
          if (error !== undefined)
            options.onWarning?.(
              `tenant ${tenant.id}: cannot record the shipped log ids (a redelivery of them may be shipped again): ${errorMessage(error)}`,
              { code: 'shipped_ids_unrecorded', tenant: tenant.id },
            );
        },
      });
    }
    slots.set(tenant.id, slot);
  }
  const settleMs = (options.receive?.settleSeconds ?? RECONCILE_DEFAULTS.settleSeconds) * 1000;

  // BullMQ's queue is on Redis; `postgres` holds the checkpoints only. BullMQ does not close a
  // connection it is given: each one made here is quit when the worker stops.
  const connection = () => redis.make({ maxRetriesPerRequest: null });
  const stopping = new AbortController();
  const queue: Queue = new bull.Queue(queueName, { connection: connection() });
  const worker: Worker = new bull.Worker(queueName, (job: Job) => runJob(job), {
    connection: connection(),
    concurrency: Math.max(1, slots.size),
    autorun: false,
  });
  queue.on('error', () => undefined);
  worker.on('error', () => undefined);
  void pool;
  // answers at once or fails: the health check never waits on a reconnecting client
  const probeRedis = redis.make({ maxRetriesPerRequest: 1 });
  let redisProblem: string | undefined;
  let storageProblem: string | undefined;
  let warnedUnknown = '';
  let scheduled = false;

  /**
   * The tenant's `startFrom` while it has no checkpoint (`now` as this moment's date), the one
   * stored with a start already resolved; nothing once it has a checkpoint.
   */
  async function startFromOf(slot: TenantSlot): Promise<{ startFrom?: string }> {
    const wanted = slot.tenant.startFrom;
    if (wanted === undefined) return {};
    const doc = await slot.storage.read();
    if (doc?.checkpointId) return {};
    if (typeof doc?.startFrom === 'string') return { startFrom: doc.startFrom };
    return { startFrom: wanted === 'now' ? new Date(now()).toISOString() : wanted };
  }

  /** Counts a failure of the tenant and sets when it is tried again (doubling, capped). */
  function backOff<R extends Omit<RunRecord, 'time'>>(
    slot: TenantSlot,
    record: R,
    retryAfterMs?: number,
  ): R {
    slot.failures += 1;
    const interval = slot.tenant.intervalSeconds * 1000;
    // at least what the destination asked (`Retry-After`), within the same cap
    const delay = tenantBackoffMs(interval, slot.failures, maxBackoffMs, retryAfterMs);
    slot.notBefore = now() + delay;
    record.failures = slot.failures;
    record.retryInSeconds = delay / 1000;
    return record;
  }

  async function runJob(job: Job): Promise<RunRecord | undefined> {
    const slot = slots.get((job.data as { tenant?: string }).tenant ?? '');
    if (!slot || stopping.signal.aborted) return undefined;
    const id = slot.tenant.id;
    const base = { tenant: id, worker: workerId, logsProcessed: 0 };
    const report = (record: Omit<RunRecord, 'time'>): RunRecord => {
      const full = { time: new Date(now()).toISOString(), ...record };
      options.onRun?.(full);
      return full;
    };
    if (now() < slot.notBefore) return report({ ...base, skipped: 'backoff' });
    // A run whose lease was lost may still be ending (its batch in flight) when the scheduler's
    // next job comes: a second run on the same storage would share its lease state
    if (slot.running) return report({ ...base, skipped: 'running' });
    slot.running = true;
    try {
      return await runLeased(slot, base, report);
    } finally {
      slot.running = false;
    }
  }

  async function runLeased(
    slot: TenantSlot,
    base: { tenant: string; worker: string; logsProcessed: number },
    report: (record: Omit<RunRecord, 'time'>) => RunRecord,
  ): Promise<RunRecord> {
    let lease: StorageLease;
    try {
      lease = await slot.storage.lock();
    } catch (error) {
      if (isStorageError(error) && error.code === 'state_locked')
        return report({ ...base, skipped: 'leased' });
      // the storage failing backs off as a failing run does
      return report(backOff(slot, { ...base, stopReason: 'failed', ...failureOf(error) }));
    }
    const started = now();
    let newest = Number.NaN;
    let shipped = 0;
    // a run whose lease is gone ships nothing more: another worker runs the tenant now
    const leaseHeld = () => {
      if (lease.lost.aborted) throw Object.assign(lease.lost.reason as Error, { permanent: true });
    };
    const counted = (logs: LogEvent[]) => {
      shipped += logs.length;
      for (const log of logs) {
        const time = Date.parse(logOf(log).date); // `data.date` with format 'stream'
        if (!(time <= newest)) newest = time;
      }
    };
    const { intake } = slot;
    const ship = async (logs: LogEvent[]) => {
      leaseHeld();
      // a tenant with a stream: only the logs no worker shipped yet, through the same intake
      if (intake) await intake.submit(logs, 'reconcile');
      else await slot.tenant.handler(logs);
      counted(logs);
    };
    // the destination's warnings (Datadog's intake window) reach the run's status through it,
    // and an S3 destination gathers the run's batches into objects (see `GatheringHandler`)
    const own = slot.tenant.handler as WarningSource &
      Partial<GatheringHandler> & { counts?: () => Array<{ destination: string; logs: number }> };
    const countsBefore = own.counts?.();
    const { gather, flush } = intake ? {} : own;
    const handler: typeof ship & WarningSource & Partial<GatheringHandler> = Object.assign(
      ship,
      { drainWarnings: () => own.drainWarnings?.() ?? [] },
      gather && flush
        ? {
            gather: async (logs: LogEvent[]) => {
              leaseHeld();
              const taken = await gather.call(own, logs);
              counted(logs);
              return taken;
            },
            flush: (what: 'due' | 'all') => flush.call(own, what),
          }
        : {},
    );
    const storage: StorageContext = {
      read: () => slot.storage.read(),
      write: (doc) => slot.storage.write(doc),
      // the run's lock is the lease this job holds; the job releases it
      lock: async () => ({
        lost: lease.lost,
        fencingToken: lease.fencingToken,
        release: async () => undefined,
      }),
    };
    let result: RunResult | undefined;
    let failure: Pick<RunRecord, 'error' | 'errorCode'> | undefined;
    try {
      const processor = new LogsProcessor(storage, {
        // a run goes on while the tenant is behind and the lease is held (renewed as it runs)
        maxRunTimeSeconds: Infinity,
        ...slot.tenant.processor,
        ...(await startFromOf(slot)),
      });
      result = await processor.run(handler, {
        signal: AbortSignal.any([stopping.signal, lease.lost]),
        // with a stream: reconcile, up to the logs the stream has had `settle` to deliver
        ...(intake
          ? { until: logIdAt(Math.max(EARLIEST_LOG_MS, processor.tenantNow() - settleMs)) }
          : {}),
      });
      if (slot.shipped) void slot.shipped.prune().catch(() => undefined);
    } catch (error) {
      failure = failureOf(error);
    }
    const leaseLost = lease.lost.aborted && !stopping.signal.aborted;
    await lease.release();
    const failed = failure ?? statusFailure(result?.status);
    const error = failed?.error;
    const { logsProcessed, stopReason, ...facts } = runFacts(result, shipped, newest, now());
    const record: Omit<RunRecord, 'time'> = {
      ...base,
      logsProcessed,
      stopReason,
      durationMs: now() - started,
      fencingToken: lease.fencingToken,
      takeover: lease.takeover,
      ...facts,
    };
    const countsAfter = own.counts?.();
    if (countsAfter)
      record.destinations = countsAfter.map(({ destination, logs }, i) => ({
        destination,
        logs: logs - (countsBefore?.[i]?.logs ?? 0),
      }));
    // a lost lease is the cluster at work, not the tenant failing
    if (error && !leaseLost) {
      Object.assign(record, failed);
      backOff(slot, record, result?.status.retryAfterMs);
    } else if (error) {
      Object.assign(record, failed);
    } else {
      slot.failures = 0;
      slot.notBefore = 0;
    }
    return report(record);
  }

  // Redis unreachable would wait forever (BullMQ's connections retry without end): the start is
  // bounded, and a stop asked meanwhile drops every connection at once
  const setup = async () => {
    await queue.waitUntilReady();
    await scheduleTenants();
  };
  const checkMs = options.checkSeconds * 1000;
  const dropAll = async () => {
    redis.disconnect();
    await Promise.allSettled([worker.close(true), queue.close()]);
    for (const slot of slots.values()) await slot.storage.close().catch(() => undefined);
    for (const close of closers) await close().catch(() => undefined);
  };
  let timedOut: Error | undefined;
  try {
    await bounded(setup(), startTimeoutSeconds * 1000, options.signal, () => {
      const last = redis.lastError === undefined ? '' : ` (${connectionError(redis.lastError)})`;
      timedOut = new Error(
        `cannot reach redis at ${redis.address} within ${startTimeoutSeconds} s${last}: check \`redis\` in the configuration`,
      );
      return timedOut;
    });
  } catch (error) {
    await dropAll();
    if (error === timedOut || (error as Error).name === 'AbortError') throw error;
    throw new Error(`redis at ${redis.address}: ${errorMessage(error)}`, { cause: error });
  }
  // every dependency is checked at start: the checkpoint storage as the runs will use it
  if (checkStorage) {
    try {
      await bounded(checkStorage(), startTimeoutSeconds * 1000, options.signal, () => {
        return new Error(
          `cannot reach postgres within ${startTimeoutSeconds} s: check \`postgres\` in the configuration`,
        );
      });
    } catch (error) {
      await dropAll();
      throw error;
    }
  }
  function health(): WorkerHealth {
    const reasons: WorkerHealth['reasons'] = [];
    if (stopping.signal.aborted) reasons.push({ code: 'stopping', message: 'stopping' });
    if (redisProblem) reasons.push({ code: 'redis_unreachable', message: redisProblem });
    if (storageProblem) reasons.push({ code: 'storage_unreachable', message: storageProblem });
    const failing = [...slots.values()].filter((slot) => slot.failures > 0);
    if (slots.size > 0 && failing.length === slots.size)
      reasons.push({
        code: 'tenants_failing',
        message: `every tenant's last run failed (${failing.map((slot) => slot.tenant.id).join(', ')})`,
      });
    return { ok: reasons.length === 0, reasons };
  }

  // every worker takes every tenant's stream: one listener, a path per tenant
  let receiver: Receiver | undefined;
  const streams = [...slots.values()].filter((slot) => slot.intake && slot.tenant.receive);
  if (options.receive && streams.length) {
    const listen = options.receive;
    try {
      receiver = await startReceiver({
        host: listen.host,
        port: listen.port,
        ...(listen.tls ? { tls: listen.tls } : {}),
        ...(listen.bodyLimit === undefined ? {} : { bodyLimit: listen.bodyLimit }),
        routes: streams.map((slot) => {
          const { path, token } = slot.tenant.receive as { path: string; token?: string };
          const intake = slot.intake as Intake;
          return {
            path,
            ...(token === undefined ? {} : { token }),
            submit: (logs) => intake.submit(logs, 'stream'),
          };
        }),
        health: () => health(),
      });
    } catch (error) {
      await dropAll();
      throw new Error(
        `cannot listen on ${listen.host} port ${listen.port} (receive.listen): ${errorMessage(error)}; give an address of this machine and a free port`,
        { cause: error },
      );
    }
  }
  scheduled = true;
  started = true;
  void worker.run();

  // Redis and the storage checked every `checkSeconds` (the `/healthz` answer); the job schedulers
  // Redis lost are created again
  let checking = false;
  const check = async () => {
    if (checking || stopping.signal.aborted) return;
    checking = true;
    const limit = () => new Error(`no answer within ${options.checkSeconds} s`);
    try {
      try {
        await bounded(probeRedis.ping(), checkMs, undefined, limit);
        redisProblem = undefined;
        await bounded(scheduleTenants(), checkMs, undefined, limit);
      } catch (error) {
        redisProblem = `cannot reach redis at ${redis.address}: ${connectionError(error)}`;
      }
      if (checkStorage) {
        try {
          await bounded(checkStorage(), checkMs, undefined, limit);
          storageProblem = undefined;
        } catch (error) {
          storageProblem = errorMessage(error);
        }
      }
    } finally {
      checking = false;
    }
  };
  const checker = setInterval(() => void check(), checkMs);
  checker.unref();

  let stopped: Promise<void> | undefined;
  return {
    workerId,
    get running() {
      return !stopping.signal.aborted;
    },
    receiver: receiver ? { host: receiver.host, port: receiver.port } : undefined,
    health,
    stop() {
      stopped ??= (async () => {
        clearInterval(checker);
        stopping.abort();
        const graceful = (async () => {
          // the listener stops accepting; the deliveries in flight are answered
          await receiver?.close();
          await worker.close(); // waits for the jobs in flight (their runs stop after the batch)
          await queue.close();
          for (const slot of slots.values()) {
            await slot.intake?.idle();
            await slot.storage.close();
            await slot.tenant.close?.().catch(() => undefined);
          }
          for (const close of closers) await close().catch(() => undefined);
          await redis.quit();
        })();
        try {
          await bounded(graceful, stopTimeoutMs, undefined, () => new Error('stop timed out'));
        } catch {
          // Redis gone or a batch hanging: drop every connection; leases left expire by themselves
          graceful.catch(() => undefined);
          redis.disconnect();
          void receiver?.close();
          void worker.disconnect().catch(() => undefined);
          void queue.disconnect().catch(() => undefined);
          for (const slot of slots.values()) void slot.tenant.close?.().catch(() => undefined);
          for (const close of closers) void close().catch(() => undefined);
        }
      })();
      return stopped;
    },
  };

  // one job scheduler per tenant, created when missing (at start, after Redis lost its data: a
  // restart without persistence, a failover to a replica behind). A scheduler of a tenant this
  // worker's config does not name is never removed (a worker of an older config in a rolling deploy
  // would silence the tenant): it is reported once, and `prune` removes it only when asked.
  async function scheduleTenants(): Promise<void> {
    const restored: string[] = [];
    for (const slot of slots.values()) {
      const key = `tenant:${slot.tenant.id}`;
      if (await queue.getJobScheduler(key)) continue;
      if (scheduled) restored.push(slot.tenant.id);
      const every = slot.tenant.intervalSeconds * 1000;
      await queue.upsertJobScheduler(
        key,
        { every },
        {
          name: 'run',
          data: { tenant: slot.tenant.id },
          opts: { removeOnComplete: true, removeOnFail: true },
        },
      );
    }
    const unknown: string[] = [];
    for (const scheduler of await queue.getJobSchedulers()) {
      const key = scheduler.key ?? scheduler.id ?? '';
      if (!key.startsWith('tenant:') || slots.has(key.slice('tenant:'.length))) continue;
      if (options.prune) await queue.removeJobScheduler(key);
      else unknown.push(key.slice('tenant:'.length));
    }
    const named = unknown.sort().join(',');
    if (named && named !== warnedUnknown)
      options.onWarning?.(
        `queue ${queueName} schedules tenant(s) ${unknown.join(', ')} that this worker's config does not name; they are left running (another worker's config names them, or remove them with serve --prune)`,
        { code: 'unknown_tenants', tenants: unknown },
      );
    warnedUnknown = named;
    if (restored.length)
      options.onWarning?.(
        `queue ${queueName} had lost the job scheduler(s) of tenant(s) ${restored.join(', ')} (Redis restarted empty?); created again`,
        { code: 'schedulers_restored', tenants: restored },
      );
  }
}

/**
 * `work`, unless `ms` pass first (rejects with `timeout()`) or `signal` aborts (rejects with an
 * `AbortError`); `work` is left running either way.
 */
async function bounded<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  timeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
    onAbort = () => reject(new DOMException('stopped while starting', 'AbortError'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    work.catch(() => undefined);
  }
}

/** What a record says of a failure the worker caught: its message and, when it has one, its code. */
function failureOf(error: unknown): Pick<RunRecord, 'error' | 'errorCode'> {
  const code = (error as { code?: unknown } | null)?.code;
  return { error: errorMessage(error), ...(typeof code === 'string' ? { errorCode: code } : {}) };
}
