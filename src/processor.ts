import { batches } from './pipeline/batches';
import { LogsApiClient } from './client';
import { DEFAULTS } from './defaults';
import { Delivery, type HeldBatch } from './pipeline/delivery';
import {
  ArgumentError,
  errorMessage,
  isAbortError,
  isArgumentError,
  isPermanentError,
} from './errors';
import { loggerOption, redactedLogger, scopedLogger } from './util/log';
import { Redactor } from './util/redact';
import { createLogFilter, unknownTypesWarning } from './pipeline/filter';
import { earlierLogId, isLogId, logIdOf, OLDEST_FROM } from './auth0/log-id';
import { expiredMessage, watchExpiry } from './pipeline/expired';
import { signalOption } from './options/check';
import { checkedOptions, warnUnknownOptions } from './options/unknown-options';
import { RATE_LIMIT_WARNING } from './pipeline/pages';
import type { PageCounts, PagesStop } from './pipeline/types';
import { backfillPages, type BackfillState } from './pipeline/backfill';
import {
  assertHandler,
  PROCESSOR_OPTION_KEYS,
  resolveProcessorOptions,
  type LogsProcessorOptions,
  type ResolvedOptions,
} from './options/processor';
import { isTransient, systemTiming, type RetryPolicy, type Timing } from './pipeline/retry';
import { StateStore } from './storage/state';
import { addWarning, errorFacts, joinWarnings, stopRequestOf } from './pipeline/run-status';
import { startCheckpoint as startCheckpointOf } from './pipeline/start';
import { createShaper, shapeBatches } from './pipeline/shape/shape';
import { cappedBatches, logRange, rangeFilter, rangeStart } from './pipeline/range';
import type {
  Logger,
  LogsHandler,
  RunProgress,
  RunResult,
  RunStatus,
  StorageContext,
  WarningSource,
} from './types';

/** The start of the warning a run whose backfill dropped back to one cursor carries. */
export const BACKFILL_FALLBACK_WARNING = 'Backfill dropped back to one cursor:';

/** The warning a run stopped by its abort signal carries (the CLI leaves it out of its summary). */
export const ABORTED_WARNING = 'The run was stopped by its abort signal.';

/** Options of one {@link LogsProcessor.run}. */
export interface RunOptions {
  /**
   * Stops the run between batches; what was acknowledged is stored and the run resolves. The run
   * records `stopReason: 'aborted'` with the warning {@link ABORTED_WARNING}, unless the signal's
   * `reason` is a `StopRequest` (`controller.abort({ stopReason: 'caught_up' })`): then its
   * `stopReason` and `warning`.
   */
  signal?: AbortSignal;
  /**
   * Read only the logs whose `log_id` is below this one (56 digits, e.g. `logIdAt(date)` for the
   * logs written before `date`): the run stops, caught up, before the first log at or past it,
   * and the checkpoint never moves past it (several `backfillCursors` stop at it too).
   * @throws ArgumentError (the run rejects at once) when it is not a 56-digit id
   */
  until?: string;
  /**
   * The caller runs again soon with the same handler (polling, as `ship --follow` does; `serve`
   * builds a processor per run and does not):
   * a handler that gathers batches (the S3 destination, see `GatheringHandler`) may keep holding
   * the batches it has not stored when the run ends caught up, and the next run of this processor
   * takes them over and reads on after them. Their checkpoint is stored only once they are, so a
   * crash meanwhile reads them again. Without it, every run ends with everything stored.
   * @default false
   */
  hold?: boolean;
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
  private readonly options: ResolvedOptions | undefined;
  /** A bad option value: reported by every run (before any request), as the original did. */
  private readonly problem: ArgumentError | undefined;
  private readonly timing: Timing;
  private readonly client: LogsApiClient | undefined;
  private readonly log: Logger;
  /** Masks the client secret and the access tokens in every string of the status and the logs. */
  private readonly redactor = new Redactor();
  /**
   * What a run with `hold` left held by its gathering handler: the stored checkpoint before them,
   * the checkpoint to read on from, and the batches. Taken over by the next run of the same
   * handler from the same stored checkpoint; dropped otherwise (read again from the checkpoint).
   */
  private carry:
    | {
        handler: LogsHandler;
        checkpoint: string | null;
        readFrom: string | null;
        held: HeldBatch[];
      }
    | undefined;

