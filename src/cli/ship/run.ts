import type { ShapeFlags } from '../shape-flags';
import { errorMessage, isArgumentError, isPermanentError } from '../../errors';
import { FileStorage } from '../../storage/file';
import { MemoryStorage } from '../../storage/memory';
import { LogsProcessor } from '../../processor';
import type { LogsProcessorOptions } from '../../options/processor';
import { addHeaderSecrets, Redactor } from '../../util/redact';
import { systemTiming, type Timing } from '../../pipeline/retry';
import { shipperFailurePolicy, type ShipperFailurePolicy } from '../../pipeline/promise';
import { fileDeadLetter } from '../../destinations/dead-letter';
import type {
  Gathered,
  GatheringHandler,
  LogEvent,
  LogsHandler,
  RunProgress,
  StopReason,
  StorageLock,
} from '../../types';
import {
  caughtFacts,
  failureAdvice,
  isConfigurationFailure,
  statusFacts,
  type FailureFacts,
} from './advice';
import { DESTINATION_SPECS, type DestinationHandler } from '../../destinations';
import { type FanoutHandler, fanout } from '../../destinations/fanout';
import type { ToDestination } from './to';
import { formatDuration, rate } from '../format';
import { type CliIo, EXIT } from '../io';
import { type ShipSummary, summaryLine } from '../summary';
import { DESTINATION_FLAGS, openDestination, type ShipDestination } from './destination-flags';
import { ShipProgress } from './ship-progress';
import { ShipWatch } from './watch';
import {
  READER_CLOSED,
  REACHED_START,
  REACHED_START_NOTE,
  heldStorage,
  tenantStart,
  runSignal,
  runStopReason,
} from './stop';
import { usageMessage } from './usage';
import { claimDestination, shipRecord } from './state-destination';

/** What the summary says of a range shipped without `--state`. */
export const NO_STATE_NOTE = 'no --state: nothing stored (the range ships in full again next time)';

/** Everything `ship` needs, validated (see `shipConfig`). */
export interface ShipConfig extends ShapeFlags {
  domain: string;
  clientId: string;
  clientSecret: string;
  /** PEM of an extra CA to trust. */
  ca?: string;
  destination: ShipDestination;
  /**
   * Further `--to` destinations each batch also goes to (one read, a fan-out: a batch is
   * acknowledged once every destination stored it); closed when the command ends.
   */
  also?: ToDestination[];
  /** State file path; absent: a state in memory, nothing stored (a range without `--state`). */
  state?: string;
  /** Said on stderr before the run: the state at the old default (working folder) is used. */
  stateNote?: string;
  logTypes?: string[];
  logLevel?: number;
  batchSize?: number;
  maxRetries?: number;
  /** Cursors reading a backlog at once, 1 to 32 (the processor's `backfillCursors`). */
  backfillCursors?: number;
  /** `Infinity`: until caught up (with `follow`: until a signal). Bounds the whole command. */
  maxRunTimeSeconds: number;
  startFrom?: string;
  /** `--until`, or the end `--since` implies (the processor's `until`): a date range. */
  until?: string;
  /** `--on-batch-failure`; absent: the shipping default, `'stop'` (`SHIPPER_DEFAULTS`). */
  onBatchFailure?: ShipperFailurePolicy;
  /** `--dead-letter`: the NDJSON file refused logs are appended to. */
  deadLetter?: string;
  follow: boolean;
  intervalSeconds: number;
  quiet: boolean;
  json: boolean;
  /** `--log-format`: run lines of `--follow` as words (off a terminal) or JSON (anywhere). */
  logFormat?: 'text' | 'json';
  /** `--metrics-port` (with `--follow`): serve `/metrics` and `/healthz` on it; 0 picks a free one. */
  metricsPort?: number;
  /** `--metrics-host`. @default '127.0.0.1' */
  metricsHost?: string;
}

/**
 * How `ship --follow` waits after a failed poll: `firstMs`, doubled per failure in a row, at most
 * `maxMs`, each wait drawn between 0 and all of it (full jitter, so that many shippers that failed
 * together do not come back together).
 */
