import type { Timing } from '../../pipeline/retry';
import type { RunProgress, WaitEvent, WaitReason } from '../../types';
import type { Redactor } from '../../util/redact';
import type { CliIo } from '../io';
import { ProgressDisplay, type ProgressState } from './progress';

/** What the progress line says while the processor waits, by the wait's reason. */
const WAIT_NOTES: Record<WaitReason, string> = {
  rate_limit: 'rate limit, waiting',
  retry: 'request failed, retry in',
  handler_retry: 'waiting',
};

/** Waits shorter than this (ms) leave the line as it is: a countdown would only flicker. */
const SHORTEST_NOTED_WAIT_MS = 1000;

/**
 * The figures of one `ship` command across its runs, and its progress line on a terminal (absent
 * with `--quiet`, without a terminal, or when the logs themselves go to the terminal). Fed by the
 * processor's `onProgress` and `onWait` hooks.
 */
export class ShipProgress {
  /** The line on stderr, when shown. */
  readonly display: ProgressDisplay | undefined;
  /** Logs shipped, checkpoint and newest log date so far, over every run of the command. */
  readonly totals: ProgressState = { logs: 0, checkpoint: null, newestLogDate: null };
  /** Logs shipped by the runs that ended. */
  private logsBefore = 0;
  /** Polls started. */
  private polls = 0;

  constructor(
    private readonly io: CliIo,
    private readonly redactor: Redactor,
    private readonly timing: Timing,
    show: boolean,
  ) {
    this.display = show
      ? new ProgressDisplay(io.stderr, {
          now: timing.now,
          ...(io.columns ? { columns: io.columns } : {}),
        })
      : undefined;
  }

  /** Logs shipped by the command so far (the runs that ended). */
  get logsShipped(): number {
    return this.logsBefore;
  }

  /** A line for the log (stderr), above the progress line when there is one. */
  say(message: string): void {
    const line = this.redactor.redact(`auth0-log-tools ship: ${message}`);
    if (this.display) this.display.print(line);
    else this.io.stderr.write(`${line}\n`);
  }

  /** A countdown on the line until `ms` from now, e.g. `caught up, next poll in 7s`. */
  countdown(text: (secondsLeft: number) => string, ms: number): void {
    this.display?.setNote(text, this.timing.now() + ms);
  }

  /** The processor's `onWait`: every wait of a run (a retry's backoff, the rate limit) counts down. */
  readonly onWait = ({ reason, ms }: WaitEvent): void => {
    if (ms < SHORTEST_NOTED_WAIT_MS) return;
    const why = WAIT_NOTES[reason] ?? 'waiting';
    this.countdown((s) => `${why} ${s}s`, ms);
  };

  /** A poll starts: the line says `polling` (the first says `connecting`, from the start). */
  startPoll(): void {
    if (this.polls++ > 0) this.display?.setNote('polling');
  }

  /** The processor's `onProgress`, within the current run. */
  update(p: RunProgress): void {
    this.totals.logs = this.logsBefore + p.logsProcessed;
    this.totals.checkpoint = p.checkpoint;
    this.totals.newestLogDate = p.newestLogDate ?? this.totals.newestLogDate;
    this.totals.cursors = p.cursors;
    this.display?.update(this.totals);
  }

  /** A run ended with `logsProcessed` acknowledged and `checkpoint` stored. */
  endRun(logsProcessed: number, checkpoint: string | null): void {
    this.logsBefore += logsProcessed;
    this.totals.logs = this.logsBefore;
    this.totals.checkpoint = checkpoint;
  }
}