  /**
   * Throws an `ArgumentError` when `storageContext`, the options or the credentials (`domain`,
   * `clientId`, `clientSecret`) are missing. Any other bad value does not throw: each run fails
   * with `status.error` naming the option, recorded in the stored history.
   */
  constructor(storageContext: StorageContext, options: LogsProcessorOptions) {
    if (options === null || typeof options !== 'object')
      throw new ArgumentError('Must provide an options object', 'options');
    for (const name of ['domain', 'clientId', 'clientSecret'] as const) {
      const value: unknown = options[name];
      if (value === undefined || value === null || value === '')
        throw new ArgumentError(`Must provide a valid \`${name}\``, name);
    }
    warnUnknownOptions('LogsProcessor', options, PROCESSOR_OPTION_KEYS);
    // A state belongs to one tenant: the store refuses another's checkpoint and token.
    this.store = new StateStore(storageContext, {
      tenant: { domain: String(options.domain), clientId: String(options.clientId) },
    });
    let problem: ArgumentError | undefined;
    const defer = <T>(make: () => T): T | undefined => {
      try {
        return make();
      } catch (error) {
        if (!isArgumentError(error)) throw error;
        problem ??= error;
        return undefined;
      }
    };
    this.options = defer(() => resolveProcessorOptions(options));
    this.timing = this.options ?? systemTiming;
    this.client = defer(
      () =>
        new LogsApiClient(
          checkedOptions({
            ...options,
            tokenCache: options.tokenCache ?? this.store,
            now: this.timing.now,
          }),
        ),
    );
    // a bad logger is reported by the run like any bad option, through the debug namespace only
    const logger = defer(() => loggerOption(options.logger));
    this.problem = problem;
    this.redactor.addBasic(String(options.clientId), String(options.clientSecret));
    if (typeof options.piiKey === 'string') this.redactor.add(options.piiKey);
    this.log = this.redactedLogger('processor', logger);
  }

  /**
   * The tenant's time in epoch ms, as its client estimates it from the `Date` header of its answers
   * (`LogsApiClient.tenantNow`; the processor's `now` before any answer, or with bad options).
   */
  tenantNow(): number {
    return this.client ? this.client.tenantNow() : this.timing.now();
  }

  /**
   * Batches a gathering handler holds from the last run with `hold` (not stored yet, their
   * checkpoint not either): a later run of the same handler takes them over; one without `hold`
   * (an aborted signal reads nothing more) stores them and their checkpoint.
   */
  get heldBatches(): number {
    return this.carry?.held.length ?? 0;
  }

  /**
   * The bad option value every run of this processor reports (before any request), if any: for
   * callers that want to refuse it at once, as the CLI does. `undefined` when the options are good.
   */
  get optionsError(): ArgumentError | undefined {
    return this.problem;
  }

  /**
   * One run: resolves `{ status, checkpoint }`, with `status.error` set when it failed and
   * `status.stopReason` saying why it ended. Rejects only when the storage fails (then nothing
   * can be trusted to be recorded), or at once for a bad `until`.
   */
  async run(handler: LogsHandler, runOptions: RunOptions = {}): Promise<RunResult> {
    assertHandler(handler);
    const given = runOptions as RunOptions | null | undefined;
    const signal = signalOption(given?.signal);
    const until: unknown = given?.until;
    if (until !== undefined && !isLogId(until))
      throw new ArgumentError('Expected `until` to be a log_id of 56 digits', 'until');
    runOptions = {
      ...(signal ? { signal } : {}),
      ...(until === undefined ? {} : { until }),
      ...(given?.hold === true ? { hold: true } : {}),
    };
    await this.store.lock(); // one run per state (a second run on it is refused at once)
    try {
      return await this.runLocked(handler, runOptions);
    } finally {
      await this.store.unlock();
    }
  }

