import { batches, type Batch } from './batches';
import { LogsApiClient } from './client';
import { DEFAULTS } from './defaults';
import { callHandler, type LogsHandler } from './delivery';
import { ArgumentError, isAbortError, isPermanentError, errorMessage } from './errors';
import { scopedLogger } from './log';
import { isLogId } from './log-id';
import {
  assertHandler,
  resolveOptions,
  type LogsProcessorOptions,
  type ResolvedOptions,
} from './processor-options';
import { systemTiming, withRetry, type RetryPolicy } from './retry';
import { StateStore } from './state';
import { LogsApiStream } from './stream';
import type { Logger, RunResult, RunStatus, StorageContext } from './types';

/** The warning a run stopped by its abort signal carries (the CLI leaves it out of its summary). */
export const ABORTED_WARNING = 'The run was stopped by its abort signal.';

/** Options of one {@link LogsProcessor.run}. */
export interface RunOptions {
  /** Stops the run between batches; what was acknowledged is stored and the run resolves. */
  signal?: AbortSignal;
}

/** Totals of the stored run history between two dates, as {@link LogsProcessor.getReport} gives. */
export interface RunReport {
  type: 'report';
  processed: number;
  warnings: number;
  errors: number;
  checkpoint: string;
}

/**
 * Ships a tenant's logs to a handler in batches, from the stored checkpoint on: fetches ahead
 * while the handler works, retries, respects the run-time cap and the rate limit, and stores the
 * checkpoint after every acknowledged batch.
 */
export class LogsProcessor {
  private readonly store: StateStore;
  private readonly options: ResolvedOptions;
  private readonly client: LogsApiClient;
  private readonly log: Logger;

  constructor(storageContext: StorageContext, options: LogsProcessorOptions) {
    if (options === null || typeof options !== 'object')
      throw new ArgumentError('Must provide an options object', 'options');
    this.store = new StateStore(storageContext, {
      tenant: { domain: String(options.domain), clientId: String(options.clientId) },
    });
    this.options = resolveOptions(options, systemTiming);
    this.client = new LogsApiClient({
      ...options,
      tokenCache: options.tokenCache ?? this.store,
      now: this.options.now,
    });
    this.log = scopedLogger('processor', options.logger);
  }

  /**
   * One run: resolves `{ status, checkpoint }`, with `status.error` set when it failed. Rejects only
   * when the storage fails (then nothing can be trusted to be recorded).
   */
  async run(handler: LogsHandler, runOptions: RunOptions = {}): Promise<RunResult> {
    assertHandler(handler);
    await this.store.lock(); // one run per state (ship, issue 10 §2)
    try {
      return await this.runLocked(handler, runOptions);
    } finally {
      await this.store.unlock();
    }
  }

