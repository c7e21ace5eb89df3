import { readdirSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import { FileStorage } from '../storage/file';
import { Redactor } from '../util/redact';
import type { StoredState } from '../types';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from './args';
import { type CliIo, EXIT, UsageError } from './io';
import { describeState, statusReport } from './state-report';
import {
  shippedIdsFolder,
  shippedIdsSummary,
  type ShippedIdsSummary,
} from '../receive/shipped-ids';
import { runClusterStatus } from './status-config';
import { DEFAULT_STATE_FILE, oldDefaultState, stateFolder } from './ship/state-path';

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
      description:
        'State file written by `ship`; without it, the state in the working folder at the old default, else every state in the per-user state folder',
      default: `${DEFAULT_STATE_FILE}, else each state in ~/.local/state/auth0-log-tools`,
    },
    {
      name: 'config',
      type: 'string',
      value: '<file>',
      description:
        'A serve configuration: show each tenant from the Redis or PostgreSQL it names (checkpoint, newest log date, lag, runs)',
      default: 'off',
    },
    {
      name: 'tenant',
      type: 'string',
      value: '<id>',
      description: 'With --config: only this tenant',
      default: 'every tenant',
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

/** `auth0-log-tools status`: resolves the exit code. */
export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  let file: string | undefined;
  let limit: number;
  let json: boolean;
  let config: string | undefined;
  let tenant: string | undefined;
  try {
    const args = parseCommand(argv, STATUS_COMMAND);
    if (args.help) {
      io.stdout.write(helpText(STATUS_COMMAND));
      return EXIT.ok;
    }
    file = stringFlag(args, 'state');
    limit = numberFlag(args, 'limit', { integer: true, min: 0 }) ?? 20;
    json = args.json === true;
    config = stringFlag(args, 'config');
    tenant = stringFlag(args, 'tenant');
    if (config !== undefined && args.state !== undefined)
      throw new UsageError('Pass --state (a ship state file) or --config (serve), not both');
    if (tenant !== undefined && config === undefined)
      throw new UsageError('--tenant needs --config <serve config>');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`auth0-log-tools status: ${error.message}\n`);
    return EXIT.usage;
  }
  if (config !== undefined)
    return runClusterStatus(config, tenant, limit, json, io, io.timing?.now);
  const files = file === undefined ? defaultStateFiles(io.env) : [file];
  if (files.length === 0) {
    io.stderr.write(
      `auth0-log-tools status: no state file at ${DEFAULT_STATE_FILE} nor in ${stateFolder(io.env)} (where ship keeps its states); pass --state <file>.\n`,
    );
    return EXIT.failed;
  }
  const shown: Array<{ path: string; state: StoredState; stream?: ShippedIdsSummary }> = [];
  for (const each of files) {
    const storage = new FileStorage(each);
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
    let stream: ShippedIdsSummary | undefined;
    try {
      stream = await shippedIdsSummary(shippedIdsFolder(storage.path));
    } catch (error) {
      io.stderr.write(`auth0-log-tools status: ${errorMessage(error)}\n`);
      return EXIT.failed;
    }
    shown.push({ path: storage.path, state, ...(stream ? { stream } : {}) });
  }
  // the history is shown as stored: an entry written by another version may quote the token
  const redactor = new Redactor();
  for (const { state } of shown) {
    const token = state.logs_access_token as { token?: unknown } | null | undefined;
    if (typeof token?.token === 'string') redactor.add(token.token);
  }
  // one state: as it always was; several (the per-user folder): a JSON array, or one after another
  const now = (io.timing?.now ?? Date.now)();
  const reports = shown.map(({ path, state, stream }) =>
    statusReport(path, state, limit, now, stream),
  );
  const text = json
    ? `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`
    : shown
        .map(({ path, state, stream }) => describeState(path, state, limit, now, stream))
        .join('\n');
  io.stdout.write(redactor.redact(text));
  return EXIT.ok;
}

/**
 * The states `status` shows without `--state`: the old default in the working folder when it
 * exists (as `ship` uses it), else every `*.json` in the per-user state folder (`stateFolder`),
 * sorted by name (one per tenant and destination).
 */
function defaultStateFiles(env: Record<string, string | undefined>): string[] {
  const old = oldDefaultState();
  if (old !== undefined) return [old];
  const folder = stateFolder(env);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .sort()
    .map((name) => path.join(folder, name));
}
