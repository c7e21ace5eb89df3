import { errorMessage, isArgumentError, isPermanentError } from '../../errors';
import { FileStorage } from '../../storage/file';
import { ABORTED_WARNING, LogsProcessor } from '../../processor';
import type { LogsProcessorOptions, RunProgress } from '../../options/processor';
import { Redactor } from '../../util/redact';
import { systemTiming, type Timing } from '../../pipeline/retry';
import type { RunStatus, StopReason, StorageContext, StorageLock, StoredState } from '../../types';
import { DESTINATION_SPECS } from '../../destinations';
import { failureAdvice, isConfigurationFailure } from './advice';
import {
  type Destination,
  type PostTarget,
  fileDestination,
  postDestination,
  streamDestination,
} from '../destinations';
import { formatDuration, rate } from '../format';
import { type CliIo, EXIT } from '../io';
import { ProgressDisplay } from './progress';
import { type ShipSummary, summaryLine } from '../summary';
import type { ToDestination } from './to';

/** Everything `ship` needs, validated (see `shipConfig`). */
export interface ShipConfig {
  domain: string;
  clientId: string;
  clientSecret: string;
  /** PEM of an extra CA to trust. */
  ca?: string;
  destination:
    | { kind: 'stdout' }
    | { kind: 'file'; path: string }
    | { kind: 'post'; target: PostTarget }
    /** `--to`: a destination's handler, closed when the command ends. */
    | { kind: 'to'; to: ToDestination };
  /** State file path. */
  state: string;
  logTypes?: string[];
  logLevel?: number;
  batchSize?: number;
  maxRetries?: number;
  /** Cursors reading a backlog at once, 1 to 32 (the processor's `backfillCursors`). */
  backfillCursors?: number;
  /** `Infinity`: until caught up (with `follow`: until a signal). Bounds the whole command. */
  maxRunTimeSeconds: number;
  startFrom?: string;
  follow: boolean;
  intervalSeconds: number;
  quiet: boolean;
  json: boolean;
}

/**
 * How `ship --follow` waits after a failed poll: `firstMs`, doubled per failure in a row, at most
 * `maxMs`, each wait drawn between 0 and all of it (full jitter, so that many shippers that failed
 * together do not come back together).
 */
export const FOLLOW_BACKOFF = Object.freeze({ firstMs: 1000, maxMs: 60_000 });

/** Processor option → the flag that sets it, for usage messages. */
const FLAGS: Record<string, string> = {
  domain: '--domain',
  clientId: '--client-id',
  clientSecret: '--client-secret',
  ca: '--ca-file',
  batchSize: '--batch-size',
  maxRetries: '--max-retries',
  backfillCursors: '--backfill-cursors',
  maxRunTimeSeconds: '--max-run-time',
  startFrom: '--start-from',
  logTypes: '--types',
  logLevel: '--level',
};

/** The flag naming each kind of destination, for advice. */
const DESTINATION_FLAGS: Record<ShipConfig['destination']['kind'], string> = {
  stdout: '--out',
  file: '--out',
  post: '--post',
  to: '--to',
};

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
  if (config.destination.kind === 'post') {
    for (const value of Object.values(config.destination.target.headers))
      addHeaderSecrets(redactor, value);
  }
  if (config.destination.kind === 'to') {
    for (const variable of TO_SECRET_VARIABLES) {
      const value = io.env[variable];
      if (value) redactor.add(value);
    }
  }
  const storage = new FileStorage(config.state);
  let lock: StorageLock;
  try {
    lock = await storage.lock();
  } catch (error) {
    if (config.destination.kind === 'to') await config.destination.to.handler.close();
    io.stderr.write(redactor.redact(`auth0-log-tools ship: ${errorMessage(error)}\n`));
    return (error as { code?: string }).code === 'state_locked' ? EXIT.locked : EXIT.failed;
  }
  try {
    return await new ShipRun(config, io, redactor, storage, lock).run();
  } finally {
    await lock.release();
  }
}

/** A `--to` destination as `ship` drives it; its label is the destination's `describe`. */
function toDestination({ handler, describe }: ToDestination): Destination {
  return {
    label: describe,
    usesStdout: false,
    send: (logs) => handler(logs),
    close: () => handler.close(),
  };
}

