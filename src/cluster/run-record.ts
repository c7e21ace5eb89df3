import type { RunWarning, StopReason } from '../types';

/**
 * What a shipper reports of each run (one `--log-format json` line): a cluster worker of each job
 * of a tenant (`serve`), `ship --follow` of each poll and, with {@link inProgress}, of a run going on.
 */
export interface RunRecord {
  /** ISO 8601 time the job ended. */
  time: string;
  /** The tenant's `id` in the configuration. */
  tenant: string;
  /** The worker's id (`host:pid` unless given). */
  worker: string;
  /**
   * Set when the job ran nothing: `leased` (another worker runs the tenant), `running` (this
   * worker's previous run of the tenant has not ended yet) or `backoff`.
   */
  skipped?: 'leased' | 'running' | 'backoff';
  /**
   * Set on a line written while the run goes on (`ship --follow`, every `--interval` while it
   * catches up): the figures so far, no `stopReason` yet; a line without it follows when it ends.
   */
  inProgress?: true;
  /** Why the run ended; `failed` with `error`. Absent while {@link inProgress}. */
  stopReason?: StopReason;
  /** Logs acknowledged by the destination in this run (so far, while {@link inProgress}). */
  logsProcessed: number;
  /**
   * With several destinations (`destinations`): each one's logs acknowledged in this run, in the
   * configured order (a batch sent again after another destination failed counts again).
   */
  destinations?: Array<{ destination: string; logs: number }>;
  /** Logs given up on in this run (tenant `onBatchFailure: "skip"`), named by {@link skippedRanges}. */
  logsSkipped?: number;
  /** The id ranges skipped: after `fromCheckpoint` up to `toCheckpoint`. */
  skippedRanges?: Array<{
    fromCheckpoint: string | null;
    toCheckpoint: string | null;
    logs: number;
  }>;
  /** Logs the destination refused for good, appended to the tenant's `deadLetter`. */
  logsDeadLettered?: number;
  /** Checkpoint stored at the end of the run. */
  checkpoint?: string | null;
  /** Run duration in ms. */
  durationMs?: number;
  /** The lease's fencing token. */
  fencingToken?: number;
  /** Whether the lease was taken over from a holder that did not release it. */
  takeover?: boolean;
  /** Age in seconds of the newest log shipped in this run (by its `date`), when one was. */
  lagSeconds?: number;
  /** Why the run failed, without secrets. */
  error?: string;
  /**
   * The failing error's `code`, with `error`: the run's `status.errorCode` (`unauthorized`,
   * `ECONNREFUSED`, `handler_failed`, ...) or the storage's (`lease_lost`, `storage_write_failed`).
   */
  errorCode?: string;
  /**
   * The run's warnings (`status.warnings`: logs dated before a destination's intake window, a
   * span of logs that expired before it was shipped, ...), each with its stable `code`.
   */
  warnings?: RunWarning[];
  /** Consecutive failed runs of this tenant on this worker. */
  failures?: number;
  /** When failing: seconds until this worker tries the tenant again. */
  retryInSeconds?: number;
}
