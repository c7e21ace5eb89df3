import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type CommandSpec, numberFlag, type ParsedArgs, stringFlag } from '../args';
import { isArgumentError } from '../../errors';
import { isLogId } from '../../auth0/log-id';
import { type CliIo, UsageError } from '../io';
import { commandConfig } from '../command-config';
import { credentials, credentialOptions } from '../credentials';
import { type ShipConfig, shipLogs } from './run';
import { usageMessage } from './usage';
import { SHIPPER_FAILURE_POLICIES, type ShipperFailurePolicy } from '../../pipeline/promise';
import { LIMITS } from '../../options/limits';
import { START_FROM_MAX_AHEAD_MS } from '../../options/paging';
import { resolveProcessorOptions, type ResolvedOptions } from '../../options/processor';
import { defaultStatePath } from './state-path';
import { shipRecord } from './state-destination';
import { regularFileName } from '../../destinations/stdout';
import { SHAPE_OPTIONS, shapeFlags } from '../shape-flags';
import { rangeOptions } from './range';
import {
  checkDestinationFlags,
  DESTINATION_OPTIONS,
  destinationsOf,
  outFolder,
} from './destination-flags';

/** Flags of `auth0-log-tools ship`. */
export const SHIP_COMMAND: CommandSpec = {
  name: 'ship',
  summary:
    "Ship a tenant's logs to stdout, a file, an HTTP endpoint, Splunk, Datadog, Elasticsearch or S3, resuming from the checkpoint in a state file.",
  options: [
    ...credentialOptions(),
    ...DESTINATION_OPTIONS,
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
    ...SHAPE_OPTIONS,
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
      name: 'since',
      type: 'string',
      value: '<date|30m|6h|2d>',
      description:
        'Ship the logs dated from this ISO date, or this long before now, and stop at --until (or now); without --state nothing is stored',
      default: 'none',
    },
    {
      name: 'until',
      type: 'string',
      value: '<date|1h|log_id>',
      description:
        'Ship the logs dated before this ISO date, or this long before now (1h), or up to this log_id, and stop; without --state nothing is stored',
      default: 'none',
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
      name: 'log-format',
      type: 'string',
      value: '<text|json>',
      description:
        "With --follow, one line per poll (and one per --interval while catching up) on stderr: words when stderr is not a terminal, or JSON objects anywhere (serve's run lines)",
      default: 'text',
    },
    {
      name: 'metrics-port',
      type: 'string',
      value: '<n>',
      description:
        "With --follow, serve /metrics (Prometheus, serve's metric names; needs prom-client) and /healthz on this port; 0 picks a free one",
      default: 'off',
    },
    {
      name: 'metrics-host',
      type: 'string',
      value: '<address>',
      description: 'The address /metrics and /healthz listen on (0.0.0.0 for every interface)',
      default: '127.0.0.1',
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
    'With --since or --until, ship ships exactly the logs whose date is in the range (a log written',
    'late included) and stops; without --state it stores nothing, with one it resumes the range.',
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
  const parsed = commandConfig(argv, io, SHIP_COMMAND, (args) =>
    shipConfig(args, io.env, io.timing?.now, regularFileName(io.stdout)),
  );
  return 'exit' in parsed ? parsed.exit : shipLogs(parsed.config, io);
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
  const destinationFlags = checkDestinationFlags(args);
  const out = destinationFlags.out;

  const follow = args.follow === true;
  const interval = numberFlag(args, 'interval', { min: 0, exclusiveMin: true });
  if (interval !== undefined && !follow) throw new UsageError('--interval needs --follow');
  const watch = watchFlags(args, follow);
  const { level, batchSize, maxRetries, backfillCursors } = processorNumbers(args);
  const startFromFlag = stringFlag(args, 'start-from');
  if (startFromFlag !== undefined) notInFuture(startFromFlag, now());
  const since = stringFlag(args, 'since');
  const untilFlag = stringFlag(args, 'until');
  const { startFrom, until } = rangeOptions(
    { since, until: untilFlag, startFrom: startFromFlag, follow },
    now(),
  );
  // a range given without --state is shipped without one: nothing is stored
  const ranged = since !== undefined || untilFlag !== undefined;
  const onBatchFailure = failurePolicyFlag(stringFlag(args, 'on-batch-failure'));
  const deadLetter = stringFlag(args, 'dead-letter');
  if (deadLetter !== undefined)
    deadLetterFile(deadLetter, { '--out': out, '--state': stringFlag(args, 'state') });
  const types = stringFlag(args, 'types');
  const shape = shapeFlags(args, env);
  const caFile = stringFlag(args, 'ca-file');
  const { domain, clientId, clientSecret } = credentials(args, env);
  const ca = caFile === undefined ? undefined : readCa(caFile);
  // last: a --to destination holds connections, so nothing may fail after it is made
  const { destination, also } = destinationsOf(destinationFlags, env, domain, ca, stdoutFile, now);
  const stateFlagValue = stringFlag(args, 'state');
  const defaultState =
    stateFlagValue === undefined && !ranged
      ? defaultStatePath(env, domain, shipRecord(destination, also))
      : undefined;
  const state = stateFlagValue ?? defaultState?.path;
  return {
    domain,
    clientId,
    clientSecret,
    destination,
    ...(also.length ? { also } : {}),
    ...(state === undefined ? {} : { state }),
    ...(defaultState?.note === undefined ? {} : { stateNote: defaultState.note }),
    maxRunTimeSeconds: numberFlag(args, 'max-run-time', { min: 0, exclusiveMin: true }) ?? Infinity,
    follow,
    intervalSeconds: interval ?? 10,
    quiet: args.quiet === true,
    json: args.json === true,
    ...watch,
    ...(types === undefined ? {} : { logTypes: logTypes(types) }),
    ...(level === undefined ? {} : { logLevel: level }),
    ...shape,
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(maxRetries === undefined ? {} : { maxRetries }),
    ...(backfillCursors === undefined ? {} : { backfillCursors }),
    ...(startFrom === undefined ? {} : { startFrom }),
    ...(until === undefined ? {} : { until }),
    ...(ca === undefined ? {} : { ca }),
    ...(onBatchFailure === undefined ? {} : { onBatchFailure }),
    ...(deadLetter === undefined ? {} : { deadLetter }),
  };
}

/** `--log-format`, `--metrics-port` and `--metrics-host`: each of them needs `--follow`. */
function watchFlags(
  args: ParsedArgs,
  follow: boolean,
): Pick<ShipConfig, 'logFormat' | 'metricsPort' | 'metricsHost'> {
  const format = stringFlag(args, 'log-format');
  if (format !== undefined && format !== 'text' && format !== 'json')
    throw new UsageError(`Expected --log-format to be text or json, got '${format}'`);
  const port = numberFlag(args, 'metrics-port', { integer: true, ...LIMITS.port });
  const host = stringFlag(args, 'metrics-host');
  if (host !== undefined && port === undefined)
    throw new UsageError('--metrics-host needs --metrics-port');
  for (const [flag, value] of [
    ['--log-format', format],
    ['--metrics-port', port],
  ] as const)
    if (value !== undefined && !follow)
      throw new UsageError(
        `${flag} needs --follow (without it, ship ends once caught up: read its summary, --json)`,
      );
  return {
    ...(format === undefined ? {} : { logFormat: format }),
    ...(port === undefined ? {} : { metricsPort: port }),
    ...(host === undefined ? {} : { metricsHost: host }),
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
export function processorNumbers(args: ParsedArgs) {
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

/** `--types`: codes separated by commas (`+code` for one the catalog does not know yet). */
export function logTypes(value: string): string[] {
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

/** `--ca-file`: the PEM it holds; a usage error naming the flag when unreadable or not a PEM. */
export function readCa(file: string): string {
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
