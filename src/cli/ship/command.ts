import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type CommandSpec,
  helpText,
  numberFlag,
  type ParsedArgs,
  parseCommand,
  stringFlag,
} from '../args';
import { isArgumentError } from '../../errors';
import { isLogId } from '../../auth0/log-id';
import { type CliIo, EXIT, UsageError } from '../io';
import { type ShipConfig, shipLogs } from './run';
import { usageMessage } from './usage';
import { SHIPPER_FAILURE_POLICIES, type ShipperFailurePolicy } from '../../pipeline/promise';
import { LIMITS } from '../../options/limits';
import { START_FROM_MAX_AHEAD_MS } from '../../options/paging';
import { resolveProcessorOptions, type ResolvedOptions } from '../../options/processor';
import { parseToList, type ToDestination } from './to';
import { defaultStatePath } from './state-path';
import { shipRecord } from './state-destination';
import { regularFileName } from '../../destinations/stdout';
import { postTarget, readHeaderFile } from './headers';

/** Flags of `auth0-log-tools ship`. */
export const SHIP_COMMAND: CommandSpec = {
  name: 'ship',
  summary:
    "Ship a tenant's logs to stdout, a file, an HTTP endpoint, Splunk, Datadog, Elasticsearch or S3, resuming from the checkpoint in a state file.",
  options: [
    {
      name: 'domain',
      type: 'string',
      value: '<domain>',
      description: 'Tenant domain, e.g. example.eu.auth0.com',
      default: '$AUTH0_DOMAIN',
    },
    {
      name: 'client-id',
      type: 'string',
      value: '<id>',
      description: 'Client id of an application allowed `read:logs`',
      default: '$AUTH0_CLIENT_ID',
    },
    {
      name: 'client-secret',
      type: 'string',
      value: '<secret>',
      description: 'Its client secret; prefer the variable (flags show in `ps`)',
      default: '$AUTH0_CLIENT_SECRET',
    },
    {
      name: 'out',
      type: 'string',
      value: '<file>',
      description:
        'Append the logs to <file> (made with mode 0600) as NDJSON, one per line; `-` is stdout',
      default: '-',
    },
    {
      name: 'post',
      type: 'string',
      value: '<url>',
      description:
        'POST each batch as a JSON array to <url>; a 2xx answer acknowledges it, a 4xx other than 408/429 fails the run at once. user:password@ in the URL becomes an Authorization: Basic header',
      default: 'none',
    },
    {
      name: 'to',
      type: 'string',
      multiple: true,
      value: '<kind>:<address>',
      description:
        'Ship to splunk:<url>, datadog:<site|url>, elastic:<url> or s3:s3://bucket/prefix; secrets from SPLUNK_HEC_TOKEN, DD_API_KEY, ELASTIC_API_KEY (or ELASTIC_USERNAME/ELASTIC_PASSWORD), the AWS chain. Repeatable, and with --out or --post: each batch is read once and goes to every destination, acknowledged once all stored it',
      default: 'none',
    },
    {
      name: 'to-option',
      type: 'string',
      multiple: true,
      value: '<key=value>',
      description:
        "An option of --to's kind, e.g. index=auth0 or tenant=acme; with several --to, <kind>.<key>=<value> (s3.objectMaxSeconds=600); repeatable (never a secret)",
      default: 'none',
    },
    {
      name: 'header',
      type: 'string',
      multiple: true,
      value: "'Name: value'",
      description:
        "Header to send with --post; repeatable. A value '@env:NAME' is read from the variable NAME, '@file:PATH' from a file (keeps secrets out of `ps`)",
      default: 'none',
    },
    {
      name: 'header-file',
      type: 'string',
      value: '<file>',
      description:
        "Headers for --post from a file, one 'Name: value' a line (# comments); keep it mode 0600",
      default: 'none',
    },
    {
      name: 'state',
      type: 'string',
      value: '<file>',
      description:
        'Checkpoint and run history (mode 0600: it holds a token); one per tenant and destination',
      default:
        '~/.local/state/auth0-log-tools/<tenant>--<destination>--<digest>.json ($XDG_STATE_HOME; see docs/cli.md)',
    },
    {
      name: 'types',
      type: 'string',
      value: '<list>',
      description:
        'Only these log types, comma-separated, e.g. s,f,fp; +code for a type the catalog does not know yet',
      default: 'all types',
    },
    {
      name: 'level',
      type: 'string',
      value: `<${LIMITS.logLevel.min}-${LIMITS.logLevel.max}>`,
      description: 'Also every type of this level or above (with --types: either)',
      default: 'none',
    },
    {
      name: 'batch-size',
      type: 'string',
      value: '<n>',
      description: `Logs per batch, ${LIMITS.batchSize.min} to ${LIMITS.batchSize.max}`,
      default: '100',
    },
    {
      name: 'max-retries',
      type: 'string',
      value: '<n>',
      description: 'Retries of a failed request or delivery before the run fails',
      default: '5',
    },
    {
      name: 'on-batch-failure',
      type: 'string',
      value: '<stop|skip>',
      description:
        'A batch still failing after its retries: stop the run (sent again next run) or skip it (counted and named in the summary; its logs are lost)',
      default: 'stop',
    },
    {
      name: 'dead-letter',
      type: 'string',
      value: '<file>',
      description:
        'Append logs the destination refuses for good (one document of a batch, e.g. an Elasticsearch mapping error) to this NDJSON file with the reason, and ship the rest',
      default: 'none: such a batch stops the run',
    },
    {
      name: 'max-run-time',
      type: 'string',
      value: '<seconds>',
      description: 'Stop (and store the checkpoint) after this long',
      default: 'until caught up',
    },
    {
      name: 'start-from',
      type: 'string',
      value: '<log_id|date>',
      description:
        'Start after this log_id or at this ISO date (at most a day ahead of this clock); a new value wins over the stored checkpoint',
      default: 'the oldest log',
    },
    {
      name: 'backfill-cursors',
      type: 'string',
      value: '<n>',
      description: `Cursors reading a backlog older than 10 minutes at once, ${LIMITS.backfillCursors.min} to ${LIMITS.backfillCursors.max} (logs still ship in log_id order)`,
      default: '1',
    },
    {
      name: 'ca-file',
      type: 'string',
      value: '<pem>',
      description: 'Also trust this CA (TLS interception, the fake tenant)',
      default: 'system CAs only',
    },
    {
      name: 'follow',
      type: 'boolean',
      description: 'Once caught up, poll for new logs until SIGINT/SIGTERM',
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
      name: 'quiet',
      type: 'boolean',
      description: 'No progress display and no summary line (errors still show)',
      default: 'off',
    },
    { name: 'json', type: 'boolean', description: 'Print the summary as JSON', default: 'off' },
  ],
  notes: [
    'Without --follow, ship ends once it has shipped the logs dated before it started (by this',
    "machine's clock); newer ones wait for the next run. A flag that takes one value may be given once.",
    'The summary goes to stdout, or to stderr when the logs go to stdout. Progress is drawn on stderr',
    'when it is a terminal (not when the logs go to the same terminal). One run at a time per state:',
    'the state is locked while ship runs. With --follow, failed polls are retried with a growing wait',
    '(1 s doubling up to 60 s) until a signal; only configuration errors end it. SIGHUP reopens --out.',
    'Exit codes: 0 done (or stopped by a signal, or stdout closed by its reader), 1 the run failed,',
    '2 bad usage, 3 the state is in use by another run (nothing was shipped).',
    '',
    'Example:',
    '  AUTH0_DOMAIN=example.eu.auth0.com AUTH0_CLIENT_ID=... AUTH0_CLIENT_SECRET=... \\',
    '    auth0-log-tools ship --out logs.ndjson --types s,f',
    '  SPLUNK_HEC_TOKEN=... auth0-log-tools ship --to splunk:https://hec.example.com:8088 \\',
    '    --to-option index=auth0 --follow',
  ],
};