  private async runLocked(handler: LogsHandler, runOptions: RunOptions): Promise<RunResult> {
    const o = this.options;
    const signal = runOptions.signal;
    const start = o.now();
    await this.store.reload();
    const status: RunStatus = {
      startCheckpoint: null,
      start: new Date(start),
      end: null,
      logsProcessed: 0,
    };
    let startCheckpoint: string | null;
    try {
      startCheckpoint = await this.store.getCheckpoint(o.startFrom, (from) =>
        isLogId(from)
          ? Promise.resolve(from)
          : this.client.findCheckpointAt(new Date(from), signal ? { signal } : {}),
      );
    } catch (error) {
      if (error instanceof ArgumentError || (error as Error).name === 'StorageError') throw error;
      return this.finish(status, null, null, error);
    }
    status.startCheckpoint = startCheckpoint;
    this.log.debug(`Starting from checkpoint ${startCheckpoint ?? '(the oldest log)'}`);
    const stream = new LogsApiStream({
      client: this.client,
      checkpointId: startCheckpoint,
      ...(o.types ? { types: o.types } : {}),
      maxRetries: o.maxRetries,
      maxRunTimeSeconds: o.maxRunTimeSeconds,
      start,
      waitOnRateLimit: true,
      now: o.now,
      sleep: o.sleep,
      random: o.random,
      ...(signal ? { signal } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
    });
    const delivery = new Delivery(
      handler,
      o,
      this.store,
      status,
      startCheckpoint,
      start + o.maxRunTimeSeconds * 1000,
      signal,
    );
    let failure: unknown;
    try {
      failure = await delivery.drain(batches(stream.pages(), o.batchSize, startCheckpoint));
    } catch (storageError) {
      stream.done();
      throw storageError;
    }
    if (stream.status.warning) addWarning(status, stream.status.warning);
    if (signal?.aborted) addWarning(status, ABORTED_WARNING);
    return this.finish(
      status,
      startCheckpoint,
      delivery.checkpoint,
      failure,
      delivery.newestLogDate,
    );
  }

  private async finish(
    status: RunStatus,
    startCheckpoint: string | null,
    checkpoint: string | null,
    failure: unknown,
    newest?: number,
  ): Promise<RunResult> {
    const o = this.options;
    status.end = new Date(o.now());
    if (failure !== undefined) status.error = errorMessage(failure);
    if (failure !== undefined && isPermanentError(failure)) status.permanent = true; // ship §4
    if (
      newest !== undefined &&
      checkpoint !== startCheckpoint &&
      o.now() - newest >= DEFAULTS.outdatedAfterMs
    ) {
      addWarning(
        status,
        `The newest log shipped is more than a week old (${new Date(newest).toISOString()}): this tenant is far behind.`,
      );
    }
    if (status.error)
      this.log.error(`Run failed after ${status.logsProcessed} logs: ${status.error}`);
    else
      this.log.info(
        `Run complete: ${status.logsProcessed} logs, checkpoint ${checkpoint ?? '(none)'}`,
      );
    if (checkpoint !== startCheckpoint || status.error || status.warning || status.skipped) {
      await this.store.done(status, checkpoint);
    }
    return { status: { ...status, checkpoint }, checkpoint };
  }

  /** Sums the stored history of runs that started and ended between `start` and `end` (default now). */
  async getReport(start: Date | string | number, end?: Date | string | number): Promise<RunReport> {
    const from = new Date(start).getTime();
    const to = end === undefined ? this.options.now() : new Date(end).getTime();
    const report: RunReport = {
      type: 'report',
      processed: 0,
      warnings: 0,
      errors: 0,
      checkpoint: '',
    };
    for (const run of (await this.store.reload()).logs ?? []) {
      if (new Date(run.start).getTime() < from || new Date(run.end ?? 0).getTime() > to) continue;
      report.processed += run.logsProcessed;
      report.checkpoint = run.checkpoint ?? report.checkpoint;
      if (run.error) report.errors += 1;
      if (run.warning) report.warnings += 1;
    }
    return report;
  }
}

function addWarning(status: RunStatus, warning: string): void {
  status.warning = status.warning ? `${status.warning} ${warning}` : warning;
}

/**
 * Hands batches to the handler, up to `concurrency` at once and one batch fetched ahead, and
 * moves the stored checkpoint over the contiguous run of settled batches.
 */
class Delivery {
  checkpoint: string | null;
  newestLogDate: number | undefined;
  private readonly settled = new Map<number, Batch>();
  private nextSeq = 0;
  private stopError: unknown;
  private storageError: unknown;
  private batchesCommitted = 0;
  /** Built once: a fresh object literal per batch costs V8 a new hidden class each time. */
  private readonly retryPolicy: RetryPolicy;

  constructor(
    private readonly handler: LogsHandler,
    private readonly o: ResolvedOptions,
    private readonly store: StateStore,
    private readonly status: RunStatus,
    start: string | null,
    private readonly deadline: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.checkpoint = start;
    this.retryPolicy = {
      now: o.now,
      sleep: o.sleep,
      random: o.random,
      retries: o.maxRetries,
      minDelayMs: DEFAULTS.minRetryDelayMs,
      maxDelayMs: DEFAULTS.maxRetryDelayMs,
      deadline,
      signal,
      shouldRetry: (error) => !isAbortError(error),
    };
  }

