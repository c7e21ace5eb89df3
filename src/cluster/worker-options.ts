import type { LogsProcessorOptions } from '../options/processor';
import {
  booleanOption,
  functionOption,
  integerOption,
  invalid,
  invalidAs,
  numberOption,
  signalOption,
  textOption,
} from '../options/check';
import { LIMITS } from '../options/limits';
import { checkpointOption } from '../options/paging';
import { checkLeaseSeconds } from '../storage/lease';
import type { LogEvent } from '../types';
import { SERVE_DEFAULTS } from './config';
import type { ClusterWarning } from './health';
import type { RunRecord } from './run-record';
import { processWorkerId } from './run-facts';
import type { ClusterReceiveOptions } from './receive-options';

export type { ClusterReceiveOptions };

/** One tenant a cluster worker ships. */
export interface ClusterTenant {
  /** Unique in the cluster: names its BullMQ job scheduler and its state (`[A-Za-z0-9_.-]`). */
  id: string;
  /** The tenant's `LogsProcessor` options (`domain`, `clientId`, `clientSecret`, `ca`, `batchSize`, ...). */
  processor: LogsProcessorOptions;
  /** Seconds between two runs. @default 10 */
  intervalSeconds?: number;
  /**
   * Where the tenant starts while it has no checkpoint (a new tenant, a new `queue`): a 56-digit
   * log id to start after, an ISO 8601 date to start at, or `now` (its newest log). Once it has a
   * checkpoint this is never read again. (`processor.startFrom`, the library's, wins over the
   * checkpoint whenever it changes.) @default its oldest log
   */
  startFrom?: string;
  /** Ships one batch; resolves once the destination acknowledged it, rejects otherwise. */
  handler: (logs: LogEvent[]) => Promise<unknown>;
  /** Called once when the worker stops (closes the destination). */
  close?(): Promise<void>;
  /**
   * The tenant's Log Stream, taken on the worker's `receive` listener: the path Auth0 posts to
   * and its Authorization token. Then the tenant's runs reconcile (see `ClusterReceiveOptions`).
   */
  receive?: { path: string; token?: string };
}

/** Options of {@link startClusterWorker}. */
export interface ClusterWorkerOptions {
  /** Redis URL (required): BullMQ's queue, and the checkpoints unless `postgres` is set. */
  redis?: string;
  /** PostgreSQL URL: the checkpoints are kept there instead of Redis. */
  postgres?: string;
  /** BullMQ queue name and prefix of every state key. @default 'auth0-log-tools' */
  queue?: string;
  /** A tenant's lease expires this many seconds after its holder stopped renewing it. @default 30 */
  leaseSeconds?: number;
  tenants: ClusterTenant[];
  /** Names this worker in run records. @default `${hostname}:${pid}` */
  workerId?: string;
  /** The Log Stream listener, for the tenants with a `receive`. */
  receive?: ClusterReceiveOptions;
  /** Called with every job's record (runs and skipped jobs). */
  onRun?: (run: RunRecord) => void;
  /** Longest wait between attempts of a failing tenant, in seconds. @default 300 */
  maxBackoffSeconds?: number;
  /** Clock, in epoch ms. @default Date.now */
  now?: () => number;
  /**
   * Aborting it while starting stops the start: every connection is dropped and the promise rejects
   * with an `AbortError`. (Once started, call {@link ClusterWorker.stop}.)
   */
  signal?: AbortSignal;
  /**
   * Longest wait for Redis at start, in seconds: connecting (retried), then creating the job
   * schedulers. After it the start rejects naming `redis` and its address (never a password).
   * @default 10
   */
  startTimeoutSeconds?: number;
  /**
   * Longest wait of {@link ClusterWorker.stop} for the batches in flight and a clean close, in
   * seconds; after it every connection is dropped (Redis gone, a destination hanging).
   * @default 30
   */
  stopTimeoutSeconds?: number;
  /**
   * Told once when Redis cannot be reached at start, while it is retried; when the queue schedules
   * tenants this worker's config does not name (left running unless `prune`); when missing job
   * schedulers were created again (Redis lost its data).
   */
  onWarning?: (message: string, warning: ClusterWarning) => void;
  /**
   * Removes the job schedulers of tenants this worker's config does not name. Off by default: a
   * worker of an older config (a rolling deploy) must not silence a tenant the newer one added.
   * @default false
   */
  prune?: boolean;
  /**
   * Seconds between two checks of Redis and the checkpoint storage (the `/healthz` answer), which
   * also create again the job schedulers Redis lost. @default the shortest tenant interval, at most 10
   */
  checkSeconds?: number;
}

/** A {@link ClusterTenant} checked, its `intervalSeconds` filled in. */
export interface ResolvedClusterTenant {
  id: string;
  processor: LogsProcessorOptions;
  intervalSeconds: number;
  startFrom: string | undefined;
  handler: (logs: LogEvent[]) => Promise<unknown>;
  close: (() => Promise<void>) | undefined;
  receive: { path: string; token?: string } | undefined;
}

/** {@link ClusterWorkerOptions} copied, checked, with every default filled in. */
export interface ResolvedClusterWorkerOptions {
  redis: string;
  postgres: string | undefined;
  queue: string;
  leaseSeconds: number;
  tenants: ResolvedClusterTenant[];
  workerId: string;
  onRun: ((run: RunRecord) => void) | undefined;
  maxBackoffSeconds: number;
  now: () => number;
  signal: AbortSignal | undefined;
  startTimeoutSeconds: number;
  stopTimeoutSeconds: number;
  onWarning: ((message: string, warning: ClusterWarning) => void) | undefined;
  prune: boolean;
  checkSeconds: number;
  receive: ClusterReceiveOptions | undefined;
}

