import { types } from 'node:util';
import type { Batch } from './batches';
import { HandlerError, errorMessage, isAbortError, isPermanentError } from '../errors';
import type { ResolvedOptions } from '../options/processor';
import type { PagesStop } from './types';
import { withRetry, type RetryPolicy } from './retry';
import { checkpointAdvances } from '../storage/checkpoint';
import type { StateStore } from '../storage/state';
import type {
  DeadLetterEntry,
  LogEvent,
  LogsHandler,
  RejectedLog,
  ShippedLog,
  SkippedRange,
} from '../types';
import { logOf } from '../auth0/log-stream';
import { DEAD_LETTER_HINT, deadLetterEntries, rejectedLogs } from './rejected';

/**
 * A batch's logs as the public types name them (`LogEvent[]`, in the handler, `onBatchFailure` and
 * the dead letter): with `format: 'stream'` each is a `LogStreamRecord`, as that option says.
 */
function handed(logs: ShippedLog[]): LogEvent[] {
  return logs as LogEvent[];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function toHandlerError(error: unknown): HandlerError {
  if (error instanceof HandlerError) return error;
  return new HandlerError(`The handler failed: ${errorMessage(error) || 'no reason given'}`, {
    cause: error,
  });
}

/**
 * Calls the handler once and settles when it acknowledges, mapping every failure, a synchronous
 * throw included, to a {@link HandlerError}.
 * - A handler that takes a callback is done when it calls it, as the original's (promisified)
 *   handlers were; a falsy error (`cb()`, `cb(null)`, `cb(false)`) is success. "Takes a callback":
 *   it declares two parameters, or none and returns no native promise (`(...args) => f(...args)`,
 *   `function () { arguments }`: a wrapper, which may pass the callback on). What it returns is not
 *   awaited (a superagent request is thenable, and calling its `then` would send it again); only a
 *   returned native promise's rejection (an `async` handler's throw) fails the batch before the
 *   callback.
 * - A handler of one parameter is done when the promise it returns resolves, or when it returns;
 *   one of none that returns a native promise (`async () => ...`), when that resolves (or it calls
 *   back first). Declare a callback parameter without a default value: `(logs, cb = noop)` counts
 *   one parameter.
 */
export function callHandler(handler: LogsHandler, logs: LogEvent[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve();
      else reject(toHandlerError(error));
    };
    const callback = (error?: unknown) => finish(error ? error : undefined);
    const failed = (error: unknown, why: string) =>
      finish(error === undefined || error === null ? new Error(why) : error);
    try {
      const result = handler(logs, callback);
      const rejected = (error: unknown) => failed(error, 'rejected without a reason');
      const takesCallback =
        handler.length >= 2 || (handler.length === 0 && !types.isPromise(result));
      if (takesCallback) {
        if (types.isPromise(result)) result.then(undefined, rejected);
      } else if (isThenable(result)) result.then(() => finish(), rejected);
      else finish();
    } catch (error) {
      failed(error, 'threw without a reason');
    }
  });
}

/** What a {@link Delivery} did, for the run status. */
export interface DeliveryReport {
  /** The checkpoint stored last (the start checkpoint when nothing moved). */
  checkpoint: string | null;
  /** Logs acknowledged or dead-lettered, counted before the handler ran. */
  logsProcessed: number;
  /** Logs a destination refused for good and `deadLetter` received. */
  logsDeadLettered: number;
  /** Batches given up on (`'skip'`) or dead-lettered. */
  skipped: SkippedRange[];
  /** Epoch ms of the newest log committed. */
  newestLogDate: number | undefined;
  /** Why delivery failed: a handler, dead-letter or fetch error, or a skipped batch. */
  failure: unknown;
  /** Why the pages stopped, when they ran to their end. */
  stop: PagesStop | undefined;
}