export const FOLLOW_BACKOFF = Object.freeze({ firstMs: 1000, maxMs: 60_000 });

/**
 * Environment variables holding a `--to` destination's secrets (see `DESTINATION_SPECS`), plus the
 * AWS SDK's: masked in every message of the command besides the destinations' own redaction.
 */
const TO_SECRET_VARIABLES = [
  ...Object.values(DESTINATION_SPECS).flatMap((spec) => Object.values(spec.secrets)),
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  // a username is not a secret, and masking it would garble messages
].filter((variable) => variable !== 'ELASTIC_USERNAME');

/**
 * Ships logs as configured; resolves the exit code. The state is locked for the whole command
 * (a second `ship` on it exits with 3 at once). Messages never hold a secret. A `--to`
 * destination's handler is closed when the command ends, whatever happened.
 */
export async function shipLogs(config: ShipConfig, io: CliIo): Promise<number> {
  const redactor = new Redactor();
  redactor.addBasic(config.clientId, config.clientSecret);
  redactor.add(config.piiKey);
  if (config.destination.kind === 'post') {
    for (const value of Object.values(config.destination.target.headers ?? {}))
      addHeaderSecrets(redactor, value);
  }
  const built = [
    ...(config.destination.kind === 'to' ? [config.destination.to.handler] : []),
    ...(config.also ?? []).map((to) => to.handler),
  ];
  const closeBuilt = () => Promise.allSettled(built.map((h) => h.close()));
  if (built.length) {
    for (const variable of TO_SECRET_VARIABLES) {
      const value = io.env[variable];
      if (value) redactor.add(value);
    }
  }
  const storage = config.state === undefined ? new MemoryStorage() : new FileStorage(config.state);
  let lock: StorageLock;
  try {
    lock = await storage.lock();
  } catch (error) {
    await closeBuilt();
    io.stderr.write(redactor.redact(`auth0-log-tools ship: ${errorMessage(error)}\n`));
    return (error as { code?: string }).code === 'state_locked' ? EXIT.locked : EXIT.failed;
  }
  try {
    if (config.stateNote !== undefined && !config.quiet)
      io.stderr.write(`auth0-log-tools ship: ${config.stateNote}\n`);
    const ours = shipRecord(config.destination, config.also);
    const refused =
      storage instanceof FileStorage
        ? await claimDestination(storage, ours, config.startFrom, storage.path)
        : undefined;
    if (refused !== undefined) {
      await closeBuilt();
      io.stderr.write(redactor.redact(`auth0-log-tools ship: ${refused}\n`));
      return EXIT.locked;
    }
    return await new ShipRun(config, io, redactor, storage, lock).run();
  } finally {
    await lock.release();
  }
}

/** One `ship` command, holding its state's lock. */
class ShipRun {
  private readonly timing: Timing;
  private readonly stop = new AbortController();
  private readonly progress: ShipProgress;
  /** Set once the reader closed stdout (`ship | head`): nothing more can be delivered. */
  private readerClosed = false;
  /** When the command started (its clock, epoch ms): without `--follow`, the end of the work. */
  private started = 0;
  /**
   * Aborted (without `--follow`) once a batch reached the logs dated at or after {@link started}
   * (in the tenant's clock, {@link startedForTenant}):
   * the run stops there, caught up with what existed when the command started, instead of chasing
   * a tenant that keeps getting logs (a run otherwise ends only on an empty page). The run records
   * itself as caught up ({@link REACHED_START}).
   */
  private readonly reachedStart = new AbortController();
  /** The processor of the run going on: its client knows the tenant's clock. */
  private processor: LogsProcessor | undefined;
  /**
   * {@link started} in the tenant's clock, set at the first acknowledged batch (by then the tenant
   * has answered, and its `Date` gave the offset); see `tenantStart`.
   */
  private startedForTenant: number | undefined;
  /** Run lines and metrics of `--follow` (set when the command starts). */
  private watch: ShipWatch | undefined;

