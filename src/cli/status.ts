import { errorMessage } from '../errors';
import { FileStorage } from '../storage/file';
import { Redactor } from '../util/redact';
import type { StoredState } from '../types';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from './args';
import { type CliIo, EXIT, UsageError } from './io';
import { describeState, statusReport } from './state-report';
import { runClusterStatus } from './status-config';

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
  let file: string;
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
    file = stringFlag(args, 'state') ?? DEFAULT_STATE_FILE;
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
  if (config !== undefined) return runClusterStatus(config, tenant, limit, json, io);
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
