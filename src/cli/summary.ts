import { formatCount, formatDuration, formatNewest } from './format';

/** What `ship` reports at the end (the `--json` summary has exactly these fields). */
export interface ShipSummary {
  /** `stopped`: a signal ended it cleanly; `failed`: exit code 1. */
  status: 'ok' | 'stopped' | 'failed';
  logsShipped: number;
  /** Processor runs (more than one with `--follow`). */
  runs: number;
  durationMs: number;
  logsPerSecond: number;
  /** `stdout`, the file, or the URL without credentials and query. */
  destination: string;
  /** Absolute path of the state file. */
  state: string;
  startCheckpoint: string | null;
  checkpoint: string | null;
  /** Date of the newest log shipped. */
  newestLogDate: string | null;
  warnings: string[];
  /** Logs given up on after their retries (none with the CLI's `onBatchFailure: 'stop'`). */
  skippedLogs: number;
  error?: string;
}

/** The one-line human summary. */
export function summaryLine(summary: ShipSummary, now: number): string {
  const shipped = `${formatCount(summary.logsShipped)} logs to ${summary.destination} in ${formatDuration(summary.durationMs)} (${formatCount(summary.logsPerSecond)} logs/s)`;
  const caughtUp = summary.status === 'ok' && summary.logsShipped === 0;
  const lead =
    summary.status === 'failed'
      ? `Failed after shipping ${shipped}`
      : summary.status === 'stopped'
        ? `Stopped after shipping ${shipped}`
        : caughtUp
          ? `Nothing new to ship to ${summary.destination}`
          : `Shipped ${shipped}`;
  const parts = [`${lead}; checkpoint ${summary.checkpoint ?? 'none'}`];
  if (summary.newestLogDate) parts.push(`newest log ${formatNewest(summary.newestLogDate, now)}`);
  if (summary.skippedLogs) parts.push(`skipped ${formatCount(summary.skippedLogs)} logs`);
  for (const warning of summary.warnings) parts.push(`warning: ${warning.replace(/\.$/, '')}`);
  if (summary.status === 'failed') parts.push('run again to resume from the checkpoint');
  return `${parts.join('; ')}.`;
}