/** Options of a {@link Delivery}. */
export interface DeliveryOptions {
  handler: LogsHandler;
  store: Pick<StateStore, 'saveCheckpoint'>;
  /** Checkpoint before the first batch. */
  start: string | null;
  concurrency: number;
  maxRetries: number;
  onBatchFailure: ResolvedOptions['onBatchFailure'];
  /** Receives the logs a destination refused for good; without it their batch fails. */
  deadLetter?: ((entries: DeadLetterEntry[]) => Promise<void>) | undefined;
  onProgress: ResolvedOptions['onProgress'];
  /** Handler retries, with the run's clock, deadline and signal. */
  retry: RetryPolicy;
}

/**
 * Hands batches to the handler, up to `concurrency` at once and one batch fetched ahead, and
 * stores the checkpoint over the contiguous run of settled batches. A handler error marked
 * permanent (see `isPermanentError`) is not retried. A batch given up under `'skip'` is stepped
 * over and ends the run, so an outage costs at most one batch per run. No batch is handed to the
 * handler once the run's deadline (`retry.deadline`, by `retry.now`) has passed: the run then stops
 * with `max_run_time`, its checkpoint after the last acknowledged batch.
 */
export class Delivery {
  private checkpoint: string | null;
  private newestLogDate: number | undefined;
  private logsProcessed = 0;
  private logsDeadLettered = 0;
  private readonly skipped: SkippedRange[] = [];
  private readonly settled = new Map<number, { batch: Batch; delivered: boolean }>();
  private nextSeq = 0;
  private stopError: unknown;
  private storageError: unknown;
  private batchesCommitted = 0;

  constructor(private readonly o: DeliveryOptions) {
    this.checkpoint = o.start;
  }

  /** Runs the pipeline and reports what it did. Rejects on storage failure. */
  async drain(source: AsyncGenerator<Batch, PagesStop, undefined>): Promise<DeliveryReport> {
    const active = new Set<Promise<void>>();
    let fetchError: unknown;
    let stop: PagesStop | undefined;
    let pending = source.next();
    try {
      for (;;) {
        const next = await pending;
        if (next.done) {
          stop = next.value;
          break;
        }
        // at most `concurrency` batches past the stored checkpoint: while the oldest one retries,
        // the others wait instead of running ahead through the backlog (a failure re-ships only these)
        while (
          active.size >= this.o.concurrency ||
          (active.size > 0 && next.value.seq - this.nextSeq >= this.o.concurrency)
        )
          await Promise.race(active);
        if (this.halted()) break;
        // a slow handler must not stretch the run past its cap: a batch already fetched is left
        // for the next run (the checkpoint stays before it)
        if (this.o.retry.now() >= this.o.retry.deadline) {
          stop = 'max_run_time';
          break;
        }
        const task = this.deliver(next.value).finally(() => active.delete(task));
        active.add(task);
        pending = source.next();
      }
    } catch (error) {
      if (!isAbortError(error)) fetchError = error;
    }
    await Promise.all(active);
    await source.return(undefined as never).catch(() => undefined);
    if (this.storageError) throw this.storageError;
    return {
      checkpoint: this.checkpoint,
      logsProcessed: this.logsProcessed,
      logsDeadLettered: this.logsDeadLettered,
      skipped: this.skipped,
      newestLogDate: this.newestLogDate,
      failure: this.stopError ?? fetchError,
      stop: this.stopError === undefined && fetchError === undefined ? stop : undefined,
    };
  }

  private halted(): boolean {
    return (
      this.stopError !== undefined ||
      this.storageError !== undefined ||
      this.o.retry.signal?.aborted === true
    );
  }

  private async deliver(batch: Batch): Promise<void> {
    if (batch.logs.length === 0) return this.settle(batch);
    let attempts = 0;
    try {
      await withRetry(() => {
        attempts += 1;
        // a copy each attempt: a handler that empties or edits its array (`logs.length = 0`)
        // changes neither what is counted and committed nor what a retry sends
        return callHandler(this.o.handler, handed(batch.logs.slice()));
      }, this.o.retry);
    } catch (error) {
      const exhausted = attempts > this.o.maxRetries || isPermanentError(error);
      const rejected = rejectedLogs(error);
      if (rejected) return this.refused(batch, error, rejected, exhausted);
      return this.failed(batch, error, exhausted);
    }
    return this.settle(batch);
  }

