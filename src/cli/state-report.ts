import { logIdTime } from '../auth0/log-id';
import type { RunStatus, StoredDestination, StoredState } from '../types';
import type { ShippedIdsSummary } from '../receive/shipped-ids';
import { formatCount, formatDuration } from './format';
import { isStopReason, storedDate, storedRun, storedText } from './stored-run';
import { stopReasonText } from './summary';

/** What `status --json` prints. */
export interface StatusReport {
  /** Absolute path of the state file. */
  state: string;
  checkpoint: string | null;
  /**
   * Date of the newest log shipped: the time its `log_id` (the checkpoint) was written, to the
   * second (Auth0's log ids carry it, digits 4 to 17); `null` without a checkpoint or when its id
   * holds no date.
   */
  newestLogDate: string | null;
  /** Seconds from {@link newestLogDate} to now (this machine's clock), or `null`. */
  lagSeconds: number | null;
  startFrom: string | null;
  /** The tenant the state belongs to (`null`: not recorded yet). */
  tenant: { domain: string; clientId: string } | null;
  /** The destination the state ships to (kind and address, never a secret; `null`: not recorded). */
  destination: StoredDestination | null;
  /** Whether an access token is cached, and when it expires (never the token). */
  accessToken: { cached: boolean; expiresAt: string | null };
  /** Runs in the stored history. */
  runs: number;
  /** The newest `--limit` runs, oldest first, as stored. */
  history: RunStatus[];
  /**
   * A `receive` state: its stream's record of shipped log ids (`<state>.shipped/`); the
   * `checkpoint` is then the reconciled point (every log up to it is shipped, stream or not).
   */
  stream?: ShippedIdsSummary;
}

/** The newest shipped log's date (the checkpoint's) and its age at `now` (epoch ms). */
function newestShipped(state: StoredState, now: number) {
  const newest = state.checkpointId ? logIdTime(state.checkpointId) : undefined;
  return {
    newestLogDate: newest === undefined ? null : new Date(newest).toISOString(),
    lagSeconds: newest === undefined ? null : Math.max(0, (now - newest) / 1000),
  };
}

/** The `status --json` report of one stored document; `now` (epoch ms) dates the lag. */
export function statusReport(
  path: string,
  state: StoredState,
  limit: number,
  now: number,
  stream?: ShippedIdsSummary,
): StatusReport {
  const history = Array.isArray(state.logs) ? state.logs : [];
  const expiresAt = tokenExpiry(state);
  const tenant = state.tenant;
  return {
    state: path,
    checkpoint: state.checkpointId ?? null,
    ...newestShipped(state, now),
    startFrom: state.startFrom ?? null,
    tenant:
      tenant && typeof tenant.domain === 'string'
        ? { domain: tenant.domain, clientId: tenant.clientId }
        : null,
    destination: state.destination ?? null,
    accessToken: { cached: expiresAt !== undefined, expiresAt: expiresAt ?? null },
    runs: history.length,
    history: limit > 0 ? history.slice(-limit) : history,
    ...(stream ? { stream } : {}),
  };
}

/** The status report of one stored document; `now` (epoch ms) dates the lag. */
export function describeState(
  path: string,
  state: StoredState,
  limit: number,
  now: number,
  stream?: ShippedIdsSummary,
): string {
  const history = Array.isArray(state.logs) ? state.logs : [];
  const shown = limit > 0 ? history.slice(-limit) : history;
  const expiresAt = tokenExpiry(state);
  const { newestLogDate, lagSeconds } = newestShipped(state, now);
  const lines = [
    `State file:   ${path}`,
    stream
      ? `Reconciled:   ${state.checkpointId ?? 'not yet (the first reconciliation starts from --start-from or the oldest log)'}`
      : `Checkpoint:   ${state.checkpointId ?? 'none (the next run starts from the oldest log)'}`,
    `Newest log:   ${
      newestLogDate !== null
        ? `${newestLogDate} (lag ${formatDuration((lagSeconds ?? 0) * 1000)})`
        : state.checkpointId
          ? 'unknown (the checkpoint is not a dated Auth0 log_id)'
          : 'none shipped yet'
    }`,
  ];
  if (stream) {
    const newest = stream.newestLogId === null ? undefined : logIdTime(stream.newestLogId);
    lines.push(
      `Stream:       ${formatCount(stream.ids)} log ids shipped (by the stream or reconciliation) in ${stream.spans.length} hourly spans${stream.newestLogId === null ? '' : `; newest ${stream.newestLogId}${newest === undefined ? '' : ` (${new Date(newest).toISOString()})`}`}`,
    );
  }
  const startFrom = storedText(state.startFrom);
  if (startFrom) lines.push(`Start from:   ${startFrom}`);
  if (state.tenant)
    lines.push(`Tenant:       ${state.tenant.domain} (client id ${state.tenant.clientId})`);
  if (expiresAt) lines.push(`Access token: cached, expires ${expiresAt}`);
  lines.push(
    `Runs:         ${history.length}${shown.length < history.length ? ` (newest ${shown.length} shown)` : ''}`,
  );
  if (shown.length > 0) lines.push('', ...table(shown.map(row)));
  return `${lines.join('\n')}\n`;
}

/** One history row; never throws, whatever shape the entry was stored in (see `storedRun`). */
function row(entry: unknown): string[] {
  const run = storedRun(entry);
  if (run.unreadable !== undefined) return ['-', '-', '-', '-', `not a run: ${run.unreadable}`];
  const result: string[] = [];
  const reason = run.stopReason;
  if (reason && reason !== 'caught_up' && reason !== 'failed')
    result.push(isStopReason(reason) ? stopReasonText(reason) : `stopped: ${reason}`);
  if (run.error) result.push(`error: ${run.error.replace(/\.$/, '')}`);
  if (run.warning) result.push(`warning: ${run.warning.replace(/\.$/, '')}`);
  if (run.skippedLogs !== undefined) result.push(`skipped ${formatCount(run.skippedLogs)} logs`);
  return [
    run.start ?? '-',
    run.durationMs === undefined ? 'unfinished' : formatDuration(run.durationMs),
    run.logsProcessed === undefined ? '-' : formatCount(run.logsProcessed),
    run.checkpoint ?? '-',
    result.length ? result.join('; ') : 'ok',
  ];
}

function table(rows: string[][]): string[] {
  const header = ['START', 'DURATION', 'LOGS', 'CHECKPOINT', 'RESULT'];
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...all.map((cells) => (cells[column] ?? '').length)),
  );
  return all.map((cells) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join('  '),
  );
}

/** When a stored token expires, as an ISO date; `undefined` when there is no readable one. */
function tokenExpiry(state: StoredState): string | undefined {
  const token = state.logs_access_token as { expiresAt?: unknown } | null | undefined;
  const at = token && typeof token.expiresAt === 'number' ? storedDate(token.expiresAt) : undefined;
  return at?.toISOString();
}
