/**
 * Where an Auth0 log event came from, as Auth0 resolves it from `ip` (`location_info`). Source: the
 * `GET /api/v2/logs` response schema (https://auth0.com/docs/api/management/v2/logs/get-logs).
 */
export interface LogLocationInfo {
  country_code?: string;
  country_code3?: string;
  country_name?: string;
  city_name?: string;
  latitude?: number;
  longitude?: number;
  time_zone?: string;
  continent_code?: string;
  [field: string]: unknown;
}

/**
 * One Auth0 log event as `GET /api/v2/logs` returns it. The documented fields are typed (source:
 * https://auth0.com/docs/api/management/v2/logs/get-logs and the per-type event schemas under
 * https://auth0.com/docs/tenant-logs); which ones are present depends on the event `type`, so all
 * but `date` and `type` are optional. Every other field the API sends is kept as is.
 */
export interface LogEvent {
  /** The 56-digit checkpoint id. Compare as strings of equal length, never as numbers. */
  log_id?: string;
  /** Legacy id; equal to `log_id` on current tenants. */
  _id?: string;
  /** ISO 8601 date of the event. */
  date: string;
  /** Event type code, e.g. `s` (success login) or `f` (failed login); see `logTypes`. */
  type: string;
  /** What happened, in words; for failures, what went wrong. May be `null`. */
  description?: string | null;
  /** Name of the connection the event relates to. */
  connection?: string;
  /** Id of that connection (`con_...`). */
  connection_id?: string;
  /** Id of the application (client) involved; on failures it may be invalid. May be `null`. */
  client_id?: string | null;
  /** Name of that application; may be empty. */
  client_name?: string;
  /** IP address of the source of the event (the end user, or the admin for `sapi`). */
  ip?: string;
  /** Host name the event applies to. */
  hostname?: string;
  /** Id of the user involved, e.g. `auth0|56c75c4e42b6359e98374bc2`. */
  user_id?: string;
  /** Name of the user involved. */
  user_name?: string;
  /** API audience the event applies to. */
  audience?: string;
  /** Scopes granted or asked for, space-separated. */
  scope?: string | null;
  /** Identity provider strategy, e.g. `auth0`, `google-oauth2`. */
  strategy?: string;
  /** Kind of strategy, e.g. `database`, `social`, `enterprise`. */
  strategy_type?: string;
  /** Whether the event came from a mobile device. */
  isMobile?: boolean;
  /** Type-specific details (request, response, error, ...). */
  details?: Record<string, unknown>;
  /** User agent of the source, as Auth0 parsed it (e.g. `Chrome 120.0.0 / Mac OS X 10.15.7`). */
  user_agent?: string;
  /** Where `ip` is, as Auth0 resolved it. */
  location_info?: LogLocationInfo;
  /** TLS fingerprints of the client (`ja3`, `ja4`). */
  security_context?: { ja3?: string; ja4?: string; [field: string]: unknown };
  /** The SDK that sent the request (from the `Auth0-Client` header), when any. */
  auth0_client?: Record<string, unknown>;
  /** Tenant name. */
  tenant_name?: string;
  [field: string]: unknown;
}

/** Rate-limit figures from the `x-ratelimit-*` headers of one response. */
export interface RateLimits {
  /** Requests the bucket holds (`x-ratelimit-limit`). */
  limit: number;
  /** Requests left in the bucket (`x-ratelimit-remaining`). */
  remaining: number;
  /** Epoch seconds at which the bucket is full again (`x-ratelimit-reset`). */
  reset: number;
}

/** What `LogsApiClient.getLogs` resolves and what `LogsApiStream` emits as `data`. */
export interface LogsPage {
  logs: LogEvent[];
  limits: RateLimits;
}

/** An access token and the epoch milliseconds at which it expires. */
export interface AccessToken {
  token: string;
  expiresAt: number;
}

/**
 * Where `LogsApiClient` keeps its access token between calls (and processes). The default keeps it in
 * memory. `getToken` may resolve `null`/`undefined` when nothing is cached.
 */
export interface TokenCache {
  getToken(): Promise<AccessToken | null | undefined>;
  setToken(token: AccessToken | null): Promise<void>;
}