  /** Runs the pipeline; resolves the reason the run failed, if it did. Rejects on storage failure. */
  async drain(source: AsyncGenerator<Batch, void, undefined>): Promise<unknown> {
    const active = new Set<Promise<void>>();
    let fetchError: unknown;
    let pending = source.next();
    try {
      for (;;) {
        const { done, value: batch } = await pending;
        if (done) break;
        while (active.size >= this.o.concurrency) await Promise.race(active);
        if (this.halted()) break;
        const task = this.deliver(batch).finally(() => active.delete(task));
        active.add(task);
        pending = source.next();
      }
    } catch (error) {
      if (!isAbortError(error)) fetchError = error;
    }
    await Promise.all(active);
    await source.return().catch(() => undefined);
    if (this.storageError) throw this.storageError;
    return this.stopError ?? fetchError;
  }

  private halted(): boolean {
    return (
      this.stopError !== undefined ||
      this.storageError !== undefined ||
      this.signal?.aborted === true
    );
  }

  private async deliver(batch: Batch): Promise<void> {
    if (batch.logs.length === 0) return this.settle(batch);
    let attempts = 0;
    try {
      await withRetry(() => {
        attempts += 1;
        return callHandler(this.handler, batch.logs);
      }, this.retryPolicy);
    } catch (error) {
      return this.failed(batch, error, attempts > this.o.maxRetries);
    }
    return this.settle(batch);
  }

  private async failed(batch: Batch, error: unknown, exhausted: boolean): Promise<void> {
    const policy = this.o.onBatchFailure;
    const range = `logs after ${batch.fromCheckpoint ?? '(start)'} to ${batch.toCheckpoint ?? '(start)'}`;
    if (!exhausted && this.signal?.aborted) return;
    if (!exhausted || policy === 'stop') {
      this.stopError ??= error;
      return;
    }
    const reason = errorMessage(error);
    if (policy === 'skip') {
      addWarning(
        this.status,
        `Skipped ${batch.logs.length} ${range} after ${this.o.maxRetries} retries: ${reason}`,
      );
      (this.status.skipped ??= []).push({
        fromCheckpoint: batch.fromCheckpoint,
        toCheckpoint: batch.toCheckpoint,
        logs: batch.logs.length,
        reason,
      });
      return this.settle(batch, false);
    }
    try {
      await policy({
        logs: batch.logs,
        error,
        fromCheckpoint: batch.fromCheckpoint,
        toCheckpoint: batch.toCheckpoint,
      });
    } catch (deadLetterError) {
      this.stopError ??= deadLetterError;
      return;
    }
    (this.status.skipped ??= []).push({
      fromCheckpoint: batch.fromCheckpoint,
      toCheckpoint: batch.toCheckpoint,
      logs: batch.logs.length,
      reason,
      deadLettered: true,
    });
    return this.settle(batch);
  }

  /** Records a settled batch and stores the checkpoint over every contiguous settled one. */
  private async settle(batch: Batch, delivered = true): Promise<void> {
    if (delivered) this.status.logsProcessed += batch.logs.length;
    this.settled.set(batch.seq, batch);
    let moved = false;
    for (let next = this.settled.get(this.nextSeq); next; next = this.settled.get(this.nextSeq)) {
      this.settled.delete(this.nextSeq++);
      this.checkpoint = next.toCheckpoint ?? this.checkpoint;
      const last = next.logs[next.logs.length - 1];
      const date = last ? Date.parse(last.date) : Number.NaN;
      if (!Number.isNaN(date) && !(date <= (this.newestLogDate ?? -Infinity)))
        this.newestLogDate = date;
      this.batchesCommitted += 1;
      moved = true;
    }
    if (!moved) return;
    try {
      await this.store.saveCheckpoint(this.checkpoint);
    } catch (error) {
      this.storageError ??= error;
      return;
    }
    this.o.onProgress?.({
      logsProcessed: this.status.logsProcessed,
      checkpoint: this.checkpoint,
      newestLogDate:
        this.newestLogDate === undefined ? null : new Date(this.newestLogDate).toISOString(),
      batches: this.batchesCommitted,
    });
  }
}