  constructor(
    private readonly config: ShipConfig,
    private readonly io: CliIo,
    private readonly redactor: Redactor,
    private readonly storage: FileStorage | MemoryStorage,
    private readonly lock: StorageLock,
  ) {
    this.timing = { ...systemTiming, ...io.timing };
    const logsOnTerminal = config.destination.kind === 'stdout' && io.stdoutIsTTY === true;
    const show =
      io.isTTY === true && !config.quiet && !logsOnTerminal && config.logFormat !== 'json';
    this.progress = new ShipProgress(io, redactor, this.timing, show);
  }

  private complain(message: string): void {
    this.io.stderr.write(this.redactor.redact(`auth0-log-tools ship: ${message}\n`));
  }

  async run(): Promise<number> {
    const { config, io, timing, progress } = this;
    const stop = this.stop;
    const abort = () => stop.abort();
    if (io.signal?.aborted) abort();
    io.signal?.addEventListener('abort', abort, { once: true });
    this.lock.lost.addEventListener('abort', abort, { once: true });

    let watch: ShipWatch;
    try {
      watch = await this.startWatch();
    } catch (error) {
      if (config.destination.kind === 'to') await config.destination.to.handler.close();
      io.signal?.removeEventListener('abort', abort);
      this.complain(`cannot start: ${errorMessage(error)}`);
      return EXIT.failed;
    }
    this.watch = watch;

    let destination: DestinationHandler;
    try {
      destination = this.openDestination();
    } catch (error) {
      const flag = DESTINATION_FLAGS[config.destination.kind];
      const where = config.destination.kind === 'file' ? ` ${config.destination.path}` : '';
      const code = (error as NodeJS.ErrnoException).code;
      this.complain(
        `cannot open ${flag}${where}: ${code && code !== 'invalid_argument' ? code : errorMessage(error)}`,
      );
      await watch.close();
      await Promise.allSettled((config.also ?? []).map((to) => to.handler.close()));
      return isArgumentError(error) ? EXIT.usage : EXIT.failed;
    }

    const started = timing.now();
    this.started = started;
    // the command holds the lock: each run's own lock() nests inside it
    const context = heldStorage(this.storage, this.lock);
    const deadline = started + config.maxRunTimeSeconds * 1000;
    const warnings: string[] = [];
    let runs = 0;
    let startCheckpoint: string | null | undefined;
    let skippedLogs = 0;
    let deadLetteredLogs = 0;
    const skippedRanges: NonNullable<ShipSummary['skippedRanges']> = [];
    let failure: string | undefined;
    /** The typed facts of the failure (its code, side, status), for the advice. */
    let facts: Pick<FailureFacts, 'code' | 'source' | 'status'> = {};
    let permanent = false;
    /** The destination's error when the run failed delivering (the handler's side). */
    let destinationError: unknown;
    let stopReason: StopReason = 'caught_up';
    let usage = false;
    let rejected = false; // the storage failed: nothing says the checkpoint was stored
    let failuresInRow = 0;
    let reusable: LogsProcessor | undefined;
    let sendError: unknown;
    const shipHandler = this.runHandler(destination, (error) => (sendError = error));
    progress.display?.start();
    try {
      for (;;) {
        const left = deadline - timing.now();
        if (left <= 0) {
          stopReason = 'max_run_time';
          break;
        }
        // one processor (one client, one keep-alive connection) for every poll, unless each run
        // needs the run time that is left
        const processor =
          reusable ?? new LogsProcessor(context, this.processorOptions(left / 1000));
        if (left === Infinity) reusable = processor;
        this.processor = processor;
        // the processor reports a bad value through its runs; the CLI refuses it at once
        if (processor.optionsError) throw processor.optionsError;
        sendError = undefined;
        watch.startRun();
        progress.startPoll();
        // the run's signal: the command's (a signal, stdout closed, the lock lost), or reaching
        // the logs that did not exist when the command started (recorded as caught up)
        const runStop = runSignal([
          { signal: stop.signal },
          { signal: this.reachedStart.signal, reason: REACHED_START },
        ]);
        const { status, checkpoint } = await processor
          // with --follow, a destination that gathers batches into objects (S3) may hold them
          // from one poll to the next (one processor for all polls): their checkpoint waits
          .run(shipHandler, {
            signal: runStop.signal,
            hold: config.follow && reusable === processor,
          })
          .finally(runStop.dispose);
        runs += 1;
        startCheckpoint ??= status.startCheckpoint;
        progress.endRun(status.logsProcessed, checkpoint);
        skippedLogs += (status.skipped ?? []).reduce((sum, range) => sum + range.logs, 0);
        for (const { fromCheckpoint, toCheckpoint, logs } of status.skipped ?? [])
          skippedRanges.push({ fromCheckpoint, toCheckpoint, logs });
        deadLetteredLogs += status.logsDeadLettered ?? 0;
        // the summary leaves out why a run was stopped: its stop reason and note say it
        const warning = (status.warnings ?? [])
          .filter((w) => w.code !== 'aborted')
          .map((w) => w.message)
          .join(' ');
        if (warning && !warnings.includes(warning)) warnings.push(warning);
        const elapsedMs = timing.now() - started;
        const reason = runStopReason(
          status,
          stop.signal,
          checkpoint !== status.startCheckpoint && elapsedMs >= config.maxRunTimeSeconds * 1000,
        );
        const result = { status, checkpoint };
        if (stop.signal.aborted) {
          watch.endRun(result);
          stopReason = 'aborted';
          break;
        }
        if (this.reachedStart.signal.aborted && !status.error) {
          watch.endRun(result);
          stopReason = 'caught_up';
          break;
        }
        if (status.error) {
          permanent =
            status.permanent === true ||
            isPermanentError(sendError) ||
            isConfigurationFailure(status);
          if (!config.follow || permanent) {
            watch.endRun(result);
            failure = status.error;
            facts = statusFacts(status);
            destinationError = sendError;
            stopReason = 'failed';
            break;
          }
          failuresInRow += 1;
          const delay = this.backoff(failuresInRow, deadline, status.retryAfterMs);
          watch.endRun(result, { failures: failuresInRow, retryInMs: delay });
          progress.say(
            `poll failed (${failuresInRow} in a row): ${status.error}; retrying in ${formatDuration(delay)}`,
          );
          progress.countdown((s) => `failed, retrying in ${s}s`, delay);
          await timing.sleep(delay, stop.signal);
          if (stop.signal.aborted) {
            stopReason = 'aborted';
            break;
          }
          continue;
        }
        watch.endRun(result);
        if (failuresInRow > 0) progress.say(`poll succeeded after ${failuresInRow} failures`);
        failuresInRow = 0;
        stopReason = reason;
        if (!config.follow) break;
        if (reason !== 'caught_up') continue; // cut short by the run time of one poll: go on
        const wait = Math.min(config.intervalSeconds * 1000, deadline - timing.now());
        progress.countdown((s) => `caught up, next poll in ${s}s`, wait);
        await timing.sleep(wait, stop.signal);
        if (stop.signal.aborted) {
          stopReason = 'aborted';
          // what the destination holds from the last poll is stored, and its checkpoint with it
          if (processor.heldBatches > 0) await processor.run(shipHandler, { signal: stop.signal });
          break;
        }
      }
    } catch (error) {
      rejected = true;
      stopReason = 'failed';
      usage = isArgumentError(error);
      failure = usage ? usageMessage(error as Error & { option?: string }) : errorMessage(error);
      facts = caughtFacts(error);
    } finally {
      progress.display?.stop();
      io.signal?.removeEventListener('abort', abort);
      await destination.close().catch(() => undefined);
      await watch.close();
    }

    if (this.lock.lost.aborted && failure === undefined) {
      failure = errorMessage(this.lock.lost.reason);
      facts = caughtFacts(this.lock.lost.reason);
      stopReason = 'failed';
    }
    const closed = this.readerClosed;
    const now = timing.now();
    const durationMs = now - started;
    const { totals } = progress;
    const newest = totals.newestLogDate ? Date.parse(totals.newestLogDate) : NaN;
    const advice =
      failure === undefined
        ? undefined
        : failureAdvice({
            message: failure,
            permanent,
            ...facts,
            ...(destinationError === undefined ? {} : { destinationError }),
            destinationFlag: DESTINATION_FLAGS[config.destination.kind],
          });
    const counts = (destination as Partial<FanoutHandler>).counts?.();
    const summary: ShipSummary = {
      status: failure !== undefined ? 'failed' : stopReason === 'aborted' ? 'stopped' : 'ok',
      stopReason,
      logsShipped: progress.logsShipped,
      runs,
      durationMs,
      logsPerSecond: Math.round(rate(progress.logsShipped, durationMs)),
      destination: destination.destination,
      ...(counts === undefined
        ? {}
        : {
            destinations: counts.map((c) => ({
              destination: c.destination,
              logsShipped: c.logs,
            })),
          }),
      state: this.storage instanceof FileStorage ? this.storage.path : null,
      startCheckpoint: startCheckpoint ?? null,
      checkpoint: totals.checkpoint,
      newestLogDate: totals.newestLogDate,
      behindMs: Number.isNaN(newest) ? null : Math.max(0, now - newest),
      warnings,
      skippedLogs,
      ...(skippedRanges.length ? { skippedRanges } : {}),
      ...(deadLetteredLogs ? { deadLetteredLogs } : {}),
      ...(failure === undefined ? {} : { error: failure }),
      ...(advice === undefined ? {} : { advice }),
      ...(closed
        ? { note: 'stdout was closed by its reader' }
        : this.reachedStart.signal.aborted && stopReason === 'caught_up'
          ? { note: REACHED_START_NOTE }
          : this.storage instanceof MemoryStorage
            ? { note: NO_STATE_NOTE }
            : {}),
    };
    if (failure !== undefined) this.complain(failure);
    if (closed && !config.quiet)
      this.complain(
        `stdout was closed by its reader; stopped after ${progress.logsShipped} logs, checkpoint ${totals.checkpoint ?? 'none'} stored`,
      );
    const out = config.destination.kind === 'stdout' ? io.stderr : io.stdout;
    if (config.json) out.write(this.redactor.redact(`${JSON.stringify(summary)}\n`));
    else if (!config.quiet && !rejected)
      out.write(this.redactor.redact(`${summaryLine(summary, now)}\n`));
    if (usage) return EXIT.usage;
    return failure === undefined ? EXIT.ok : EXIT.failed;
  }