/** One `ship` command, holding its state's lock. */
class ShipRun {
  private readonly timing: Timing;
  private readonly stop = new AbortController();
  private readonly progress: ProgressDisplay | undefined;
  private readonly totals = {
    logs: 0,
    checkpoint: null as string | null,
    newestLogDate: null as string | null,
    cursors: undefined as number | undefined,
  };
  private logsBefore = 0;
  /** When the command started (its clock, epoch ms): without `--follow`, the end of the work. */
  private started = 0;
  /**
   * Aborted (without `--follow`) once a batch reached the logs dated at or after {@link started}:
   * the run stops there, caught up with what existed when the command started, instead of chasing
   * a tenant that keeps getting logs (a run otherwise ends only on an empty page).
   */
  private readonly reachedStart = new AbortController();

  constructor(
    private readonly config: ShipConfig,
    private readonly io: CliIo,
    private readonly redactor: Redactor,
    private readonly storage: FileStorage,
    private readonly lock: StorageLock,
  ) {
    this.timing = { ...systemTiming, ...io.timing };
    const logsOnTerminal = config.destination.kind === 'stdout' && io.stdoutIsTTY === true;
    this.progress =
      io.isTTY && !config.quiet && !logsOnTerminal
        ? new ProgressDisplay(io.stderr, {
            now: this.timing.now,
            ...(io.columns ? { columns: io.columns } : {}),
          })
        : undefined;
  }

  private complain(message: string): void {
    this.io.stderr.write(this.redactor.redact(`auth0-log-tools ship: ${message}\n`));
  }

  /** A line for the log (stderr), above the progress line when there is one. */
  private say(message: string): void {
    const line = this.redactor.redact(`auth0-log-tools ship: ${message}`);
    if (this.progress) this.progress.print(line);
    else this.io.stderr.write(`${line}\n`);
  }

