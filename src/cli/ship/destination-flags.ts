import { statSync } from 'node:fs';
import path from 'node:path';
import { type OptionSpec, type ParsedArgs, stringFlag } from '../args';
import { isArgumentError } from '../../errors';
import {
  type DestinationConfig,
  type DestinationContext,
  type DestinationHandler,
  createDestination,
} from '../../destinations';
import type { PostOptions } from '../../destinations/post';
import { type CliIo, UsageError } from '../io';
import { postTarget, readHeaderFile } from './headers';
import { parseToList, type ToDestination } from './to';
import { fileWriteRefusal, folderWriteRefusal } from '../../util/writable';

/**
 * Where a command ships (`ship`, `receive`): the flags `--out`, `--post` (with `--header`,
 * `--header-file`) and `--to` (with `--to-option`), checked and built here once for both.
 */
export type ShipDestination =
  /** `file`: the regular file stdout is redirected to (`regularFileName`), when it is one. */
  | { kind: 'stdout'; file?: string }
  | { kind: 'file'; path: string }
  | { kind: 'post'; target: PostOptions }
  /** `--to`: a destination's handler, closed when the command ends. */
  | { kind: 'to'; to: ToDestination };

/** The flag naming each kind of destination, for messages and advice. */
export const DESTINATION_FLAGS: Record<ShipDestination['kind'], string> = {
  stdout: '--out',
  file: '--out',
  post: '--post',
  to: '--to',
};

/** The destination flags as `ship` and `receive` list them. */
export const DESTINATION_OPTIONS: OptionSpec[] = [
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
];

/** The destination flags, checked (before any credential is read or connection made). */
export interface DestinationFlags {
  out: string | undefined;
  post: string | undefined;
  headers: Array<{ flag: string; text: string }>;
  toValues: string[];
  toOptions: string[];
}

/**
 * Checks the destination flags: `--out` or `--post` (not both), each with any number of `--to`
 * (one read, every batch to each); `--header`/`--header-file` only with `--post`; an `--out` this
 * user can write. Throws a `UsageError` naming the flag.
 */
export function checkDestinationFlags(args: ParsedArgs): DestinationFlags {
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
  return { out, post, headers, toValues, toOptions };
}

/** Where the checked flags ship: the first destination, and the further `--to`s (a fan-out). */
export interface ShipDestinations {
  destination: ShipDestination;
  /** Further `--to` destinations each batch also goes to (one read, acknowledged once all stored it). */
  also: ToDestination[];
}

/**
 * The destinations the checked flags name: `--out` or `--post` first, then each `--to`. Call it
 * last: a `--to` destination holds connections, so nothing may fail after it is made. `tenant`
 * (the domain), `ca` and `now` (S3's object ages) go to `--to`'s handlers; `stdoutFile` is the
 * regular file stdout is redirected to, when it is one.
 */
export function destinationsOf(
  flags: DestinationFlags,
  env: CliIo['env'],
  tenant: string,
  ca: string | undefined,
  stdoutFile?: string,
  now: () => number = Date.now,
): ShipDestinations {
  const tos = toDestinations(flags.toValues, flags.toOptions, env, tenant, ca, now);
  const { out, post } = flags;
  const local = out !== undefined || post !== undefined;
  const to = local ? undefined : tos[0];
  const also = local ? tos : tos.slice(1);
  const destination: ShipDestination =
    to !== undefined
      ? { kind: 'to', to }
      : post !== undefined
        ? { kind: 'post', target: postTarget(post, flags.headers, env) }
        : out === undefined || out === '-'
          ? { kind: 'stdout', ...(stdoutFile === undefined ? {} : { file: stdoutFile }) }
          : { kind: 'file', path: out };
  return { destination, also };
}

/**
 * The destination's handler, picked by name from the spec table (`--to`: already built). A `file`
 * handler reopens its file on each `hangup` of `hangups` (SIGHUP, log rotation).
 */
export function openDestination(
  destination: ShipDestination,
  context: DestinationContext,
  hangups?: CliIo['hangups'],
): DestinationHandler {
  if (destination.kind === 'to') return destination.to.handler;
  const handler = createDestination(localDestination(destination), context);
  if (handler.reopen) hangups?.on('hangup', () => handler.reopen?.());
  return handler;
}

/** `--out` and `--post` as a row of the destination spec table names them. */
function localDestination(
  destination: Exclude<ShipDestination, { kind: 'to' }>,
): DestinationConfig {
  if (destination.kind === 'stdout') return { kind: 'stdout' };
  if (destination.kind === 'file') return { kind: 'file', address: destination.path };
  const { url, headers, credentialsIn } = destination.target;
  return {
    kind: 'post',
    address: url.href,
    options: {
      headers: headers ?? {},
      ...(credentialsIn === undefined ? {} : { credentialsIn }),
    },
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

/**
 * Refuses a `flag` file that is a folder, whose folder does not exist (it is never created behind
 * the user's back) or is a file, or that this user cannot write (checked before anything is fetched).
 */
export function outFolder(file: string, flag = '--out'): void {
  let isItself = false;
  try {
    isItself = statSync(file).isDirectory();
  } catch {
    // absent (created by the run) or unreadable (the run says why)
  }
  if (isItself) throw new UsageError(`${flag} ${file} is a folder; give the path of a file`);
  const dir = path.dirname(path.resolve(file));
  let isFolder: boolean | undefined; // undefined: nothing there
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    isFolder = undefined;
  }
  if (isFolder === false)
    throw new UsageError(
      `${flag} ${file}: ${dir} is a file, not a folder; give the path of a file in a folder`,
    );
  if (isFolder === undefined)
    throw new UsageError(`${flag} ${file}: the folder ${dir} does not exist; create it first`);
  const refused = fileWriteRefusal(file);
  if (refused)
    throw new UsageError(
      `${flag} ${file}: this user cannot write to the file (${refused}); give it write access (chown/chmod) or pick another file`,
    );
  const refusedFolder = folderWriteRefusal(dir);
  if (refusedFolder)
    throw new UsageError(
      `${flag} ${file}: this user cannot create files in the folder ${dir} (${refusedFolder}); give it write access (chown/chmod) or pick another folder`,
    );
}