/** One run's summary as kept in the stored history and returned by `LogsProcessor.run`. */
export interface RunStatus {
  /** Checkpoint the run started from (`null` for the very first run). */
  startCheckpoint: string | null;
  start: Date | string;
  end: Date | string | null;
  /** Logs handed to the handler and acknowledged (or dead-lettered). */
  logsProcessed: number;
  /** Checkpoint stored when the run ended. */
  checkpoint?: string | null;
  /**
   * Why the run ended early or what looks wrong (rate limit, outdated logs): the messages of
   * {@link warnings} joined by a space, as the original's readers expect one string.
   */
  warning?: string;
  /**
   * The same warnings as a list, each with a stable `code` to branch on (see {@link RunWarning});
   * present when `warning` is. Newer than `warning`: a stored history written by an older version
   * (or the original) has only `warning`.
   */
  warnings?: RunWarning[];
  /** Why the run failed, as a message (never an object holding secrets). */
  error?: string;
  /**
   * The failing error's `code`, set with `error`: a Management API code (`unauthorized`,
   * `access_denied`, `insufficient_scope`, `too_many_requests`, `invalid_page`, ...), a system code
   * of a request that got no answer (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, `ETIMEDOUT`,
   * `run_deadline`), `handler_failed` (the handler's error), `invalid_argument` (a bad option).
   * Absent when the error carried no string `code`.
   */
  errorCode?: string;
  /** Which side `error` came from; see {@link ErrorSource}. Set with `error`. */
  errorSource?: ErrorSource;
  /** The HTTP status of the failed answer, when the server answered (`403` for a missing scope). */
  errorStatus?: number;
  /** Ranges that were given up on after `maxRetries` (with `onBatchFailure: 'skip'`). */
  skipped?: SkippedRange[];
  /** Why the run ended; see {@link StopReason}. */
  stopReason?: StopReason;
  /**
   * Logs the API answered again at or below the checkpoint they were asked after (a replayed
   * page): dropped, never shipped twice. Present when above 0.
   */
  logsReplayed?: number;
  /**
   * Set (true) when `error` cannot be fixed by retrying: the failure was `isPermanentError` (bad
   * credentials, TLS verification, a destination's 4xx). `ship --follow` stops on it.
   */
  permanent?: boolean;
  /**
   * Logs a destination refused for good (one item of a batch: a mapping error) that were handed to
   * the processor's `deadLetter` with their reason; the rest of their batch was acknowledged.
   * Present when above 0; counted in `logsProcessed` too (they are settled).
   */
  logsDeadLettered?: number;
  /**
   * What the destination asked to wait (`Retry-After`, in ms) when the run stopped on its answer:
   * the failing error's `retryAfterMs`. A scheduler (serve's tenant backoff) waits at least this long.
   */
  retryAfterMs?: number;
}

/**
 * One log a destination refused for good, as a `DestinationError`'s `rejected` lists it: its
 * `log_id` and the destination's reason (`400 mapper_parsing_exception: failed to parse [date]`).
 */
export interface RejectedLog {
  log_id: string;
  reason: string;
}

/** What the processor's `deadLetter` receives for each refused log: the {@link RejectedLog} and the log. */
export interface DeadLetterEntry extends RejectedLog {
  log: LogEvent;
}

/**
 * A log in the shape Auth0's Log Streams send it (`format: 'stream'`): its `log_id` at the top and
 * the whole log in `data`. Source: the payload of a Custom Webhook log stream,
 * https://auth0.com/docs/customize/log-streams/custom-log-streams ("log_id" and "data").
 */
export interface LogStreamRecord {
  log_id: string;
  data: LogEvent;
}

/**
 * What a run hands its handler: each log as Auth0's API returns it (`format: 'raw'`, the default),
 * or as a {@link LogStreamRecord} (`format: 'stream'`).
 */
export type ShippedLog = LogEvent | LogStreamRecord;

/**
 * Why a run ended: `caught_up` (the tenant had no newer log), `max_run_time` (the run-time cap),
 * `rate_limit` (the rate-limit bucket stayed empty past the run time), `aborted` (the run's
 * `AbortSignal`), `failed` (`status.error` says why).
 */
export type StopReason = 'caught_up' | 'max_run_time' | 'rate_limit' | 'aborted' | 'failed';

/**
 * Where a run's error came from: `options` (a bad option, `ArgumentError`), `token` (the token
 * request, `TokenRequestError`), `logs` (`GET /api/v2/logs`, `ManagementApiError`), `handler` (the
 * handler, `HandlerError`), `storage` (the `StorageContext`, `StorageError`), `other` (anything else).
 */