  private async runLocked(handler: LogsHandler, runOptions: RunOptions): Promise<RunResult> {
    const signal = runOptions.signal;
    const start = this.timing.now();
    await this.store.reload();
    const status: RunStatus = {
      startCheckpoint: null,
      start: new Date(start),
      end: null,
      logsProcessed: 0,
    };
    const o = this.options;
    const client = this.client;
    if (this.problem || !o || !client) {
      const stored = await this.store.getCheckpoint();
      status.startCheckpoint = stored;
      return this.finish(status, stored, stored, this.problem);
    }
    // a date range pages by id from a margin before its start to a margin after its end
    const range = o.range && logRange(o.range, DEFAULTS.rangeMarginMs);
    let startCheckpoint: string | null;
    try {
      startCheckpoint = await startCheckpointOf(this.store, o.startFrom, (from) =>
        isLogId(from)
          ? Promise.resolve(from)
          : range?.sinceMs !== undefined
            ? Promise.resolve(rangeStart(range.sinceMs, DEFAULTS.rangeMarginMs))
            : client.findCheckpointAt(new Date(from), signal ? { signal } : {}),
      );
    } catch (error) {
      if ((error as Error).name === 'StorageError') throw error;
      return this.finish(status, null, null, error);
    }
    status.startCheckpoint = startCheckpoint;
    const carry = this.carry;
    this.carry = undefined;
    const carried =
      carry && carry.handler === handler && carry.checkpoint === startCheckpoint
        ? carry
        : undefined;
    // after what the handler holds from the last run (stored with the next object)
    const readFrom = carried ? carried.readFrom : startCheckpoint;
    this.log.debug(`Starting from checkpoint ${startCheckpoint ?? '(the oldest log)'}`);
    const deadline = start + o.maxRunTimeSeconds * 1000;
    const counts: PageCounts = { requests: 0, fetched: 0, replayed: 0 };
    const typeFilter = createLogFilter(o.types, o.logLevel, o.categories);
    const filter = range ? rangeFilter(range, typeFilter) : typeFilter;
    // Backfill: several cursors over a backlog, pages still in order.
    let cursors: BackfillState | undefined;
    const onProgress =
      o.onProgress && o.backfillCursors > 1
        ? (progress: RunProgress) =>
            o.onProgress?.({
              ...progress,
              cursors: cursors?.cursors ?? 0,
              bufferedLogs: cursors?.bufferedLogs ?? 0,
            })
        : o.onProgress;
    const pages = backfillPages({
      cursors: o.backfillCursors,
      horizonMs: DEFAULTS.backfillHorizonMs,
      bufferLogs: DEFAULTS.backfillBufferLogs,
      onFallback: (reason) =>
        addWarning(status, 'backfill_fallback', `${BACKFILL_FALLBACK_WARNING} ${reason}.`),
      onState: (state) => (cursors = state),
      client,
      from: readFrom,
      until: earlierLogId(range?.bound, runOptions.until),
      take: DEFAULTS.maxPageSize,
      filter,
      retry: {
        ...this.retryPolicy(o, deadline, signal, isTransient, (error, attempt, delay) =>
          this.log.debug(
            `Fetching logs failed (${errorMessage(error)}); retry ${attempt} in ${delay} ms`,
          ),
        ),
        waitReason: 'retry',
      },
      waitOnRateLimit: true,
      prefetch: true,
      log: this.redactedLogger('pages', o.logger),
      counts,
    });
    // a checkpoint older than the tenant keeps logs: say which logs may have expired unshipped
    const watched = watchExpiry(pages, {
      checkpoint: readFrom,
      tenantNow: () => client.tenantNow(),
      oldest: async () => {
        const answer = await client.getLogs(
          { take: 1, from: OLDEST_FROM },
          { deadline, ...(signal ? { signal } : {}) },
        );
        return answer.logs[0] ? logIdOf(answer.logs[0]) : undefined;
      },
      log: this.log,
      onExpired: (span) => addWarning(status, 'logs_expired', expiredMessage(span), { span }),
    });
    const delivery = new Delivery({
      handler,
      store: this.store,
      start: startCheckpoint,
      concurrency: o.concurrency,
      maxRetries: o.maxRetries,
      onBatchFailure: o.onBatchFailure,
      deadLetter: o.deadLetter,
      onProgress,
      ...(carried ? { carried: carried.held } : {}),
      hold: runOptions.hold === true,
      retry: {
        ...this.retryPolicy(
          o,
          deadline,
          signal,
          (error) => !isAbortError(error) && !isPermanentError(error),
        ),
        waitReason: 'handler_retry',
      },
    });
    // the one transform stage: every handler, dead letter and onBatchFailure sees shaped logs
    const report = await delivery.drain(
      shapeBatches(
        cappedBatches(
          batches(watched, o.batchSize, readFrom, carried?.held.length ?? 0),
          range?.ceiling,
        ),
        createShaper(o.shape),
      ),
    );
    if (report.held.length)
      this.carry = {
        handler,
        checkpoint: report.checkpoint,
        readFrom: report.readTo,
        held: report.held,
      };
    status.logsProcessed = report.logsProcessed;
    if (report.skipped.length) status.skipped = report.skipped;
    if (report.logsDeadLettered) status.logsDeadLettered = report.logsDeadLettered;
    if (counts.replayed) status.logsReplayed = counts.replayed;
    if (report.stop === 'rate_limit') addWarning(status, 'rate_limit', RATE_LIMIT_WARNING);
    // what the destination said of what it sent (Datadog's intake window)
    for (const { code, message } of (handler as WarningSource).drainWarnings?.() ?? [])
      addWarning(status, code, message);
    const unknown = filter && unknownTypesWarning(filter.unknownKept);
    if (unknown) addWarning(status, 'unknown_types', unknown);
    // a caller's StopRequest says why it stopped the run (caught up, stdout closed)
    const stopped = signal?.aborted
      ? (stopRequestOf(signal.reason) ?? { stopReason: 'aborted' as const })
      : undefined;
    const abortWarning =
      stopped?.warning ?? (stopped?.stopReason === 'aborted' ? ABORTED_WARNING : undefined);
    if (abortWarning !== undefined) addWarning(status, 'aborted', abortWarning);
    return this.finish(
      status,
      startCheckpoint,
      report.checkpoint,
      report.failure,
      report.newestLogDate,
      stopped?.stopReason ?? report.stop,
    );
  }

