import { type CommandSpec, numberFlag, type ParsedArgs, stringFlag } from '../args';
import { type CliIo, UsageError } from '../io';
import { commandConfig } from '../command-config';
import { logTypes, processorNumbers, readCa, SHIP_COMMAND } from '../ship/command';
import { rangeOptions } from '../ship/range';
import { credentials } from '../credentials';
import { tailLogs, type TailConfig } from './run';

/** The flags `tail` shares with `ship`, as `ship` has them (same names, help and checks). */
const SHARED = ['domain', 'client-id', 'client-secret', 'types', 'level', 'ca-file'];

/** How far back `tail` starts without `--since`. */
export const TAIL_DEFAULT_SINCE = '1h';

/** Flags of `auth0-log-tools tail`. */
export const TAIL_COMMAND: CommandSpec = {
  name: 'tail',
  summary:
    "Show a tenant's logs one line each (date, type, user, ip, client), and keep showing new ones if asked; never reads or writes a state.",
  options: [
    ...SHIP_COMMAND.options.filter((option) => SHARED.includes(option.name)),
    {
      name: 'since',
      type: 'string',
      value: '<date|30m|6h|2d>',
      description: 'Show the logs dated from this ISO date, or this long before now',
      default: TAIL_DEFAULT_SINCE,
    },
    {
      name: 'follow',
      type: 'boolean',
      description: 'Then keep showing new logs until SIGINT/SIGTERM',
      default: 'off',
    },
    {
      name: 'interval',
      type: 'string',
      value: '<seconds>',
      description: 'Seconds between polls with --follow',
      default: '10',
    },
    {
      name: 'json',
      type: 'boolean',
      description: 'One log per line as JSON (NDJSON), as the API returns it',
      default: 'off',
    },
  ],
  notes: [
    'Lines fit the terminal (80 columns when it is not one); a longer value is cut with …, use',
    '--json for every field. Colours only on a terminal, and not when NO_COLOR is set. Dates are UTC.',
    "The range is on the logs' date: a log written late is shown in date range, in log_id order.",
    '',
    'Example:',
    '  auth0-log-tools tail --types f,fu,fp --since 30m --follow',
  ],
};

/** `auth0-log-tools tail`: resolves the exit code. */
export async function runTail(argv: string[], io: CliIo): Promise<number> {
  const parsed = commandConfig(argv, io, TAIL_COMMAND, (args) =>
    tailConfig(args, io.env, (io.timing?.now ?? Date.now)()),
  );
  return 'exit' in parsed ? parsed.exit : tailLogs(parsed.config, io);
}

/** Validates the flags (and environment) into a {@link TailConfig}; throws a `UsageError`. */
export function tailConfig(args: ParsedArgs, env: CliIo['env'], now: number): TailConfig {
  const follow = args.follow === true;
  const interval = numberFlag(args, 'interval', { min: 0, exclusiveMin: true });
  if (interval !== undefined && !follow) throw new UsageError('--interval needs --follow');
  const { level } = processorNumbers(args);
  const types = stringFlag(args, 'types');
  const range = rangeOptions(
    { since: stringFlag(args, 'since') ?? TAIL_DEFAULT_SINCE, follow },
    now,
  );
  const caFile = stringFlag(args, 'ca-file');
  return {
    // every missing credential at once, as ship says it
    ...credentials(args, env),
    ...(caFile === undefined ? {} : { ca: readCa(caFile) }),
    ...(types === undefined ? {} : { logTypes: logTypes(types) }),
    ...(level === undefined ? {} : { logLevel: level }),
    ...range,
    follow,
    intervalSeconds: interval ?? 10,
    json: args.json === true,
  };
}
