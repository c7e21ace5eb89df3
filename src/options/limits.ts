import { constants } from 'node:buffer';
import { DEFAULTS } from '../defaults';

/** The values an option accepts: `min` to `max` (`max` may be `Infinity`). */
export interface Range {
  readonly min: number;
  readonly max: number;
  /** `min` itself is refused (a duration must be above 0). */
  readonly above?: boolean;
}

/** The longest delay Node's timers keep; a longer one fires after 1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The range of every numeric option, in one place: the library checks them, and the CLI, the
 * `serve` configuration and the README quote them from here instead of repeating them.
 */
export const LIMITS = Object.freeze({
  /** `batchSize`: logs handed to the handler at once. */
  batchSize: { min: 1, max: DEFAULTS.maxBatchSize },
  /** `maxRetries`: retries of a failed handler call, and of a failed fetch. */
  maxRetries: { min: 0, max: 100 },
  /** `maxRunTimeSeconds`: any number of seconds above 0 (or `Infinity`). */
  maxRunTimeSeconds: { min: 0, max: Infinity, above: true },
  /** `concurrency`: batches in the handler at once. */
  concurrency: { min: 1, max: 64 },
  /** `backfillCursors`: cursors reading a backlog at once. */
  backfillCursors: { min: 1, max: DEFAULTS.maxBackfillCursors },
  /** `logLevel`: 0 debug to 4 critical. */
  logLevel: { min: 0, max: 4 },
  /** The client's `timeoutMs`: up to the longest timer Node keeps. */
  timeoutMs: { min: 1, max: MAX_TIMEOUT_MS },
  /** The client's `maxResponseBytes`: up to the longest string Node makes. */
  maxResponseBytes: { min: 1, max: constants.MAX_STRING_LENGTH },
  /** A destination's `timeoutMs`: 1 ms to 1 h. */
  destinationTimeoutMs: { min: 1, max: 3_600_000 },
  /** A destination's `maxRequestBytes`: 1 KiB to 1 GiB. */
  maxRequestBytes: { min: 1024, max: 1024 ** 3 },
  /** `leaseSeconds` of Redis and PostgreSQL storage, and of `serve`: 1 s to a day. */
  leaseSeconds: { min: 1, max: 86_400 },
  /** `FileStorage`'s `lockStaleMs`: at least 2 s. */
  lockStaleMs: { min: 2000, max: Infinity },
  /** `FileStorage`'s `mode`: a file mode, 0 to 0o777. */
  fileMode: { min: 0, max: 0o777 },
  /** A TCP port; 0 picks a free one. */
  port: { min: 0, max: 65_535 },
  /** A `serve` tenant's `batchSize`: one page at most. */
  serveBatchSize: { min: 1, max: DEFAULTS.maxPageSize },
  /** A cluster tenant's `intervalSeconds`: 1 s to a day. */
  intervalSeconds: { min: 1, max: 86_400 },
  /** The cluster worker's `maxBackoffSeconds`, `startTimeoutSeconds`, `stopTimeoutSeconds`. */
  waitSeconds: { min: 0, max: 86_400, above: true },
} satisfies Record<string, Range>);