  async run(): Promise<number> {
    const { config, io, timing } = this;
    const stop = this.stop;
    const abort = () => stop.abort();
    if (io.signal?.aborted) abort();
    io.signal?.addEventListener('abort', abort, { once: true });
    this.lock.lost.addEventListener('abort', abort, { once: true });

    let destination: Destination;
    try {
      destination = await this.openDestination();
    } catch (error) {
      this.complain(
        `cannot open --out ${config.destination.kind === 'file' ? config.destination.path : ''}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      );
      return EXIT.failed;
    }

    const started = timing.now();
    this.started = started;
    // the command holds the lock: each run's own lock() nests inside it
    const context = heldStorage(this.storage, this.lock, (data) =>
      destination.closedByReader
        ? readerClosed(data)
        : this.reachedStart.signal.aborted && !stop.signal.aborted
          ? caughtUpAtStart(data, started)
          : data,
    );
    const deadline = started + config.maxRunTimeSeconds * 1000;
    const warnings: string[] = [];
    let runs = 0;
    let startCheckpoint: string | null | undefined;
    let skippedLogs = 0;
    let failure: string | undefined;
    let permanent = false;
    /** The destination's error when the run failed delivering (the handler's side). */
    let destinationError: unknown;
    let stopReason: StopReason = 'caught_up';
    let usage = false;
    let rejected = false; // the storage failed: nothing says the checkpoint was stored
    let failuresInRow = 0;
    let reusable: LogsProcessor | undefined;
    this.progress?.start();
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
        // the processor reports a bad value through its runs; the CLI refuses it at once
        if (processor.optionsError) throw processor.optionsError;
        let sendError: unknown;
        // the run's signal: the command's (a signal, stdout closed, the lock lost), or reaching
        // the logs that did not exist when the command started
        const runStop = new AbortController();
        const abortRun = () => runStop.abort();
        if (stop.signal.aborted || this.reachedStart.signal.aborted) abortRun();
        stop.signal.addEventListener('abort', abortRun, { once: true });
        this.reachedStart.signal.addEventListener('abort', abortRun, { once: true });
        const { status, checkpoint } = await processor
          .run(
            async (logs) => {
              sendError = undefined;
              await destination.send(logs).catch((error: unknown) => {
                sendError = error;
                throw error;
              });
            },
            { signal: runStop.signal },
          )
          .finally(() => {
            stop.signal.removeEventListener('abort', abortRun);
            this.reachedStart.signal.removeEventListener('abort', abortRun);
          });
        runs += 1;
        startCheckpoint ??= status.startCheckpoint;
        this.logsBefore += status.logsProcessed;
        this.totals.logs = this.logsBefore;
        this.totals.checkpoint = checkpoint;
        skippedLogs += (status.skipped ?? []).reduce((sum, range) => sum + range.logs, 0);
        const warning = status.warning?.replace(ABORTED_WARNING, '').trim();
        if (warning && !warnings.includes(warning)) warnings.push(warning);
        const reason = runStopReason(
          status,
          stop.signal,
          checkpoint,
          config,
          timing.now() - started,
        );
        if (stop.signal.aborted) {
          stopReason = 'aborted';
          break;
        }
        if (this.reachedStart.signal.aborted && !status.error) {
          stopReason = 'caught_up';
          break;
        }
        if (status.error) {
          permanent =
            status.permanent === true ||
            isPermanentError(sendError) ||
            isConfigurationFailure(status.error);
          if (!config.follow || permanent) {
            failure = status.error;
            destinationError = sendError;
            stopReason = 'failed';
            break;
          }
          failuresInRow += 1;
          const delay = this.backoff(failuresInRow, deadline);
          this.say(
            `poll failed (${failuresInRow} in a row): ${status.error}; retrying in ${formatDuration(delay)}`,
          );
          this.progress?.setNote((s) => `failed, retrying in ${s}s`, timing.now() + delay);
          await timing.sleep(delay, stop.signal);
          if (stop.signal.aborted) {
            stopReason = 'aborted';
            break;
          }
          continue;
        }
        if (failuresInRow > 0) this.say(`poll succeeded after ${failuresInRow} failures`);
        failuresInRow = 0;
        stopReason = reason;
        if (!config.follow) break;
        if (reason !== 'caught_up') continue; // cut short by the run time of one poll: go on
        const wait = Math.min(config.intervalSeconds * 1000, deadline - timing.now());
        this.progress?.setNote((s) => `caught up, next poll in ${s}s`, timing.now() + wait);
        await timing.sleep(wait, stop.signal);
        if (stop.signal.aborted) {
          stopReason = 'aborted';
          break;
        }
      }
    } catch (error) {
      rejected = true;
      stopReason = 'failed';
      usage = isArgumentError(error);
      failure = usage ? usageMessage(error as Error & { option?: string }) : errorMessage(error);
    } finally {
      this.progress?.stop();
      io.signal?.removeEventListener('abort', abort);
      await destination.close().catch(() => undefined);
    }

    if (this.lock.lost.aborted && failure === undefined) {
      failure = errorMessage(this.lock.lost.reason);
      stopReason = 'failed';
    }
    const closed = destination.closedByReader === true;
    const now = timing.now();
    const durationMs = now - started;
    const newest = this.totals.newestLogDate ? Date.parse(this.totals.newestLogDate) : NaN;
    const advice =
      failure === undefined
        ? undefined
        : failureAdvice({
            message: failure,
            permanent,
            ...(destinationError === undefined ? {} : { destinationError }),
            destinationFlag: DESTINATION_FLAGS[config.destination.kind],
          });
    const summary: ShipSummary = {
      status: failure !== undefined ? 'failed' : stopReason === 'aborted' ? 'stopped' : 'ok',
      stopReason,
      logsShipped: this.logsBefore,
      runs,
      durationMs,
      logsPerSecond: Math.round(rate(this.logsBefore, durationMs)),
      destination: destination.label,
      state: this.storage.path,
      startCheckpoint: startCheckpoint ?? null,
      checkpoint: this.totals.checkpoint,
      newestLogDate: this.totals.newestLogDate,
      behindMs: Number.isNaN(newest) ? null : Math.max(0, now - newest),
      warnings,
      skippedLogs,
      ...(failure === undefined ? {} : { error: failure }),
      ...(advice === undefined ? {} : { advice }),
      ...(closed
        ? { note: 'stdout was closed by its reader' }
        : this.reachedStart.signal.aborted && stopReason === 'caught_up'
          ? { note: REACHED_START_NOTE }
          : {}),
    };
    if (failure !== undefined) this.complain(failure);
    if (closed && !config.quiet)
      this.complain(
        `stdout was closed by its reader; stopped after ${this.logsBefore} logs, checkpoint ${this.totals.checkpoint ?? 'none'} stored`,
      );
    const out = destination.usesStdout ? io.stderr : io.stdout;
    if (config.json) out.write(this.redactor.redact(`${JSON.stringify(summary)}\n`));
    else if (!config.quiet && !rejected)
      out.write(this.redactor.redact(`${summaryLine(summary, now)}\n`));
    if (usage) return EXIT.usage;
    return failure === undefined ? EXIT.ok : EXIT.failed;
  }

  /** The wait after the `failures`-th failed poll in a row, never past the deadline. */
  private backoff(failures: number, deadline: number): number {
    const full = Math.min(FOLLOW_BACKOFF.maxMs, FOLLOW_BACKOFF.firstMs * 2 ** (failures - 1));
    const jittered = Math.round(full * this.timing.random());
    return Math.max(0, Math.min(jittered, deadline - this.timing.now()));
  }

  private openDestination(): Promise<Destination> {
    const { destination } = this.config;
    if (destination.kind === 'to') return Promise.resolve(toDestination(destination.to));
    if (destination.kind === 'post')
      return Promise.resolve(postDestination(destination.target, this.redactor));
    if (destination.kind === 'file') {
      return fileDestination(destination.path, { onNote: (note) => this.say(note) }).then(
        (file) => {
          this.io.hangups?.on('hangup', () => file.reopen());
          return file;
        },
      );
    }
    return Promise.resolve(streamDestination(this.io.stdout, () => this.stop.abort()));
  }

  /** Why the processor is about to wait, from its last debug message. */
  private why: string | undefined;

  private noteWhy(message: unknown): void {
    const text = String(message);
    if (/rate limit/i.test(text)) this.why = 'rate limit, waiting';
    else if (/retry|failed/i.test(text)) this.why = 'request failed, retrying in';
  }

  /** Every wait of the processor (a retry's backoff, the rate limit) counts down on the line. */
  private async wait(ms: number, signal?: AbortSignal): Promise<void> {
    const why = this.why ?? 'waiting';
    this.why = undefined;
    if (ms >= 1000) this.progress?.setNote((s) => `${why} ${s}s`, this.timing.now() + ms);
    await this.timing.sleep(ms, signal);
  }

  private onProgress = (p: RunProgress) => {
    const newest = p.newestLogDate === null ? NaN : Date.parse(p.newestLogDate);
    // the batch is acknowledged and its checkpoint stored: stopping here loses nothing
    if (!this.config.follow && newest >= this.started) this.reachedStart.abort();
    this.totals.logs = this.logsBefore + p.logsProcessed;
    this.totals.checkpoint = p.checkpoint;
    this.totals.newestLogDate = p.newestLogDate ?? this.totals.newestLogDate;
    this.totals.cursors = p.cursors;
    this.progress?.update(this.totals);
  };

  private processorOptions(maxRunTimeSeconds: number): LogsProcessorOptions {
    const { config } = this;
    return {
      domain: config.domain,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      maxRunTimeSeconds,
      // a batch the destination did not acknowledge must be sent again, never skipped
      onBatchFailure: 'stop',
      onProgress: this.onProgress,
      now: this.timing.now,
      sleep: (ms, signal) => this.wait(ms, signal),
      random: this.timing.random,
      logger: { debug: (message) => this.noteWhy(message) },
      ...(config.ca === undefined ? {} : { ca: config.ca }),
      ...(config.logTypes === undefined ? {} : { logTypes: config.logTypes }),
      ...(config.logLevel === undefined ? {} : { logLevel: config.logLevel }),
      ...(config.batchSize === undefined ? {} : { batchSize: config.batchSize }),
      ...(config.maxRetries === undefined ? {} : { maxRetries: config.maxRetries }),
      ...(config.backfillCursors === undefined ? {} : { backfillCursors: config.backfillCursors }),
      ...(config.startFrom === undefined ? {} : { startFrom: config.startFrom }),
    };
  }
}

/**
 * Why one run stopped: the processor's `stopReason`, or (from a processor that does not set it)
 * what its status shows.
 */
function runStopReason(
  status: RunStatus,
  signal: AbortSignal,
  checkpoint: string | null,
  config: ShipConfig,
  elapsedMs: number,
): StopReason {
  if (status.stopReason) return status.stopReason;
  if (status.error) return 'failed';
  if (signal.aborted) return 'aborted';
  if (/rate limit/i.test(status.warning ?? '')) return 'rate_limit';
  const moved = checkpoint !== status.startCheckpoint;
  if (moved && elapsedMs >= config.maxRunTimeSeconds * 1000) return 'max_run_time';
  return 'caught_up';
}

/**
 * The storage as each run sees it while the command holds its lock: reads and writes go to the
 * storage; a run's own `lock()` is the command's (released by the command, not the run).
 */
function heldStorage(
  storage: StorageContext,
  lock: StorageLock,
  edit: (data: StoredState) => StoredState,
): StorageContext {
  return {
    read: () => storage.read(),
    write: (data) => storage.write(edit(data)),
    lock: () => Promise.resolve({ lost: lock.lost, release: () => Promise.resolve() }),
  };
}

/** What the summary says of a run stopped at the logs that existed when `ship` started. */
export const REACHED_START_NOTE =
  "stopped at the logs dated from when ship started (by this machine's clock); newer ones are left for the next run";

/**
 * The stored document with the last run (when it is this command's, started at or after `started`)
 * recorded as caught up: `ship` without `--follow` stopped it through its abort signal once it
 * had shipped the logs that existed when the command started.
 */
function caughtUpAtStart(data: StoredState, started: number): StoredState {
  const logs = data.logs ?? [];
  const last = logs[logs.length - 1];
  if (!last || last.stopReason !== 'aborted' || !(new Date(last.start).getTime() >= started))
    return data;
  const warning = last.warning?.replace(ABORTED_WARNING, '').trim();
  const { warning: _aborted, ...rest } = last;
  const run = { ...rest, stopReason: 'caught_up' as const, ...(warning ? { warning } : {}) };
  return { ...data, logs: [...logs.slice(0, -1), run] };
}

/** What the history says of a run stopped because the reader closed stdout (`ship | head`). */
export const READER_CLOSED_WARNING = 'Stopped: stdout was closed by its reader.';

/**
 * The stored document with the last run's "stopped by its abort signal" reworded: the CLI aborted
 * the run because the reader of stdout went away, and the history should say so.
 */
function readerClosed(data: StoredState): StoredState {
  const logs = data.logs ?? [];
  const last = logs[logs.length - 1];
  if (!last?.warning?.includes(ABORTED_WARNING)) return data;
  const warning = last.warning.replace(ABORTED_WARNING, READER_CLOSED_WARNING);
  return { ...data, logs: [...logs.slice(0, -1), { ...last, warning }] };
}

/** A header value, its credentials after the scheme, and the password of a Basic one. */
function addHeaderSecrets(redactor: Redactor, value: string): void {
  redactor.add(value);
  const [scheme, ...rest] = value.split(' ');
  const credentials = rest.join(' ').trim();
  redactor.add(credentials);
  if (scheme?.toLowerCase() === 'basic' && credentials) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    redactor.add(decoded);
    redactor.add(decoded.slice(decoded.indexOf(':') + 1));
  }
}

/**
 * An `ArgumentError` from the library, reworded to name the flag. With `asGiven`, a value the
 * message quotes (`got "0"`) is shown as the command line gave it (`got '0'`).
 */
export function usageMessage(
  error: Error & { option?: string | undefined },
  asGiven = false,
): string {
  const flag = error.option ? FLAGS[error.option] : undefined;
  if (!flag) return error.message;
  let message = error.message;
  const quoted = asGiven ? /, got ("(?:[^"\\]|\\.)*")$/.exec(message) : null;
  if (quoted?.[1])
    message = `${message.slice(0, quoted.index)}, got '${JSON.parse(quoted[1]) as string}'`;
  const named = message.split(`\`${error.option}\``).join(flag);
  return named.includes(flag) ? named : `${flag}: ${message}`;
}
