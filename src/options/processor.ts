import { CLIENT_OPTION_KEYS, type LogsApiClientOptions } from './client';
import { DEFAULTS } from '../defaults';
import type { Timing } from '../pipeline/retry';
import type { BatchFailure, DeadLetterEntry, LogsHandler, RunProgress, WaitEvent } from '../types';
import { loggerOption } from '../util/log';
import { functionOption, integerOption, invalid, maskingSecret } from './check';
import { LIMITS } from './limits';
import { categoriesOption, shapeOption, type ShapeOptions } from './shape';
import type { LogShape } from '../pipeline/shape/shape';
import type { RangeEnds } from '../pipeline/range';
import {
  checkpointOption,
  logLevelOption,
  logTypesOption,
  maxRetriesOption,
  runTimeOption,
  timingOption,
  untilOption,
  type ResolvedPaging,
} from './paging';

/** Options of {@link LogsProcessor}: the client's, and how to run. */
export interface LogsProcessorOptions extends LogsApiClientOptions, Partial<Timing>, ShapeOptions {
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
   * The end of a date range: an ISO 8601 date (without an offset, UTC) or a 56-digit log id. With
   * it, a run ships exactly the logs of the range and stops (`stopReason: 'caught_up'`): those
   * dated from `startFrom` (when it is a date; else after its id, or the stored checkpoint) and
   * before `until` (a date), or up to and including the log `until` names (an id). Auth0 pages by
   * `log_id`, the time a log was written, and a log written late is dated before logs with smaller
   * ids: so a range pages from the id of `startFrom` less `DEFAULTS.rangeMarginMs` (1 minute) to
   * the id of `until` plus the same margin, and keeps exactly the logs whose `date` is in range. A
   * log written more than that margin after its date, at the range's end, is not shipped. The
   * stored checkpoint never passes the id of `until`: a later run reads on from there, nothing
   * lost. Must come after `startFrom`.
   * @default none (no end: ship until caught up)
   * @example { startFrom: '2026-03-04T10:00:00Z', until: '2026-03-04T14:00:00Z' }
   */
  until?: string | null;
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
  /**
   * Receives the logs a destination refused for good while it stored the rest of their batch (the
   * handler rejected with an error whose `rejected` lists them, e.g. an Elasticsearch mapping
   * error on one document), each with its `log_id` and reason. Once it resolves the batch is
   * acknowledged and the checkpoint moves; `status.logsDeadLettered` counts them. Without it such
   * a batch fails like any other (see `onBatchFailure`), its error naming this option. A rejection
   * of `deadLetter` stops the run (the batch is sent again next run).
   * @example { deadLetter: fileDeadLetter('refused.ndjson') }
   */
  deadLetter?: (entries: DeadLetterEntry[]) => Promise<void>;
  /** Called after every acknowledged batch. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Called right before the run waits, with why and for how long (`{ reason, ms }`, see
   * `WaitEvent`): `rate_limit` when the rate-limit bucket is empty (`ms` until it holds a request
   * again), `retry` before a failed request to Auth0 is tried again, `handler_retry` before a batch
   * the handler failed is sent again (`ms`: the backoff). Waits of 0 ms are not reported. The wait
   * itself goes through `sleep`, which an abort cuts short. What the hook throws is ignored.
   * @example { onWait: ({ reason, ms }) => console.error(`${reason}: waiting ${ms} ms`) }
   */
  onWait?: (event: WaitEvent) => void;
  /**
   * Cursors reading a backlog at once, 1 to 32. Above 1, a checkpoint older than 10 minutes before
   * the tenant's now is caught up by that many cursors, each reading a slice cut at ids
   * synthesised from dates; logs still reach the handler in `log_id` order and the stored
   * checkpoint only covers what was acknowledged in order. Verified on the tenant's own ids first;
   * any anomaly drops back to one cursor with a warning in the run status. See docs/backfill.md.
   * @default 1
   * @example { backfillCursors: 8 }
   */
  backfillCursors?: number | string;
}