/** `auth0-log-tools ship`: resolves the exit code. */
export async function runShip(argv: string[], io: CliIo): Promise<number> {
  let config: ShipConfig;
  try {
    const args = parseCommand(argv, SHIP_COMMAND);
    if (args.help) {
      io.stdout.write(helpText(SHIP_COMMAND));
      return EXIT.ok;
    }
    config = shipConfig(args, io.env, io.timing?.now, regularFileName(io.stdout));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`auth0-log-tools ship: ${error.message}\n`);
    return EXIT.usage;
  }
  return shipLogs(config, io);
}

/** How far ahead of the local clock a `--start-from` date may be (24 h, in ms). */
export { START_FROM_MAX_AHEAD_MS };

/**
 * Validates the flags (and environment) into a {@link ShipConfig}; throws a `UsageError`. `now` is
 * the local clock (epoch ms) that a `--start-from` date is checked against; `stdoutFile` names the
 * regular file stdout is redirected to, when it is one (`regularFileName`).
 */
export function shipConfig(
  args: ParsedArgs,
  env: CliIo['env'],
  now: () => number = Date.now,
  stdoutFile?: string,
): ShipConfig {
  const credential = (flag: string, variable: string, what: string): string => {
    const value = stringFlag(args, flag) ?? env[variable];
    if (!value) throw new UsageError(`Missing ${what}: pass --${flag} or set ${variable}`);
    return value;
  };
  const out = stringFlag(args, 'out');
  const post = stringFlag(args, 'post');
  const headerFile = stringFlag(args, 'header-file');
  const headers = [
    ...(headerFile === undefined ? [] : readHeaderFile(headerFile)),
    ...((args.header as string[] | undefined) ?? []).map((h) => ({ flag: '--header', text: h })),
  ];
  const toValues = (args.to as string[] | undefined) ?? [];
  const toOptions = (args['to-option'] as string[] | undefined) ?? [];
  if (out !== undefined && post !== undefined)
    throw new UsageError(
      'Pass one of --out or --post, not both (each may go with one or more --to: every batch goes to each)',
    );
  if (out !== undefined && out !== '-') outFolder(out);
  if (headers.length && post === undefined)
    throw new UsageError(`${headerFile === undefined ? '--header' : '--header-file'} needs --post`);

  const follow = args.follow === true;
  const interval = numberFlag(args, 'interval', { min: 0, exclusiveMin: true });
  if (interval !== undefined && !follow) throw new UsageError('--interval needs --follow');
  const { level, batchSize, maxRetries, backfillCursors } = processorNumbers(args);
  const startFrom = stringFlag(args, 'start-from');
  if (startFrom !== undefined) notInFuture(startFrom, now());
  const onBatchFailure = failurePolicyFlag(stringFlag(args, 'on-batch-failure'));
  const deadLetter = stringFlag(args, 'dead-letter');
  if (deadLetter !== undefined)
    deadLetterFile(deadLetter, { '--out': out, '--state': stringFlag(args, 'state') });
  const types = stringFlag(args, 'types');
  const caFile = stringFlag(args, 'ca-file');
  const domain = credential('domain', 'AUTH0_DOMAIN', 'the tenant domain');
  const clientId = credential('client-id', 'AUTH0_CLIENT_ID', 'the client id');
  const clientSecret = credential('client-secret', 'AUTH0_CLIENT_SECRET', 'the client secret');
  const ca = caFile === undefined ? undefined : readCa(caFile);
  // last: a --to destination holds connections, so nothing may fail after it is made
  const tos = toDestinations(toValues, toOptions, env, domain, ca, now);
  // --out or --post first, then each --to: one read, every batch to each (a fan-out)
  const local = out !== undefined || post !== undefined;
  const to = local ? undefined : tos[0];
  const also = local ? tos : tos.slice(1);

  const destination: ShipConfig['destination'] =
    to !== undefined
      ? { kind: 'to', to }
      : post !== undefined
        ? { kind: 'post', target: postTarget(post, headers, env) }
        : out === undefined || out === '-'
          ? { kind: 'stdout', ...(stdoutFile === undefined ? {} : { file: stdoutFile }) }
          : { kind: 'file', path: out };
  const stateFlagValue = stringFlag(args, 'state');
  const defaultState =
    stateFlagValue === undefined
      ? defaultStatePath(env, domain, shipRecord(destination, also))
      : undefined;
  return {
    domain,
    clientId,
    clientSecret,
    destination,
    ...(also.length ? { also } : {}),
    state: stateFlagValue ?? (defaultState as { path: string }).path,
    ...(defaultState?.note === undefined ? {} : { stateNote: defaultState.note }),
    maxRunTimeSeconds: numberFlag(args, 'max-run-time', { min: 0, exclusiveMin: true }) ?? Infinity,
    follow,
    intervalSeconds: interval ?? 10,
    quiet: args.quiet === true,
    json: args.json === true,
    ...(types === undefined ? {} : { logTypes: logTypes(types) }),
    ...(level === undefined ? {} : { logLevel: level }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(maxRetries === undefined ? {} : { maxRetries }),
    ...(backfillCursors === undefined ? {} : { backfillCursors }),
    ...(startFrom === undefined ? {} : { startFrom }),
    ...(ca === undefined ? {} : { ca }),
    ...(onBatchFailure === undefined ? {} : { onBatchFailure }),
    ...(deadLetter === undefined ? {} : { deadLetter }),
  };
}

/** `--on-batch-failure`: `stop` or `skip`. */
function failurePolicyFlag(value: string | undefined): ShipperFailurePolicy | undefined {
  if (value === undefined) return undefined;
  const policy = SHIPPER_FAILURE_POLICIES.find((p) => p === value);
  if (policy === undefined)
    throw new UsageError(
      `Expected --on-batch-failure to be ${SHIPPER_FAILURE_POLICIES.join(' or ')}, got '${value}'`,
    );
  return policy;
}

/**
 * `--level`, `--batch-size`, `--max-retries` and `--backfill-cursors`, passed as given to the
 * library's own resolver (its ranges, its parsing: decimal digits only), whose error is reworded
 * to name the flag. Checked here, before anything is locked or requested.
 */
function processorNumbers(args: ParsedArgs) {
  const given = {
    logLevel: stringFlag(args, 'level'),
    batchSize: stringFlag(args, 'batch-size'),
    maxRetries: stringFlag(args, 'max-retries'),
    backfillCursors: stringFlag(args, 'backfill-cursors'),
  };
  let resolved: ResolvedOptions;
  try {
    resolved = resolveProcessorOptions(given);
  } catch (error) {
    if (isArgumentError(error)) {
      const option = error.option as keyof typeof given | undefined;
      throw new UsageError(usageMessage(error, option === undefined ? undefined : given[option]));
    }
    throw error;
  }
  const pick = (raw: string | undefined, value: number) => (raw === undefined ? undefined : value);
  return {
    level: pick(given.logLevel, resolved.logLevel),
    batchSize: pick(given.batchSize, resolved.batchSize),
    maxRetries: pick(given.maxRetries, resolved.maxRetries),
    backfillCursors: pick(given.backfillCursors, resolved.backfillCursors),
  };
}

/** Each `--to` and its `--to-option`s as a destination (see `parseToList`); errors name the flag. */
function toDestinations(
  values: string[],
  options: string[],
  env: CliIo['env'],
  tenant: string,
  ca: string | undefined,
  now: () => number,
): ToDestination[] {
  try {
    return parseToList(values, options, env, { tenant, now, ...(ca === undefined ? {} : { ca }) });
  } catch (error) {
    if (isArgumentError(error)) throw new UsageError(error.message);
    throw error;
  }
}

function logTypes(value: string): string[] {
  const types = value.split(',').map((type) => type.trim());
  // `+code`: a code the catalog does not know yet (the library's own form, which its errors suggest)
  if (types.some((type) => !/^\+?[\w-]+$/.test(type))) {
    throw new UsageError(
      `Expected --types to be log type codes separated by commas, e.g. s,f,fp (+code for one the catalog does not know yet), got '${value}'`,
    );
  }
  return types;
}

/** Refuses a `--start-from` date more than {@link START_FROM_MAX_AHEAD_MS} ahead of `now`. */
function notInFuture(value: string, now: number): void {
  if (isLogId(value)) return;
  const at = Date.parse(value);
  // a value that is no date at all is the library's to refuse (it names the forms it takes)
  if (Number.isNaN(at) || at <= now + START_FROM_MAX_AHEAD_MS) return;
  throw new UsageError(
    `Expected --start-from to be a date in the past (at most a day ahead of this machine's clock, ${new Date(now).toISOString()}), got '${value}'`,
  );
}

/**
 * Refuses an `--out` that is a folder, or whose folder does not exist: it is never created behind
 * the user's back.
 */
/**
 * Refuses a `--dead-letter` that `outFolder` refuses, `-` (stdout carries the logs; it would be a
 * file named `-`), or the file another flag names (`--out`, `--state`): refused logs would be mixed
 * into the logs shipped or break the state document.
 */
function deadLetterFile(file: string, others: Record<string, string | undefined>): void {
  if (file === '-')
    throw new UsageError(
      '--dead-letter - is not stdout; give the path of a file for the refused logs',
    );
  outFolder(file, '--dead-letter');
  for (const [flag, other] of Object.entries(others))
    if (other !== undefined && other !== '-' && path.resolve(other) === path.resolve(file))
      throw new UsageError(
        `--dead-letter and ${flag} name the same file ${file}; give the dead letter a file of its own`,
      );
}

function outFolder(file: string, flag = '--out'): void {
  let isItself = false;
  try {
    isItself = statSync(file).isDirectory();
  } catch {
    // absent (created by the run) or unreadable (the run says why)
  }
  if (isItself) throw new UsageError(`${flag} ${file} is a folder; give the path of a file`);
  const dir = path.dirname(path.resolve(file));
  let isFolder: boolean;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder)
    throw new UsageError(`${flag} ${file}: the folder ${dir} does not exist; create it first`);
}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read --ca-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`Expected --ca-file ${file} to hold a PEM certificate`);
  }
  return pem;
}