  /** The run lines and metrics of `--follow`; the metrics' address said on stderr. */
  private async startWatch(): Promise<ShipWatch> {
    const { config, io, timing } = this;
    const watch = await ShipWatch.start(
      {
        tenant: config.domain,
        logFormat: config.logFormat ?? 'text',
        follow: config.follow,
        quiet: config.quiet,
        isTTY: io.isTTY,
        intervalSeconds: config.intervalSeconds,
        ...(config.metricsPort === undefined ? {} : { metricsPort: config.metricsPort }),
        ...(config.metricsHost === undefined ? {} : { metricsHost: config.metricsHost }),
      },
      { now: timing.now, line: (text) => io.stderr.write(this.redactor.redact(`${text}\n`)) },
    );
    if (watch.metricsUrl) this.progress.say(`metrics on ${watch.metricsUrl}`);
    return watch;
  }

  /** The wait after the `failures`-th failed poll in a row, never past the deadline. */
  private backoff(failures: number, deadline: number, retryAfterMs = 0): number {
    const full = Math.min(FOLLOW_BACKOFF.maxMs, FOLLOW_BACKOFF.firstMs * 2 ** (failures - 1));
    // at least what the destination asked (`Retry-After`), within the same cap
    const jittered = Math.max(
      Math.round(full * this.timing.random()),
      Math.min(retryAfterMs, FOLLOW_BACKOFF.maxMs),
    );
    return Math.max(0, Math.min(jittered, deadline - this.timing.now()));
  }

