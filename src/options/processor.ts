import type { LogsApiClientOptions } from './client';
import { ArgumentError } from '../errors';
import type { Timing } from '../pipeline/retry';
import type { BatchFailure, LogsHandler, RunProgress } from '../types';

export type { BatchFailure, RunProgress } from '../types';

/** Options of {@link LogsProcessor}: the client's, and how to run. */
export interface LogsProcessorOptions extends LogsApiClientOptions, Partial<Timing> {
  /** Logs handed to the handler at once, 1 to 1000. @default 100 */
  batchSize?: number | string;
  /** Retries of a failed handler call (and of a failed fetch), 0 to 100. @default 5 */
  maxRetries?: number | string;
  /** How long a run may take; `Infinity` runs until caught up. @default 22 */
  maxRunTimeSeconds?: number | string;
  /**
   * A 56-digit log id to start after, or an ISO 8601 date to start at; wins over the stored
   * checkpoint when it changes. A bad value (`'abc'`) fails each run with `status.error`.
   */
  startFrom?: string | null;
  /**
   * Log type codes to ship (combined with `logLevel`): an array or `'s,f,fp'`; blank or `'-'` ships
   * every type. A code the catalog does not know is refused (naming the nearest one) unless written
   * `'+code'`, for types Auth0 added after this catalog.
   * @default all
   */
  logTypes?: readonly string[] | string | null;
  /**
   * Ship types at this level or above (0 debug, 1 info, 2 warning, 3 error, 4 critical); blank or
   * `'-'` ships every level. Logs of a type the catalog does not know always pass (named in the
   * run's warning).
   * @default all
   */
  logLevel?: number | string | null;
  /** Batches in the handler at once, 1 to 64; the checkpoint only covers a contiguous acknowledged run. @default 1 */
  concurrency?: number | string;
  /**
   * A batch still failing after `maxRetries` (or at once, on an error marked `permanent: true`):
   * `'skip'` it and end the run (`status.error` and `status.skipped` say so; the checkpoint moves
   * past it), `'stop'` the run (it is sent again next run), or pass it to an async dead-letter
   * function (the run goes on once it resolves).
   * @default 'skip'
   */
  onBatchFailure?: 'skip' | 'stop' | ((failure: BatchFailure) => Promise<void>);
  /** Called after every acknowledged batch. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Cursors reading a backlog at once, 1 to 32. Above 1, a checkpoint older than 10 minutes before
   * the tenant's now is caught up by that many cursors, each reading a slice cut at ids
   * synthesised from dates; logs still reach the handler in `log_id` order and the stored
   * checkpoint only covers what was acknowledged in order. Verified on the tenant's own ids first;
   * any anomaly drops back to one cursor with a warning in the run status. See the README's
   * Backfill section.
   * @default 1
   * @example { backfillCursors: 8 }
   */
  backfillCursors?: number | string;
}

/** Rejects anything but a function as the handler. */
export function assertHandler(handler: unknown): asserts handler is LogsHandler {
  if (typeof handler !== 'function')
    throw new ArgumentError(
      'Expected `handler` to be a function (logs, callback) => ...',
      'handler',
    );
}
