import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type CommandSpec, numberFlag, type ParsedArgs, stringFlag } from '../args';
import { type CliIo, UsageError } from '../io';
import { commandConfig } from '../command-config';
import { RECEIVER_DEFAULTS } from '../../receive/server';
import { parseListen } from '../../receive/listen';
import { RECONCILE_DEFAULTS } from '../../receive/reconcile';
import {
  checkDestinationFlags,
  DESTINATION_OPTIONS,
  destinationsOf,
  outFolder,
} from '../ship/destination-flags';
import { regularFileName } from '../../destinations/stdout';
import { type ReceiveConfig, receiveLogs } from './run';
import { credentials, credentialOptions } from '../credentials';
import { SHAPE_OPTIONS, shapeFlags } from '../shape-flags';

/** The variable holding the stream's Authorization token (never a flag: flags show in `ps`). */
export const STREAM_TOKEN_VARIABLE = 'AUTH0_LOG_STREAM_TOKEN';

/** Flags of `auth0-log-tools receive`. */
export const RECEIVE_COMMAND: CommandSpec = {
  name: 'receive',
  summary:
    "Receive a tenant's Auth0 Log Stream (custom webhook) and ship each log once to the destination, filling what the stream missed from the Management API.",
  options: [
    ...credentialOptions(', for reconciliation'),
    ...DESTINATION_OPTIONS,
    {
      name: 'state',
      type: 'string',
      value: '<file>',
      description:
        'The reconciled point (a checkpoint) and run history; the shipped log ids are kept beside it in <file>.shipped/',
      default: 'none: required',
    },
    {
      name: 'listen',
      type: 'string',
      value: '<host:port>',
      description:
        'Address to listen on; one other than loopback needs --tls-cert/--tls-key or --behind-tls-proxy',
      default: `${RECEIVER_DEFAULTS.host}:${RECEIVER_DEFAULTS.port}`,
    },
    {
      name: 'path',
      type: 'string',
      value: '<path>',
      description: "The path of the stream's Payload URL",
      default: RECEIVER_DEFAULTS.path,
    },
    {
      name: 'tls-cert',
      type: 'string',
      value: '<pem>',
      description: 'Serve HTTPS with this certificate chain (Auth0 needs a valid one)',
      default: 'HTTP',
    },
    {
      name: 'tls-key',
      type: 'string',
      value: '<pem>',
      description: 'The private key of --tls-cert',
      default: 'none',
    },
    {
      name: 'behind-tls-proxy',
      type: 'boolean',
      description: 'Allow plain HTTP on a non-loopback --listen: a proxy in front terminates TLS',
      default: 'off',
    },
    {
      name: 'body-limit',
      type: 'string',
      value: '<bytes>',
      description: 'Largest delivery accepted; larger ones are answered 413',
      default: String(RECEIVER_DEFAULTS.bodyLimit),
    },
    ...SHAPE_OPTIONS,
    {
      name: 'reconcile-interval',
      type: 'string',
      value: '<seconds>',
      description: 'Seconds between reconciliations (API reads filling what the stream missed)',
      default: String(RECONCILE_DEFAULTS.intervalSeconds),
    },
    {
      name: 'reconcile-settle',
      type: 'string',
      value: '<seconds>',
      description: 'How old a log must be before reconciliation ships it in place of the stream',
      default: String(RECONCILE_DEFAULTS.settleSeconds),
    },
    {
      name: 'retention-days',
      type: 'string',
      value: '<days>',
      description:
        "Days the shipped ids are kept for dropping duplicates (the tenant's log retention)",
      default: '30',
    },
    {
      name: 'start-from',
      type: 'string',
      value: '<log_id|date>',
      description: 'With no reconciled point yet: reconcile from this log_id or ISO date',
      default: 'the oldest log',
    },
    {
      name: 'ca-file',
      type: 'string',
      value: '<pem>',
      description: 'Also trust this CA for the Management API (the fake tenant)',
      default: 'system CAs only',
    },
  ],
  notes: [
    `The stream's Authorization token is read from ${STREAM_TOKEN_VARIABLE} (compared in constant time,`,
    'never printed); a request without it is answered 401 before its body is read. A delivery is',
    'answered 200 only once the destination acknowledged its logs (503 while it fails: Auth0 sends',
    'it again); a log already shipped is dropped. GET /metrics and /healthz on the same listener.',
    '--format, --pii and --categories apply to every log shipped, streamed or reconciled; a log of',
    'another category is dropped (answered 200). SIGTERM/SIGINT: stop accepting, answer the',
    'deliveries in flight, exit 0.',
    'Exit codes: 0 stopped by a signal, 1 failed, 2 bad usage, 3 the state is in use.',
    '',
    'Example:',
    `  ${STREAM_TOKEN_VARIABLE}='Bearer ...' AUTH0_DOMAIN=example.eu.auth0.com AUTH0_CLIENT_ID=... \\`,
    '    AUTH0_CLIENT_SECRET=... auth0-log-tools receive --listen 0.0.0.0:8080 --behind-tls-proxy \\',
    '    --path /auth0 --out logs.ndjson --state receive.json',
  ],
};