  /**
   * The handler every run of the command gets (one, so that batches a gathering destination holds
   * at the end of a poll are taken over by the next): it tells `onError` what the destination
   * failed with, and passes on its warnings and, for S3, its `gather` and `flush`.
   */
  private runHandler(
    destination: DestinationHandler & Partial<GatheringHandler>,
    onError: (error: unknown) => void,
  ): LogsHandler {
    const failed = (error: unknown) => {
      onError(error);
      throw error;
    };
    const { gather, flush } = destination;
    return Object.assign(
      async (logs: LogEvent[]) => {
        onError(undefined);
        await destination(logs).catch(failed);
      },
      // the destination's warnings (Datadog's intake window) reach the run's status
      { drainWarnings: () => destination.drainWarnings?.() ?? [] },
      gather && flush
        ? {
            gather: async (logs: LogEvent[]): Promise<Gathered> => {
              onError(undefined);
              const taken = await gather.call(destination, logs).catch(failed);
              const stored = taken.stored.catch(failed);
              stored.catch(() => undefined);
              return { stored };
            },
            flush: (what: 'due' | 'all') => flush.call(destination, what).catch(failed),
          }
        : {},
    );
  }

  /**
   * The destination's handler, or with `also` a fan-out over it and them (one read, each batch to
   * every destination).
   */
  private openDestination(): DestinationHandler {
    const first = this.openFirst();
    const also = this.config.also ?? [];
    return also.length ? fanout([first, ...also.map((to) => to.handler)]) : first;
  }