export type ErrorSource = 'options' | 'token' | 'logs' | 'handler' | 'storage' | 'other';

/**
 * Codes of {@link RunWarning}: `rate_limit` (the rate-limit bucket stayed empty), `backfill_fallback`
 * (a backfill dropped back to one cursor), `unknown_types` (logs of types the catalog does not know
 * were shipped), `outdated_logs` (the newest log shipped is more than a week old), `aborted` (the
 * run was stopped by its abort signal; the message says why, see {@link StopRequest}),
 * `destination_window` (logs were sent to a destination that drops them for their age: Datadog's
 * intake window; the handler's `drainWarnings` reported it, see {@link WarningSource}).
 */
export type WarningCode =
  | 'rate_limit'
  | 'backfill_fallback'
  | 'unknown_types'
  | 'outdated_logs'
  | 'aborted'
  | 'destination_window'
  /** the checkpoint is older than the tenant keeps logs: the logs in `span` may have expired */
  | 'logs_expired';

/**
 * A handler that has something to say about what it sent (a destination that accepted logs it
 * will drop): the processor adds what `drainWarnings` returns at the end of each run to
 * `status.warnings`. Each call returns the warnings since the previous one.
 */
export interface WarningSource {
  drainWarnings?: () => RunWarning[];
}

/**
 * What a {@link GatheringHandler} answers when it has taken a batch in: `stored` resolves once the
 * batch is stored for good (the object holding it is written), or rejects (then the batch is not
 * acknowledged and is read again from the checkpoint).
 */
export interface Gathered {
  stored: Promise<void>;
}

/**
 * A handler that gathers batches before it stores them (the S3 destination gathers them into
 * objects of `objectMaxLogs` / `objectMaxBytes` / `objectMaxSeconds`). `LogsProcessor` calls
 * `gather` instead of the handler and moves the checkpoint over a batch only once its `stored`
 * resolved (deferred acknowledgement: the promise "no log lost" holds across the gathering).
 * - `gather(logs)`: resolves once the batch is taken in; the same batch gathered again (a retry)
 *   is not taken twice.
 * - `flush('due')`: stores what its age bound says is due (called at the end of a run that may
 *   hold batches for the next one); `flush('all')`: stores everything gathered.
 */
export interface GatheringHandler {
  gather(logs: LogEvent[]): Promise<Gathered>;
  flush(what: 'due' | 'all'): Promise<void>;
}

/** One warning of a run (`RunStatus.warnings`): a stable code and the message shown to people. */
export interface RunWarning {
  code: WarningCode;
  /** One or more sentences, without secrets. */
  message: string;
  /**
   * With `logs_expired`: the span whose logs may have expired unshipped, ISO 8601 dates read from
   * the checkpoint's `log_id` (`from`) and the oldest kept log's (`to`).
   */
  span?: { from: string; to: string };
}

/**
 * Why a caller stopped a run, passed as the abort signal's reason: `controller.abort({ stopReason:
 * 'caught_up' })`. The run records `stopReason` as its `status.stopReason` (and in the stored
 * history) instead of `aborted`, and `warning` (when given) as its `aborted` warning instead of
 * "The run was stopped by its abort signal.". Any other reason (`controller.abort()`, an `Error`)
 * records `aborted` with that default warning. A run stops the same way whatever the reason: what
 * was acknowledged is stored.
 * @example controller.abort({ stopReason: 'caught_up' } satisfies StopRequest)
 */
export interface StopRequest {
  /** Recorded as `status.stopReason`. */
  stopReason: Exclude<StopReason, 'failed'>;
  /**
   * The `aborted` warning to record instead of the default one; with a `stopReason` other than
   * `aborted`, none is recorded unless given.
   */
  warning?: string;
}

/**
 * Why the pipeline waits (see {@link WaitEvent}): `rate_limit` (the rate-limit bucket is empty;
 * waiting for it to refill), `retry` (a request to Auth0 failed; waiting before trying it again),
 * `handler_retry` (the handler failed a batch; waiting before sending it again).
 */
export type WaitReason = 'rate_limit' | 'retry' | 'handler_retry';

/** What an `onWait` hook receives: why the pipeline is about to wait, and for how long. */
export interface WaitEvent {
  reason: WaitReason;
  /** The wait, in milliseconds (above 0); an abort signal may cut it short. */
  ms: number;
}

