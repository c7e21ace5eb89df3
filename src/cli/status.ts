import { errorMessage } from '../errors';
import { FileStorage } from '../storage/file';
import { Redactor } from '../util/redact';
import type { RunStatus, StoredState } from '../types';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from './args';
import { formatCount, formatDuration } from './format';
import { isStopReason, storedDate, storedRun, storedText } from './stored-run';
import { stopReasonText } from './summary';
import { type CliIo, EXIT, UsageError } from './io';

/** Default state file of `ship` and `status`. */
export const DEFAULT_STATE_FILE = '.auth0-log-tools/state.json';

/** Flags of `auth0-log-tools status`. */
export const STATUS_COMMAND: CommandSpec = {
  name: 'status',
  summary:
    'Print the stored checkpoint and the run history of a state file (never its access token).',
  options: [
    {
      name: 'state',
      type: 'string',
      value: '<file>',
      description: 'State file written by `ship`',
      default: DEFAULT_STATE_FILE,
    },
    {
      name: 'limit',
      type: 'string',
      value: '<n>',
      description: 'Show only the newest <n> runs; 0 shows all',
      default: '20',
    },
    {
      name: 'json',
      type: 'boolean',
      description: 'Print the state as JSON (never its access token)',
      default: 'off',
    },
  ],
  notes: [
    'Exit codes: 0 printed, 1 no state file at that path or one that cannot be read or trusted,',
    '2 bad usage (naming the flag).',
  ],
};

/** What `status --json` prints. */
export interface StatusReport {
  /** Absolute path of the state file. */
  state: string;
  checkpoint: string | null;
  startFrom: string | null;
  /** The tenant the state belongs to (`null`: not recorded yet). */
  tenant: { domain: string; clientId: string } | null;
  /** Whether an access token is cached, and when it expires (never the token). */
  accessToken: { cached: boolean; expiresAt: string | null };
  /** Runs in the stored history. */
  runs: number;
  /** The newest `--limit` runs, oldest first, as stored. */
  history: RunStatus[];
}

/** `auth0-log-tools status`: resolves the exit code. */
export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  let file: string;
  let limit: number;
  let json: boolean;
  try {
    const args = parseCommand(argv, STATUS_COMMAND);
    if (args.help) {
      io.stdout.write(helpText(STATUS_COMMAND));
      return EXIT.ok;
    }
    file = stringFlag(args, 'state') ?? DEFAULT_STATE_FILE;
    limit = numberFlag(args, 'limit', { integer: true, min: 0 }) ?? 20;
    json = args.json === true;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`auth0-log-tools status: ${error.message}\n`);
    return EXIT.usage;
  }
  const storage = new FileStorage(file);
  let state: StoredState | undefined;
  try {
    state = await storage.read();
  } catch (error) {
    io.stderr.write(`auth0-log-tools status: ${errorMessage(error)}\n`);
    return EXIT.failed;
  }
  if (!state) {
    io.stderr.write(
      `auth0-log-tools status: no state file at ${storage.path}; nothing was shipped with it yet.\n`,
    );
    return EXIT.failed;
  }
  // the history is shown as stored: an entry written by another version may quote the token
  const redactor = new Redactor();
  const token = state.logs_access_token as { token?: unknown } | null | undefined;
  if (typeof token?.token === 'string') redactor.add(token.token);
  io.stdout.write(
    redactor.redact(
      json
        ? `${JSON.stringify(statusReport(storage.path, state, limit), null, 2)}\n`
        : describeState(storage.path, state, limit),
    ),
  );
  return EXIT.ok;
}

/** The `status --json` report of one stored document. */
export function statusReport(path: string, state: StoredState, limit: number): StatusReport {
  const history = Array.isArray(state.logs) ? state.logs : [];
  const expiresAt = tokenExpiry(state);
  const tenant = state.tenant;
  return {
    state: path,
    checkpoint: state.checkpointId ?? null,
    startFrom: state.startFrom ?? null,
    tenant:
      tenant && typeof tenant.domain === 'string'
        ? { domain: tenant.domain, clientId: tenant.clientId }
        : null,
    accessToken: { cached: expiresAt !== undefined, expiresAt: expiresAt ?? null },
    runs: history.length,
    history: limit > 0 ? history.slice(-limit) : history,
  };
}

/** The status report of one stored document. */
export function describeState(path: string, state: StoredState, limit: number): string {
  const history = Array.isArray(state.logs) ? state.logs : [];
  const shown = limit > 0 ? history.slice(-limit) : history;
  const expiresAt = tokenExpiry(state);
  const lines = [
    `State file:   ${path}`,
    `Checkpoint:   ${state.checkpointId ?? 'none (the next run starts from the oldest log)'}`,
  ];
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