/** `auth0-log-tools receive`: resolves the exit code. */
export async function runReceive(argv: string[], io: CliIo): Promise<number> {
  const parsed = commandConfig(argv, io, RECEIVE_COMMAND, (args) =>
    receiveConfig(args, io.env, regularFileName(io.stdout)),
  );
  return 'exit' in parsed ? parsed.exit : receiveLogs(parsed.config, io);
}

/** Validates the flags and environment into a {@link ReceiveConfig}; throws a `UsageError`. */
export function receiveConfig(
  args: ParsedArgs,
  env: CliIo['env'],
  stdoutFile?: string,
): ReceiveConfig {
  const destinationFlags = checkDestinationFlags(args);
  const state = stringFlag(args, 'state');
  if (state === undefined)
    throw new UsageError(
      'Pass --state <file>: the reconciled point is stored there and the shipped log ids beside it',
    );
  outFolder(state, '--state');
  const { host, port } = listenFlag(stringFlag(args, 'listen'));
  const path = stringFlag(args, 'path') ?? RECEIVER_DEFAULTS.path;
  if (!path.startsWith('/') || /[?#\s]/.test(path))
    throw new UsageError(
      `Expected --path to start with / and hold no ?, # or space, got '${path}'`,
    );
  const certFile = stringFlag(args, 'tls-cert');
  const keyFile = stringFlag(args, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('Pass --tls-cert and --tls-key together');
  const tls =
    certFile === undefined
      ? undefined
      : { cert: readPem(certFile, '--tls-cert'), key: readPem(keyFile as string, '--tls-key') };
  const proxy = args['behind-tls-proxy'] === true;
  if (tls && proxy)
    throw new UsageError('Pass --tls-cert/--tls-key or --behind-tls-proxy, not both');
  // required on loopback too: a proxy on this machine puts a loopback listener on the internet
  const token = env[STREAM_TOKEN_VARIABLE] || undefined;
  if (token === undefined)
    throw new UsageError(
      `Set ${STREAM_TOKEN_VARIABLE} to the stream's Authorization token (the value set in the Auth0 stream's Authorization Token field, e.g. 'Bearer <random>'), so that only Auth0 can post: a listener on 127.0.0.1 behind a proxy is as reachable as any`,
    );
  if (!isLoopback(host) && !tls && !proxy)
    throw new UsageError(
      `--listen ${host} is reachable from other machines: Auth0 posts over HTTPS only, so pass --tls-cert and --tls-key, or --behind-tls-proxy when a proxy in front terminates TLS`,
    );
  const bodyLimit =
    numberFlag(args, 'body-limit', { integer: true, min: 1024 }) ?? RECEIVER_DEFAULTS.bodyLimit;
  const interval =
    numberFlag(args, 'reconcile-interval', { min: 0, exclusiveMin: true }) ??
    RECONCILE_DEFAULTS.intervalSeconds;
  const settle =
    numberFlag(args, 'reconcile-settle', { min: 0 }) ?? RECONCILE_DEFAULTS.settleSeconds;
  const retentionDays = numberFlag(args, 'retention-days', { min: 1, max: 365 }) ?? 30;
  const startFrom = stringFlag(args, 'start-from');
  if (startFrom !== undefined && !/^\d{56}$/.test(startFrom) && Number.isNaN(Date.parse(startFrom)))
    throw new UsageError(
      `Expected --start-from to be a log_id (56 digits) or an ISO date, got '${startFrom}'`,
    );
  const shape = shapeFlags(args, env);
  const caFile = stringFlag(args, 'ca-file');
  const { domain, clientId, clientSecret } = credentials(args, env, ' (for reconciliation)');
  const ca = caFile === undefined ? undefined : readPem(caFile, '--ca-file');
  // last: a --to destination holds connections, so nothing may fail after it is made
  const { destination, also } = destinationsOf(destinationFlags, env, domain, ca, stdoutFile);
  return {
    domain,
    clientId,
    clientSecret,
    destination,
    ...(also.length ? { also } : {}),
    state,
    host,
    port,
    path,
    bodyLimit,
    reconcileIntervalSeconds: interval,
    reconcileSettleSeconds: settle,
    retentionDays,
    ...shape,
    ...(ca === undefined ? {} : { ca }),
    token,
    ...(tls === undefined ? {} : { tls }),
    ...(startFrom === undefined ? {} : { startFrom }),
  };
}

/** `--listen host:port` (`[::1]:8080` for IPv6; `:8080` the default host). */
function listenFlag(value: string | undefined): { host: string; port: number } {
  if (value === undefined) return { host: RECEIVER_DEFAULTS.host, port: RECEIVER_DEFAULTS.port };
  const listen = parseListen(value, RECEIVER_DEFAULTS.host);
  if (!listen)
    throw new UsageError(
      `Expected --listen to be <host>:<port> (e.g. 127.0.0.1:8080, [::1]:8080), got '${value}'`,
    );
  return listen;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function readPem(file: string, flag: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (!pem.includes('-----BEGIN ')) throw new UsageError(`Expected ${flag} ${file} to hold PEM`);
  return pem;
}
