/**
 * Every default in one place, so the README and the code cannot drift. Exported as `DEFAULTS`.
 */
export const DEFAULTS = Object.freeze({
  /** Logs handed to the handler at once. */
  batchSize: 100,
  /** Largest accepted `batchSize`. */
  maxBatchSize: 1000,
  /** Retries of a failed handler call, and of a failed fetch. */
  maxRetries: 5,
  /** How long one `run` may take. */
  maxRunTimeSeconds: 22,
  /** Batches in the handler at once. */
  concurrency: 1,
  /** What happens to a batch that still fails after `maxRetries`. */
  onBatchFailure: 'skip' as const,
  /** Logs the API serves in one request at most. */
  maxPageSize: 100,
  /** Per-request timeout. */
  timeoutMs: 30_000,
  /** A cached token with less than this left is renewed. */
  tokenLeewayMs: 10_000,
  /** First backoff delay. */
  minRetryDelayMs: 250,
  /** Longest single backoff delay (also caps waits for `x-ratelimit-reset`). */
  maxRetryDelayMs: 30_000,
  /** Stored run history is trimmed oldest-first past this many bytes. */
  historyLimitBytes: 400 * 1024,
  /** A run whose newest log is older than this gets a warning. */
  outdatedAfterMs: 7 * 24 * 3600 * 1000,
  /** Largest answer body the client accepts, in bytes (client option `maxResponseBytes`). */
  maxResponseBytes: 64 * 1024 * 1024,
  /** Lifetime assumed for a token whose answer has no `expires_in` (a 401 renews it sooner). */
  assumedTokenLifetimeMs: 3600 * 1000,
  /** Cursors reading a backlog at once (`backfillCursors`); 1 reads with one cursor. */
  backfillCursors: 1,
  /** Largest accepted `backfillCursors` (the client keeps 8 connections; more wait for one). */
  maxBackfillCursors: 32,
  /** Logs older than the tenant's now minus this (ms) are read by several cursors. */
  backfillHorizonMs: 10 * 60 * 1000,
  /** Most logs a backfill holds ahead of the contiguous prefix (its reorder buffer). */
  backfillBufferLogs: 10_000,
  /**
   * How much later than its `date` a log may be written (its id's time), in ms, for a date range
   * (`until`): a range pages from the id of `startFrom` minus this and on to the id of `until`
   * plus this, and keeps exactly the logs whose `date` is in the range. Auth0 documents no bound;
   * logs written late are seconds late (its checkpoint paging exists "to prevent skipping past
   * records due to Auth0 system delays").
   */
  rangeMarginMs: 60 * 1000,
});

/** Shape of {@link DEFAULTS}. */
export type Defaults = typeof DEFAULTS;
