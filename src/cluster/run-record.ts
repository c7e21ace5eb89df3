import type { StopReason, WarningCode } from '../types';

/** What a cluster worker reports of each job of a tenant (one `--log-format json` line). */
export interface RunRecord {
  /** ISO 8601 time the job ended. */
  time: string;
  /** The tenant's `id` in the configuration. */
  tenant: string;
  /** The worker's id (`host:pid` unless given). */
  worker: string;
  /** Set when the job ran nothing: `leased` (another worker runs the tenant) or `backoff`. */
  skipped?: 'leased' | 'backoff';
  /** Why the run ended; `failed` with `error`. */
  stopReason?: StopReason;
  /** Logs acknowledged by the destination in this run. */
  logsProcessed: number;
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
  /** The codes of the run's warnings (`status.warnings`), when it had any. */
  warnings?: WarningCode[];
  /** Why the run failed, without secrets. */
  error?: string;
  /**
   * The failing error's `code`, with `error`: the run's `status.errorCode` (`unauthorized`,
   * `ECONNREFUSED`, `handler_failed`, ...) or the storage's (`lease_lost`, `storage_write_failed`).
   */
  errorCode?: string;
  /** Consecutive failed runs of this tenant on this worker. */
  failures?: number;
  /** When failing: seconds until this worker tries the tenant again. */
  retryInSeconds?: number;
}