  /**
   * A batch the destination stored but for some logs it refused for good: those go to the dead
   * letter and the batch is settled; without a dead letter the batch fails, naming the setting.
   */
  private async refused(
    batch: Batch,
    error: unknown,
    rejected: RejectedLog[],
    exhausted: boolean,
  ): Promise<void> {
    if (this.o.retry.signal?.aborted) return;
    const deadLetter = this.o.deadLetter;
    const entries = deadLetter && deadLetterEntries(handed(batch.logs), rejected);
    if (!deadLetter || !entries) {
      const failure = deadLetter
        ? error
        : new HandlerError(`${errorMessage(error)}; ${DEAD_LETTER_HINT}`, { cause: error });
      return this.failed(batch, failure, exhausted);
    }
    try {
      await deadLetter(entries);
    } catch (deadLetterError) {
      this.stopError ??= deadLetterError;
      return;
    }
    this.logsDeadLettered += entries.length;
    return this.settle(batch);
  }

  private async failed(batch: Batch, error: unknown, exhausted: boolean): Promise<void> {
    const policy = this.o.onBatchFailure;
    // Stopped by its signal (a user's, or a destination closed by its reader): the batch is neither
    // an error nor skipped; the checkpoint stays before it and the next run sends it again.
    if (this.o.retry.signal?.aborted) return;
    if (!exhausted || policy === 'stop') {
      this.stopError ??= error;
      return;
    }
    const reason = errorMessage(error);
    const range = {
      fromCheckpoint: batch.fromCheckpoint,
      toCheckpoint: batch.toCheckpoint,
      logs: batch.logs.length,
      reason,
    };
    if (policy === 'skip') {
      const tries = isPermanentError(error)
        ? 'a permanent failure'
        : `${this.o.maxRetries} retries`;
      this.stopError ??= new HandlerError(
        `Skipped ${batch.logs.length} logs after ${batch.fromCheckpoint ?? '(start)'} to ${batch.toCheckpoint ?? '(start)'} after ${tries}: ${reason}`,
        { cause: error },
      );
      this.skipped.push(range);
      return this.settle(batch, false);
    }
    try {
      await policy({
        logs: handed(batch.logs),
        error,
        fromCheckpoint: batch.fromCheckpoint,
        toCheckpoint: batch.toCheckpoint,
      });
    } catch (deadLetterError) {
      this.stopError ??= deadLetterError;
      return;
    }
    this.skipped.push({ ...range, deadLettered: true });
    return this.settle(batch);
  }

  /** Records a settled batch and stores the checkpoint over every contiguous settled one. */
  private async settle(batch: Batch, delivered = true): Promise<void> {
    if (delivered) this.logsProcessed += batch.logs.length;
    this.settled.set(batch.seq, { batch, delivered });
    let moved = false;
    for (
      let entry = this.settled.get(this.nextSeq);
      entry;
      entry = this.settled.get(this.nextSeq)
    ) {
      this.settled.delete(this.nextSeq++);
      const next = entry.batch;
      if (checkpointAdvances(this.checkpoint, next.toCheckpoint))
        this.checkpoint = next.toCheckpoint;
      // the newest log shipped (a skipped batch shipped nothing: it says nothing of the lag)
      const last = entry.delivered ? next.logs[next.logs.length - 1] : undefined;
      const date = last ? Date.parse(logOf(last).date) : Number.NaN;
      if (!Number.isNaN(date) && !(date <= (this.newestLogDate ?? -Infinity)))
        this.newestLogDate = date;
      this.batchesCommitted += 1;
      moved = true;
    }
    if (!moved) return;
    try {
      await this.o.store.saveCheckpoint(this.checkpoint);
    } catch (error) {
      this.storageError ??= error;
      return;
    }
    this.o.onProgress?.({
      logsProcessed: this.logsProcessed,
      checkpoint: this.checkpoint,
      newestLogDate:
        this.newestLogDate === undefined ? null : new Date(this.newestLogDate).toISOString(),
      batches: this.batchesCommitted,
    });
  }
}