  private retryPolicy(
    o: ResolvedOptions,
    deadline: number,
    signal: AbortSignal | undefined,
    shouldRetry: (error: unknown) => boolean,
    onRetry?: RetryPolicy['onRetry'],
  ): RetryPolicy {
    return {
      now: o.now,
      sleep: o.sleep,
      random: o.random,
      retries: o.maxRetries,
      onWait: o.onWait,
      minDelayMs: DEFAULTS.minRetryDelayMs,
      maxDelayMs: DEFAULTS.maxRetryDelayMs,
      deadline,
      signal,
      shouldRetry,
      ...(onRetry ? { onRetry } : {}),
    };
  }

  private async finish(
    status: RunStatus,
    startCheckpoint: string | null,
    checkpoint: string | null,
    failure: unknown,
    newest?: number,
    stop?: PagesStop,
  ): Promise<RunResult> {
    const now = this.timing.now;
    status.end = new Date(now());
    if (failure !== undefined) {
      status.error = this.redact(errorMessage(failure));
      Object.assign(status, errorFacts(failure));
      // a code may come from the API's answer: masked like the message
      if (status.errorCode) status.errorCode = this.redact(status.errorCode);
    }
    status.stopReason = status.error ? 'failed' : (stop ?? 'caught_up');
    if (failure !== undefined && isPermanentError(failure)) status.permanent = true; // ship fails at once
    if (
      newest !== undefined &&
      checkpoint !== startCheckpoint &&
      now() - newest >= DEFAULTS.outdatedAfterMs
    ) {
      addWarning(
        status,
        'outdated_logs',
        `The newest log shipped is more than a week old (${new Date(newest).toISOString()}): this tenant is far behind.`,
      );
    }
    if (status.warnings) {
      status.warnings = status.warnings.map((w) => ({ ...w, message: this.redact(w.message) }));
      status.warning = joinWarnings(status.warnings);
    }
    if (status.skipped)
      status.skipped = status.skipped.map((range) => ({
        ...range,
        reason: this.redact(range.reason),
      }));
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

  /** `text` without the client secret or any access token this processor's client has seen. */
  private redact(text: string): string {
    const masked = this.redactor.redact(text);
    return this.client ? this.client.redact(masked) : masked;
  }

  private redactedLogger(scope: string, user: LogsProcessorOptions['logger']): Logger {
    return redactedLogger(scopedLogger(scope, user), (text) => this.redact(text));
  }

  /** Sums the stored history of runs that started and ended between `start` and `end` (default now). */
  async getReport(start: Date | string | number, end?: Date | string | number): Promise<RunReport> {
    const from = new Date(start).getTime();
    const to = end === undefined ? this.timing.now() : new Date(end).getTime();
    const report: RunReport = {
      type: 'report',
      processed: 0,
      warnings: 0,
      errors: 0,
      checkpoint: '',
    };
    const history: unknown = (await this.store.reload()).logs;
    // a history in any shape a storage may hold (the original's, a hand edit): what is not a run
    // entry, or has no readable dates, is left out; a count that is not a number (or its text) counts 0
    for (const entry of Array.isArray(history) ? (history as unknown[]) : []) {
      if (entry === null || typeof entry !== 'object') continue;
      const run = entry as Partial<Record<keyof RunStatus, unknown>>;
      const started = new Date(run.start as string).getTime();
      const ended = new Date((run.end ?? 0) as string).getTime();
      if (!(started >= from) || !(ended <= to)) continue;
      const processed = Number(run.logsProcessed);
      if (Number.isFinite(processed) && processed > 0) report.processed += processed;
      if (typeof run.checkpoint === 'string') report.checkpoint = run.checkpoint;
      if (run.error) report.errors += 1;
      if (run.warning) report.warnings += 1;
    }
    return report;
  }
}
