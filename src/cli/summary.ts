import type { StopReason } from '../types';
import { formatCount, formatDuration } from './format';

/** What `ship` reports at the end (the `--json` summary has exactly these fields). */
export interface ShipSummary {
  /** `stopped`: a signal (or the reader of stdout) ended it cleanly; `failed`: exit code 1. */
  status: 'ok' | 'stopped' | 'failed';
  /**
   * Why it ended: `caught_up` (no newer log), `max_run_time` (`--max-run-time`), `rate_limit`
   * (the tenant's rate limit outlasted the run time), `aborted` (a signal, or stdout closed),
   * `failed` (`error` says why).
   */
  stopReason: StopReason;
  logsShipped: number;
  /** Processor runs (more than one with `--follow`). */
  runs: number;
  durationMs: number;
  logsPerSecond: number;
  /** `stdout`, the file, or the URL without credentials and query. */
  destination: string;
  /**
   * With several destinations (`--to` repeated, or with `--out`/`--post`): each one's logs
   * acknowledged, in the order given (a batch sent again after another destination failed counts
   * again). `destination` then names them all, joined by ` + `.
   */
  destinations?: Array<{ destination: string; logsShipped: number }>;
  /** Absolute path of the state file; `null`: none (a range without `--state`, nothing stored). */
  state: string | null;
  startCheckpoint: string | null;
  checkpoint: string | null;
  /** Date of the newest log shipped. */
  newestLogDate: string | null;
  /** How far the newest log shipped is behind the end of the run, in ms (`null`: none shipped). */
  behindMs: number | null;
  warnings: string[];
  /** Logs given up on after their retries (none with the CLI's `onBatchFailure: 'stop'`). */
  skippedLogs: number;
  /** The id ranges of the skipped batches (`--on-batch-failure skip`): after `fromCheckpoint` up to `toCheckpoint`. */
  skippedRanges?: Array<{
    fromCheckpoint: string | null;
    toCheckpoint: string | null;
    logs: number;
  }>;
  /** Logs the destination refused for good, appended to `--dead-letter` with their reason. */
  deadLetteredLogs?: number;
  error?: string;
  /** What to do about `error` (e.g. "check the credentials"), when anything helps. */
  advice?: string;
  /** A short note, e.g. that stdout was closed by its reader. */
  note?: string;
}

const REASONS: Record<StopReason, string> = {
  caught_up: 'caught up',
  max_run_time: 'stopped at the run-time limit (--max-run-time)',
  rate_limit: "stopped by the tenant's rate limit",
  aborted: 'stopped',
  failed: 'failed',
};

/** Why a run stopped, in words (`status.stopReason`). */
export function stopReasonText(reason: StopReason): string {
  return REASONS[reason];
}

/** The one-line human summary. */
export function summaryLine(summary: ShipSummary, _now?: number): string {
  const shipped = `${formatCount(summary.logsShipped)} logs to ${summary.destination} in ${formatDuration(summary.durationMs)} (${formatCount(summary.logsPerSecond)} logs/s)`;
  const reason = summary.stopReason;
  const idle = summary.status === 'ok' && summary.logsShipped === 0 && reason === 'caught_up';
  const lead =
    summary.status === 'failed'
      ? `Failed after shipping ${shipped}`
      : summary.status === 'stopped'
        ? `Stopped after shipping ${shipped}`
        : idle
          ? `Nothing new to ship to ${summary.destination}`
          : `Shipped ${shipped}, ${stopReasonText(reason)}`;
  const parts = [`${lead}; checkpoint ${summary.checkpoint ?? 'none'}`];
  if (summary.destinations)
    parts.push(
      `each destination: ${summary.destinations.map((d) => `${d.destination} ${formatCount(d.logsShipped)} logs`).join(', ')}`,
    );
  // how far behind only when it stopped before catching up (below): caught up is not behind
  if (summary.newestLogDate) parts.push(`newest log ${summary.newestLogDate}`);
  if (summary.skippedLogs) {
    const ranges = (summary.skippedRanges ?? [])
      .map((r) => `${r.fromCheckpoint ?? '(start)'}..${r.toCheckpoint ?? '(start)'}`)
      .join(', ');
    parts.push(
      `skipped ${formatCount(summary.skippedLogs)} logs${ranges ? ` (ids after ${ranges})` : ''}`,
    );
  }
  if (summary.deadLetteredLogs)
    parts.push(
      `${formatCount(summary.deadLetteredLogs)} logs refused by the destination, in the dead letter`,
    );
  for (const warning of summary.warnings) parts.push(`warning: ${warning.replace(/\.$/, '')}`);
  if (summary.note) parts.push(summary.note);
  if (summary.status === 'ok' && (reason === 'max_run_time' || reason === 'rate_limit')) {
    const behind = summary.behindMs === null ? '' : ` (${formatDuration(summary.behindMs)} behind)`;
    parts.push(`not caught up${behind}: run again to continue`);
  }
  if (summary.status === 'failed' && summary.advice) parts.push(summary.advice);
  return `${parts.join('; ')}.`;
}
