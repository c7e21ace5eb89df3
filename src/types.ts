/**
 * One Auth0 log event as `GET /api/v2/logs` returns it. Only the fields this library relies on are
 * typed; every other field the API sends is kept as is.
 */
export interface LogEvent {
  /** The 56-digit checkpoint id. Compare as strings of equal length, never as numbers. */
  log_id?: string;
  /** Legacy id; equal to `log_id` on current tenants. */
  _id?: string;
  /** ISO 8601 date of the event. */
  date: string;
  /** Event type code, e.g. `s` (success login) or `f` (failed login). */
  type: string;
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
  /** Why the run ended early or what looks wrong (rate limit, outdated logs). */
  warning?: string;
  /** Why the run failed, as a message (never an object holding secrets). */
  error?: string;
  /** Ranges that were given up on after `maxRetries` (with `onBatchFailure: 'skip'`). */
  skipped?: SkippedRange[];
  /** Why the run ended; see {@link StopReason}. */
  stopReason?: StopReason;
  /**
   * Logs the API answered again at or below the checkpoint they were asked after (a replayed
   * page): dropped, never shipped twice. Present when above 0.
   */
  logsReplayed?: number;
}

/**
 * Why a run ended: `caught_up` (the tenant had no newer log), `max_run_time` (the run-time cap),
 * `rate_limit` (the rate-limit bucket stayed empty past the run time), `aborted` (the run's
 * `AbortSignal`), `failed` (`status.error` says why).
 */
export type StopReason = 'caught_up' | 'max_run_time' | 'rate_limit' | 'aborted' | 'failed';

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
  [field: string]: unknown;
}

/**
 * Persistence for the processor: one JSON document, read and written whole. `read` may resolve
 * `undefined`/`null` when nothing was stored yet.
 */
export interface StorageContext {
  read(): Promise<StoredState | null | undefined>;
  write(data: StoredState): Promise<void>;
}

/** A logger with the three levels the library uses. `console` fits. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