/** Every key of {@link LogsProcessorOptions}, for the unknown-key warning (the compiler keeps it whole). */
export const PROCESSOR_OPTION_KEYS = {
  ...CLIENT_OPTION_KEYS,
  sleep: true,
  random: true,
  batchSize: true,
  maxRetries: true,
  maxRunTimeSeconds: true,
  startFrom: true,
  logTypes: true,
  logLevel: true,
  concurrency: true,
  onBatchFailure: true,
  deadLetter: true,
  onProgress: true,
  onWait: true,
  backfillCursors: true,
  until: true,
  format: true,
  categories: true,
  pii: true,
  piiMethod: true,
  piiKey: true,
} as const satisfies Record<keyof LogsProcessorOptions, true>;

/** Processor options after defaults and validation. */
export interface ResolvedOptions extends ResolvedPaging {
  batchSize: number;
  startFrom: string | null;
  /** `startFrom` and `until` when `until` is set: the run is a date range. */
  range: RangeEnds | undefined;
  concurrency: number;
  onBatchFailure: 'skip' | 'stop' | ((failure: BatchFailure) => Promise<void>);
  onProgress: ((progress: RunProgress) => void) | undefined;
  backfillCursors: number;
  deadLetter: ((entries: DeadLetterEntry[]) => Promise<void>) | undefined;
  /** Log Streams categories to ship (added to `types` and `logLevel`); `[]`: none named. */
  categories: string[];
  /** `format` and `pii`: what the shaping stage does to each log. */
  shape: LogShape;
}

function failurePolicy(raw: unknown): ResolvedOptions['onBatchFailure'] {
  if (raw === undefined) return DEFAULTS.onBatchFailure;
  if (raw === 'skip' || raw === 'stop' || typeof raw === 'function')
    return raw as ResolvedOptions['onBatchFailure'];
  throw invalid('onBatchFailure', "'skip', 'stop' or an async function", raw);
}

/**
 * The processor's options: copied, filled from `DEFAULTS`, checked against `LIMITS`; the
 * processor never reads the raw options again. Throws an {@link ArgumentError} naming the first
 * bad option ("Expected `batchSize` to be an integer from 1 to 1000, got 0").
 */
export function resolveProcessorOptions(options: {
  [K in keyof LogsProcessorOptions]?: LogsProcessorOptions[K] | undefined;
}): ResolvedOptions {
  return maskingSecret(options, () => resolveProcessorOptionsUnmasked(options));
}

function resolveProcessorOptionsUnmasked(options: {
  [K in keyof LogsProcessorOptions]?: LogsProcessorOptions[K] | undefined;
}): ResolvedOptions {
  const startFrom = checkpointOption('startFrom', options.startFrom, true);
  return {
    ...timingOption(options),
    batchSize: integerOption('batchSize', options.batchSize, DEFAULTS.batchSize, LIMITS.batchSize),
    maxRetries: maxRetriesOption(options.maxRetries),
    maxRunTimeSeconds: runTimeOption(options.maxRunTimeSeconds),
    startFrom,
    range: untilOption(options.until, startFrom),
    types: logTypesOption('logTypes', options.logTypes),
    logLevel: logLevelOption(options.logLevel),
    categories: categoriesOption(options.categories),
    shape: shapeOption(options),
    concurrency: integerOption(
      'concurrency',
      options.concurrency,
      DEFAULTS.concurrency,
      LIMITS.concurrency,
    ),
    onBatchFailure: failurePolicy(options.onBatchFailure),
    onProgress: functionOption('onProgress', options.onProgress, undefined),
    deadLetter: functionOption('deadLetter', options.deadLetter, undefined),
    onWait: functionOption('onWait', options.onWait, undefined),
    backfillCursors: integerOption(
      'backfillCursors',
      options.backfillCursors,
      DEFAULTS.backfillCursors,
      LIMITS.backfillCursors,
    ),
    logger: loggerOption(options.logger),
  };
}

/** Rejects anything but a function as the handler. */
export function assertHandler(handler: unknown): asserts handler is LogsHandler {
  if (typeof handler !== 'function')
    throw invalid('handler', 'a function (logs, callback) => ...', handler);
}