  /** The first destination's handler (`--to`: already built). */
  private openFirst(): DestinationHandler {
    return openDestination(
      this.config.destination,
      {
        redact: (text) => this.redactor.redact(text),
        onNote: (note) => this.progress.say(note),
        stdout: this.io.stdout,
        onClosed: () => {
          this.readerClosed = true;
          this.stop.abort(READER_CLOSED);
        },
      },
      this.io.hangups,
    );
  }

  private onProgress = (p: RunProgress) => {
    const newest = p.newestLogDate === null ? NaN : Date.parse(p.newestLogDate);
    // the batch is acknowledged and its checkpoint stored: stopping here loses nothing
    if (!this.config.follow) {
      const { processor, timing } = this;
      this.startedForTenant ??= processor
        ? tenantStart(this.started, processor.tenantNow(), timing.now())
        : this.started;
      if (newest >= this.startedForTenant) this.reachedStart.abort(REACHED_START);
    }
    this.progress.update(p);
    this.watch?.progress(p);
  };

  private processorOptions(maxRunTimeSeconds: number): LogsProcessorOptions {
    const { config } = this;
    return {
      domain: config.domain,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      maxRunTimeSeconds,
      // a batch the destination did not acknowledge is sent again, unless the operator asked to skip
      onBatchFailure: shipperFailurePolicy(config.onBatchFailure),
      ...(config.deadLetter === undefined ? {} : { deadLetter: fileDeadLetter(config.deadLetter) }),
      onProgress: this.onProgress,
      onWait: this.progress.onWait,
      now: this.timing.now,
      sleep: this.timing.sleep,
      random: this.timing.random,
      ...(config.ca === undefined ? {} : { ca: config.ca }),
      ...(config.logTypes === undefined ? {} : { logTypes: config.logTypes }),
      ...(config.logLevel === undefined ? {} : { logLevel: config.logLevel }),
      ...(config.categories === undefined ? {} : { categories: config.categories }),
      ...(config.format === undefined ? {} : { format: config.format }),
      ...(config.pii === undefined ? {} : { pii: config.pii }),
      ...(config.piiMethod === undefined ? {} : { piiMethod: config.piiMethod }),
      ...(config.piiKey === undefined ? {} : { piiKey: config.piiKey }),
      ...(config.batchSize === undefined ? {} : { batchSize: config.batchSize }),
      ...(config.maxRetries === undefined ? {} : { maxRetries: config.maxRetries }),
      ...(config.backfillCursors === undefined ? {} : { backfillCursors: config.backfillCursors }),
      ...(config.startFrom === undefined ? {} : { startFrom: config.startFrom }),
      ...(config.until === undefined ? {} : { until: config.until }),
    };
  }
}
