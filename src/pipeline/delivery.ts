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
  Gathered,
  GatheringHandler,
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

/** A batch a {@link GatheringHandler} took in and has not stored yet. */
export interface HeldBatch {
  batch: Batch;
  /** Resolves once the handler stored it; rejects when it could not. */
  stored: Promise<void>;
}

/** The handler as a {@link GatheringHandler}, when it is one (it has `gather` and `flush`). */
export function gathering(handler: LogsHandler): GatheringHandler | undefined {
  const h = handler as LogsHandler & Partial<GatheringHandler>;
  return typeof h.gather === 'function' && typeof h.flush === 'function'
    ? (h as GatheringHandler)
    : undefined;
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
  /**
   * With `hold`: the batches the gathering handler still holds (taken in, not stored), in order;
   * the checkpoint is before them. The next run of the same handler takes them over.
   */
  held: HeldBatch[];
  /** The checkpoint after the last batch handed over (held ones included): where reading goes on. */
  readTo: string | null;
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
  /**
   * Batches a gathering handler held at the end of an earlier run, numbered from 0 (the source's
   * batches follow them); `start` is the checkpoint before the first.
   */
  carried?: HeldBatch[];
  /**
   * A gathering handler may keep holding batches when the run ends caught up (it stores only what
   * is due, `flush('due')`); otherwise it stores everything (`flush('all')`) before the run ends.
   */
  hold?: boolean;
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
  /** The handler, when it gathers batches: acknowledged once `stored`, not once taken. */
  private readonly gatherer: GatheringHandler | undefined;
  /** Batches taken in by the gatherer and not yet stored, by seq; each settles once stored. */
  private readonly held = new Map<number, HeldBatch & { started: boolean; done: Promise<void> }>();
  /** Every held batch until it has settled, the ones being settled included. */
  private readonly settling = new Set<{ started: boolean; done: Promise<void> }>();
  /** Set at the end of the run: what is still held belongs to the next run, not to this one. */
  private detached = false;

  constructor(private readonly o: DeliveryOptions) {
    this.checkpoint = o.start;
    this.gatherer = gathering(o.handler);
    for (const entry of o.carried ?? []) this.hold(entry);
  }

  /** Settles `entry`'s batch once the gatherer stored it (or fails it), unless detached by then. */
  private hold(entry: HeldBatch): void {
    const { batch } = entry;
    const record = { ...entry, started: false, done: Promise.resolve() };
    const after = (settle: () => Promise<void>) => () => {
      if (this.detached) return undefined;
      record.started = true;
      this.held.delete(batch.seq);
      return settle();
    };
    record.done = entry.stored.then(
      after(() => this.settle(batch)),
      (error: unknown) =>
        after(() => {
          // stored but for logs refused for good (another destination of a fan-out): dead letter
          const rejected = rejectedLogs(error);
          return rejected
            ? this.refused(batch, error, rejected, true)
            : this.failed(batch, toHandlerError(error), true);
        })(),
    );
    this.held.set(batch.seq, record);
    // until it has settled (its checkpoint stored, or its failure recorded) the run waits for it
    this.settling.add(record);
    const gone = () => this.settling.delete(record);
    void record.done.then(gone, gone);
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
        // (batches a gathering handler holds wait for their object, not for a retry: not counted)
        while (
          active.size >= this.o.concurrency ||
          (active.size > 0 && next.value.seq - this.nextSeq - this.held.size >= this.o.concurrency)
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
    const held = await this.release(stop);
    if (this.storageError) throw this.storageError;
    return {
      held,
      readTo: held.length
        ? (held[held.length - 1] as HeldBatch).batch.toCheckpoint
        : this.checkpoint,
      checkpoint: this.checkpoint,
      logsProcessed: this.logsProcessed,
      logsDeadLettered: this.logsDeadLettered,
      skipped: this.skipped,
      newestLogDate: this.newestLogDate,
      failure: this.stopError ?? fetchError,
      stop: this.stopError === undefined && fetchError === undefined ? stop : undefined,
    };
  }

  /**
   * The end of a run with a gathering handler: it stores what is due (`hold`, the run caught up
   * and failed nowhere) or everything, and each batch it stored is settled. Returns the batches it
   * still holds, handed over to the next run.
   */
  private async release(stop: PagesStop | undefined): Promise<HeldBatch[]> {
    if (!this.gatherer || this.held.size === 0) return [];
    const keep =
      this.o.hold === true &&
      stop === 'caught_up' &&
      this.stopError === undefined &&
      this.o.retry.signal?.aborted !== true;
    let broke = false;
    try {
      await this.gatherer.flush(keep ? 'due' : 'all');
    } catch (error) {
      // a failed object fails its batches through their `stored`; this is for a flush that broke
      this.stopError ??= error;
      broke = true;
    }
    if (!keep && !broke) {
      await Promise.all([...this.settling].map((entry) => entry.done));
      return [];
    }
    // the batches stored by the flush settle in callbacks queued by then; the rest stay held
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([...this.settling].filter((r) => r.started).map((r) => r.done));
    const records = [...this.held.values()];
    this.detached = true;
    if (broke) {
      // nothing goes over: the next run reads the batches not stored again from the checkpoint
      this.settled.clear();
      return [];
    }
    // everything past the checkpoint goes over, renumbered from 0: the batches still held, and
    // the ones stored after them (settled, waiting for the held ones before them to commit)
    const over: HeldBatch[] = [
      ...records.filter((r) => !r.started).map(({ batch, stored }) => ({ batch, stored })),
      ...[...this.settled.values()].map(({ batch }) => ({ batch, stored: Promise.resolve() })),
    ];
    this.settled.clear();
    return over
      .sort((a, b) => a.batch.seq - b.batch.seq)
      .map(({ batch, stored }, seq) => ({ batch: { ...batch, seq }, stored }));
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
    let gathered: Gathered | undefined;
    try {
      await withRetry(async () => {
        attempts += 1;
        // a copy each attempt: a handler that empties or edits its array (`logs.length = 0`)
        // changes neither what is counted and committed nor what a retry sends
        if (!this.gatherer) return callHandler(this.o.handler, handed(batch.logs.slice()));
        try {
          gathered = await this.gatherer.gather(handed(batch.logs.slice()));
        } catch (error) {
          throw toHandlerError(error);
        }
      }, this.o.retry);
    } catch (error) {
      const exhausted = attempts > this.o.maxRetries || isPermanentError(error);
      const rejected = rejectedLogs(error);
      if (rejected) return this.refused(batch, error, rejected, exhausted);
      return this.failed(batch, error, exhausted);
    }
    if (gathered) {
      // acknowledged once the object holding it is stored: until then the checkpoint stays before it
      this.hold({ batch, stored: gathered.stored });
      return;
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