/** A batch that was skipped or dead-lettered after its retries ran out. */
export interface SkippedRange {
  fromCheckpoint: string | null;
  toCheckpoint: string | null;
  logs: number;
  reason: string;
  deadLettered?: boolean;
}

/** What `LogsProcessor.run` resolves. */
export interface RunResult {
  status: RunStatus;
  checkpoint: string | null;
}

/** The JSON document `LogsProcessor` keeps in its `StorageContext`. */
export interface StoredState {
  checkpointId?: string | null;
  startFrom?: string | null;
  logs_access_token?: AccessToken | null;
  logs?: RunStatus[];
  /** The tenant this state belongs to; a run against another tenant is refused. */
  tenant?: StoredTenant;
  /**
   * The destination `ship` ships this state's logs to (kind and address, never a secret); a
   * `ship` to another destination on a state with a checkpoint is refused unless `--start-from`.
   */
  destination?: StoredDestination;
  [field: string]: unknown;
}

/** The destination of a stored state (`StoredState.destination`), e.g. `{ kind: 'file', address: '/var/log/auth0.ndjson' }`. */
export interface StoredDestination {
  /**
   * `stdout`, `file`, `post`, a `--to` kind (`splunk`, `datadog`, `elastic`, `s3`), or `fanout`
   * (several of them).
   */
  kind: string;
  /** Where: a real file path, a URL without user info or query, `-` for stdout. */
  address: string;
  /**
   * Kind `fanout` (several destinations from one read): each destination's record; `address` is
   * their descriptions, sorted, joined by ` + `.
   */
  destinations?: StoredDestination[];
}

/** The tenant a stored state belongs to (`StoredState.tenant`). */
export interface StoredTenant {
  /** Tenant domain, lower case, without scheme or path, e.g. `acme.eu.auth0.com`. */
  domain: string;
  /** Client id of the application that reads its logs. */
  clientId: string;
}

/**
 * An exclusive hold on a stored state, from {@link StorageContext.lock}. While it is held no other
 * holder can take the state; a holder that loses it (a stale lock taken over, a lease that expired)
 * learns so through `lost` and must stop writing: `StateStore` refuses every write after it.
 */
export interface StorageLock {
  /** Ends the hold; resolves once others can take it. Calling it twice is harmless. */
  release(): Promise<void>;
  /** Aborted when the hold was lost; `lost.reason` is an `Error` that says why. */
  readonly lost: AbortSignal;
  /**
   * A number that grows with every new holder (a fencing token), when the storage has one
   * (leases in Redis or PostgreSQL). A storage that checks it on write rejects a stale holder.
   */
  readonly fencingToken?: number;
}

/**
 * Persistence for the processor: one JSON document, read and written whole. `read` may resolve
 * `undefined`/`null` when nothing was stored yet.
 */
export interface StorageContext {
  read(): Promise<StoredState | null | undefined>;
  write(data: StoredState): Promise<void>;
  /**
   * Optional: takes an exclusive lock on the state for one run (`LogsProcessor.run` holds it from
   * start to end). Rejects at once, without waiting, with a `StorageError` of code `state_locked`
   * when another holder has it. A storage without `lock` is not locked (the original's contract).
   */
  lock?(): Promise<StorageLock>;
}

/** A logger with the three levels the library uses. `console` fits. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * The user's handler: call `callback()` (or `callback(error)`) when the batch is stored, or
 * return a promise. Either way, the batch counts as acknowledged only once it succeeds.
 */
export type LogsHandler = (
  logs: LogEvent[],
  callback: (error?: unknown) => void,
) => void | PromiseLike<unknown>;

/** What `onBatchFailure` receives for a batch whose retries are spent. */
export interface BatchFailure {
  logs: LogEvent[];
  error: unknown;
  fromCheckpoint: string | null;
  toCheckpoint: string | null;
}

/** Progress after every acknowledged batch. */
export interface RunProgress {
  /** Logs acknowledged (or dead-lettered) so far in this run. */
  logsProcessed: number;
  /** The checkpoint stored so far. */
  checkpoint: string | null;
  /** Date of the newest log acknowledged so far. */
  newestLogDate: string | null;
  /** Batches committed so far. */
  batches: number;
  /**
   * Cursors reading at this moment, with `backfillCursors` above 1 (0 between slices, 1 after a
   * fall back to one cursor); absent otherwise.
   */
  cursors?: number;
  /** Logs a backfill holds read ahead of the stored checkpoint; with `cursors` only. */
  bufferedLogs?: number;
}