function resolveTenant(raw: unknown, at: number): ResolvedClusterTenant {
  if (typeof raw !== 'object' || raw === null) throw invalid(`tenants[${at}]`, 'a tenant', raw);
  const tenant = raw as Partial<ClusterTenant>;
  const processor = tenant.processor;
  if (typeof processor !== 'object' || processor === null)
    throw invalid('processor', "the tenant's LogsProcessor options", processor);
  const id = textOption('id', tenant.id);
  if (id === undefined) throw invalid('id', 'a non-empty string', tenant.id);
  const handler = functionOption<ResolvedClusterTenant['handler'] | undefined>(
    'handler',
    tenant.handler,
    undefined,
  );
  if (!handler) throw invalid('handler', 'a function', tenant.handler);
  return {
    id,
    processor,
    intervalSeconds: numberOption(
      'intervalSeconds',
      tenant.intervalSeconds,
      SERVE_DEFAULTS.intervalSeconds,
      LIMITS.intervalSeconds,
    ),
    startFrom:
      tenant.startFrom === 'now'
        ? 'now'
        : (checkpointOption('startFrom', tenant.startFrom, true) ?? undefined),
    handler,
    close: functionOption('close', tenant.close, undefined),
    receive: tenant.receive,
  };
}

/** The listener's options checked (`host`, `port`, `bodyLimit`, `settleSeconds`, `retentionDays`). */
function resolveReceive(raw: ClusterReceiveOptions): ClusterReceiveOptions {
  if (typeof raw !== 'object' || raw === null)
    throw invalid('receive', 'the Log Stream listener ({ host, port })', raw);
  const host = textOption('host', raw.host);
  if (host === undefined) throw invalid('host', 'a non-empty string', raw.host);
  const out: ClusterReceiveOptions = {
    host,
    port: integerOption('port', raw.port, undefined, LIMITS.port, { strict: true }),
  };
  if (raw.tls !== undefined) out.tls = raw.tls;
  if (raw.bodyLimit !== undefined)
    out.bodyLimit = integerOption('bodyLimit', raw.bodyLimit, undefined, {
      min: 1024,
      max: 1024 ** 3,
    });
  if (raw.settleSeconds !== undefined)
    out.settleSeconds = numberOption('settleSeconds', raw.settleSeconds, undefined, {
      min: 0,
      max: 86_400,
    });
  if (raw.retentionDays !== undefined)
    out.retentionDays = numberOption('retentionDays', raw.retentionDays, undefined, {
      min: 1,
      max: 365,
    });
  return out;
}

/**
 * Copies the options of `startClusterWorker`, fills the defaults (`SERVE_DEFAULTS`) and checks
 * every value with the options kit; the worker never reads the raw options again. Throws an
 * `ArgumentError` naming the first bad option (a tenant's id given twice names `tenants`).
 */
export function resolveClusterWorkerOptions(
  options: ClusterWorkerOptions,
): ResolvedClusterWorkerOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid('options', 'an options object', options);
  const o = { ...options };
  const redis = textOption('redis', o.redis);
  if (redis === undefined) throw invalid('redis', 'a redis:// URL (BullMQ runs on Redis)', o.redis);
  if (!Array.isArray(o.tenants)) throw invalid('tenants', 'an array of tenants', o.tenants);
  const tenants = o.tenants.map(resolveTenant);
  const ids = new Set<string>();
  for (const { id } of tenants) {
    if (ids.has(id))
      throw invalidAs('tenants', 'tenants with unique ids', `${JSON.stringify(id)} twice`);
    ids.add(id);
  }
  const seconds = (name: string, raw: unknown, fallback: number) =>
    numberOption(name, raw, fallback, LIMITS.waitSeconds);
  if (!o.receive && tenants.some((t) => t.receive))
    throw invalid('receive', 'the listener of the tenants with a receive path', o.receive);
  const receive = o.receive === undefined ? undefined : resolveReceive(o.receive);
  return {
    receive,
    redis,
    postgres: textOption('postgres', o.postgres),
    queue: textOption('queue', o.queue, SERVE_DEFAULTS.queue),
    leaseSeconds: checkLeaseSeconds(o.leaseSeconds ?? SERVE_DEFAULTS.leaseSeconds),
    tenants,
    workerId: textOption('workerId', o.workerId, processWorkerId()),
    onRun: functionOption('onRun', o.onRun, undefined),
    maxBackoffSeconds: seconds(
      'maxBackoffSeconds',
      o.maxBackoffSeconds,
      SERVE_DEFAULTS.maxBackoffSeconds,
    ),
    now: functionOption('now', o.now, Date.now),
    signal: signalOption(o.signal),
    startTimeoutSeconds: seconds(
      'startTimeoutSeconds',
      o.startTimeoutSeconds,
      SERVE_DEFAULTS.startTimeoutSeconds,
    ),
    stopTimeoutSeconds: seconds(
      'stopTimeoutSeconds',
      o.stopTimeoutSeconds,
      SERVE_DEFAULTS.stopTimeoutSeconds,
    ),
    onWarning: functionOption('onWarning', o.onWarning, undefined),
    prune: booleanOption('prune', o.prune, false),
    checkSeconds: numberOption(
      'checkSeconds',
      o.checkSeconds,
      Math.min(10, ...tenants.map((t) => t.intervalSeconds)),
      LIMITS.intervalSeconds,
    ),
  };
}
