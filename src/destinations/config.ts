import { ArgumentError } from '../errors';
import { datadog } from './datadog';
import { elastic } from './elastic';
import { file } from './file';
import type { DestinationHandler } from './handler';
import { didYouMean, type OptionName } from './options';
import { post, postOptions } from './post';
import { s3 } from './s3';
import { splunk } from './splunk';
import { type TextOutput, stdout } from './stdout';

/**
 * A destination as plain data (the CLI's `--to kind:address` and `--to-option key=value`, its
 * `--out` and `--post`, or a `serve` configuration). Secrets are never part of it: they come from
 * the environment (`post`'s headers excepted: they are its credentials, masked in every message).
 * @example { kind: 'splunk', address: 'https://hec.example.com:8088', options: { index: 'auth0' } }
 */
export interface DestinationConfig {
  kind: string;
  /**
   * `splunk`, `elastic` and `post`: a URL; `datadog`: a site or URL; `s3`: `s3://bucket/prefix`;
   * `file`: a path; `stdout`: none (ignored).
   */
  address?: string;
  /** The kind's options, by name; strings such as `'true'` and `'500'` are accepted. */
  options?: Record<string, unknown>;
}

/** What a configuration is resolved with. */
export interface DestinationContext {
  /** Where secrets (and AWS settings) are read from. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * The tenant's domain; the S3 key's tenant segment (`host:port` as `host_port`) unless the
   * `tenant` option is set.
   */
  tenant?: string;
  /** A private CA for the HTTP destinations (`post` trusts it besides Node's roots). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** How messages name the address. @default 'address' */
  addressName?: string;
  /** How messages name an option. @default (key) => `options.${key}` */
  optionName?: (key: string) => string;
  /** `post`: masks other secrets (the CLI's client secret) in its messages. */
  redact?: (text: string) => string;
  /** `file`: told of a cut partial line or a reopened file. */
  onNote?: (note: string) => void;
  /** `stdout`: where its NDJSON goes. @default process.stdout */
  stdout?: TextOutput;
  /** `stdout`: called once when the reader closed it. */
  onClosed?: () => void;
  /** `s3`: the clock (epoch ms) its `objectMaxSeconds` is measured with. @default Date.now */
  now?: () => number;
}

/** What a row's `create` is given: the configuration checked against the row, and its context. */
export interface SpecInput {
  /** The configuration's address (`''` for a kind that takes none). */
  address: string;
  /** The configuration's options, every key one of the row's `options`. */
  options: Record<string, unknown>;
  /** The row's secrets read from the environment, by factory option (`token`), when set. */
  secrets: Record<string, string>;
  /** How a message names a factory option: the address, its variable or the configured name. */
  label: OptionName;
  context: DestinationContext;
  env: Record<string, string | undefined>;
}

/** One row of {@link DESTINATION_SPECS}: one kind of destination. */
export interface DestinationSpec {
  /** The factory option the address fills; absent: the kind takes no address (`stdout`). */
  address?: string;
  /** Options a configuration may set. */
  options: readonly string[];
  /** Factory options filled from the environment, with the variable that fills each. */
  secrets: Readonly<Record<string, string>>;
  /**
   * Whether `--to <kind>:` and a `serve` tenant's destination entry may name it ({@link
   * DESTINATION_KINDS}); `file`, `stdout` and `post` have their own flags (`--out`, `--post`)
   * and key (`post`).
   */
  configurable: boolean;
  /** Builds the handler. @throws ArgumentError naming the address or option at fault */
  create(input: SpecInput): DestinationHandler;
}

const HTTP_OPTIONS = ['allowInsecureHttp', 'timeoutMs'];
const withCa = (context: DestinationContext) =>
  context.ca === undefined ? {} : { ca: context.ca };

const SPECS = {
  splunk: {
    address: 'url',
    options: ['source', 'sourcetype', 'index', 'host', 'maxRequestBytes', ...HTTP_OPTIONS],
    secrets: { token: 'SPLUNK_HEC_TOKEN' },
    configurable: true,
    create: ({ address, options, secrets, context, label }: SpecInput) =>
      splunk(
        { ...options, ...withCa(context), url: address, token: secrets['token'] ?? '' },
        label,
      ),
  },
  datadog: {
    address: 'site',
    options: ['service', 'tags', 'hostname', ...HTTP_OPTIONS],
    secrets: { apiKey: 'DD_API_KEY' },
    configurable: true,
    create: ({ address, options, secrets, context, label }: SpecInput) =>
      datadog(
        { ...options, ...withCa(context), site: address, apiKey: secrets['apiKey'] ?? '' },
        label,
      ),
  },
  elastic: {
    address: 'url',
    options: ['index', 'pipeline', 'maxRequestBytes', ...HTTP_OPTIONS],
    secrets: {
      apiKey: 'ELASTIC_API_KEY',
      username: 'ELASTIC_USERNAME',
      password: 'ELASTIC_PASSWORD',
    },
    configurable: true,
    create: ({ address, options, secrets, context, label }: SpecInput) =>
      elastic({ ...options, ...withCa(context), url: address, ...secrets }, label),
  },
  s3: {
    address: 'bucket',
    options: [
      'tenant',
      'region',
      'endpoint',
      'forcePathStyle',
      'allowInsecureHttp',
      'maxAttempts',
      'timeoutMs',
      'objectMaxLogs',
      'objectMaxBytes',
      'objectMaxSeconds',
    ],
    secrets: {},
    configurable: true,
    create: ({ address, options, env, context, label }: SpecInput) =>
      s3(
        {
          ...s3Options(address, options, env, context),
          ...(context.now === undefined ? {} : { now: context.now }),
        },
        label,
      ),
  },
  file: {
    address: 'path',
    options: [],
    secrets: {},
    configurable: false,
    create: ({ address, context }: SpecInput) =>
      file({
        path: address,
        ...(context.onNote === undefined ? {} : { onNote: context.onNote }),
      }),
  },
  stdout: {
    options: [],
    secrets: {},
    configurable: false,
    create: ({ context }: SpecInput) =>
      stdout({
        ...(context.stdout === undefined ? {} : { stream: context.stdout }),
        ...(context.onClosed === undefined ? {} : { onClosed: context.onClosed }),
        ...(context.onNote === undefined ? {} : { onNote: context.onNote }),
      }),
  },
  post: {
    address: 'url',
    options: ['headers', 'timeoutMs', 'credentialsIn'],
    secrets: {},
    configurable: false,
    create: ({ address, options, context, label }: SpecInput) =>
      post({
        ...postOptions(address, options, label, context.redact),
        // named settings (a serve tenant's keys): its advice names them, not the CLI's flags
        ...(context.optionName === undefined
          ? {}
          : { names: { url: label('url'), headers: label('headers') } }),
        // a serve tenant's `ca` may sign its collector too
        ...(typeof context.ca === 'string' ? { ca: context.ca } : {}),
      }),
  },
} satisfies Record<string, DestinationSpec>;

/** Every kind of {@link DESTINATION_SPECS}. */
export type AnyDestinationKind = keyof typeof SPECS;

type ConfigurableKind = {
  [K in AnyDestinationKind]: (typeof SPECS)[K]['configurable'] extends true ? K : never;
}[AnyDestinationKind];

/**
 * Every destination, one row per kind: the address, the settable options, the environment
 * variables of its secrets, whether a configuration may name it, and how to build its handler.
 * `createDestination` builds every kind from here, so the CLI (`--out`, `--post`, `--to`) and
 * `serve` only pick a row by name.
 *
 * Adding a destination takes one file and one row:
 * 1. `src/destinations/<kind>.ts` exports a factory returning a `DestinationHandler` (wrap the send
 *    function with `destinationHandler` from `handler.ts`) that rejects with a `DestinationError`
 *    (`permanent` when retrying cannot help, `status`, `retryAfterMs`, `systemCode`; an HTTP one
 *    sends through `http-sender.ts`, whose network errors already are; `util/system-codes.ts`
 *    says which system codes are permanent). It checks its options with `options.ts`.
 * 2. A row here: `address` (the factory option the address fills), `options`, `secrets` (factory
 *    option -> environment variable), `configurable`, and `create` mapping the checked
 *    configuration onto the factory's options.
 *
 * With `configurable: true` the rest follows from the row: `--to <kind>:<address>` and
 * `--to-option` (cli/ship/to.ts), the masking of its secret variables (cli/ship/run.ts), a `serve`
 * tenant's `<kind>:` entry and its `secrets` (cluster/config.ts, cluster/tenants.ts). Only the
 * help text of `ship --to` (cli/ship/command.ts, cli/cli.ts) names the kinds by hand, to advertise
 * it. `test/destinations/contract.test.ts` checks that every row builds a handler of the contract
 * (add the new kind's permanent failure there).
 */
export const DESTINATION_SPECS: Readonly<Record<AnyDestinationKind, DestinationSpec>> =
  Object.freeze(SPECS);

/**
 * The kinds a configuration can name (`--to <kind>:`, a `serve` tenant's destination entry): the
 * rows of {@link DESTINATION_SPECS} marked `configurable`.
 */
export const DESTINATION_KINDS: readonly ConfigurableKind[] = Object.freeze(
  (Object.keys(DESTINATION_SPECS) as AnyDestinationKind[]).filter(
    (kind): kind is ConfigurableKind => DESTINATION_SPECS[kind].configurable,
  ),
);

/** One of {@link DESTINATION_KINDS}. */
export type DestinationKind = ConfigurableKind;

function isKind(kind: string): kind is AnyDestinationKind {
  return Object.hasOwn(DESTINATION_SPECS, kind);
}

/**
 * Builds a destination's handler from plain data, reading its secrets from `context.env`
 * (`SPLUNK_HEC_TOKEN`, `DD_API_KEY`, `ELASTIC_API_KEY` or `ELASTIC_USERNAME`/`ELASTIC_PASSWORD`;
 * S3 uses the AWS SDK's chain, with `AWS_REGION` and `AWS_ENDPOINT_URL_S3` read here too).
 * @throws ArgumentError naming the address, the option or the environment variable at fault
 */
export function createDestination(
  config: DestinationConfig,
  context: DestinationContext = {},
): DestinationHandler {
  const env = context.env ?? process.env;
  const addressName = context.addressName ?? 'address';
  const optionName = context.optionName ?? ((key: string) => `options.${key}`);
  if (typeof config !== 'object' || config === null) {
    throw new ArgumentError('Expected a destination `{ kind, address, options }`', 'kind');
  }
  const kind = String(config.kind);
  if (!isKind(kind)) {
    throw new ArgumentError(
      `Unknown destination kind ${JSON.stringify(config.kind)}; expected one of ${Object.keys(DESTINATION_SPECS).join(', ')}`,
      'kind',
    );
  }
  const spec: DestinationSpec = DESTINATION_SPECS[kind];
  const options = { ...(config.options ?? {}) };
  for (const key of Object.keys(options)) {
    const variable = spec.secrets[key];
    if (variable) {
      throw new ArgumentError(
        `\`${optionName(key)}\` is not accepted: a secret comes from the environment variable ${variable}`,
        key,
      );
    }
    if (!spec.options.includes(key)) {
      throw new ArgumentError(
        `Unknown option \`${optionName(key)}\` for ${kind}; expected one of ${spec.options.join(', ')}${didYouMean(key, spec.options, optionName)}`,
        key,
      );
    }
  }
  const address = spec.address === undefined ? '' : config.address;
  if (typeof address !== 'string' || (spec.address !== undefined && address.trim() === '')) {
    throw new ArgumentError(`Expected \`${addressName}\` to name where ${kind} is`, 'address');
  }
  const label: OptionName = (name) =>
    name === spec.address || (kind === 's3' && name === 'prefix')
      ? addressName
      : (spec.secrets[name] ?? optionName(name));
  const secrets: Record<string, string> = {};
  for (const [key, variable] of Object.entries(spec.secrets)) {
    const value = env[variable];
    if (value !== undefined && value !== '') secrets[key] = value;
  }
  return spec.create({
    address,
    options,
    secrets,
    label,
    context: { ...context, addressName },
    env,
  });
}

function s3Options(
  address: string,
  options: Record<string, unknown>,
  env: Record<string, string | undefined>,
  context: DestinationContext,
) {
  const addressName = context.addressName ?? 'address';
  const match = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/.exec(address.trim());
  if (!match) {
    throw new ArgumentError(
      `Expected \`${addressName}\` to be s3://bucket/prefix, got ${JSON.stringify(address)}`,
      'address',
    );
  }
  const endpoint = options['endpoint'] ?? env['AWS_ENDPOINT_URL_S3'];
  const region = options['region'] ?? env['AWS_REGION'];
  return {
    ...options,
    bucket: match[1] as string,
    prefix: match[2] as string,
    tenant: (options['tenant'] ?? tenantSegment(context.tenant)) as string,
    ...(endpoint === undefined || endpoint === '' ? {} : { endpoint: endpoint as string }),
    ...(region === undefined || region === '' ? {} : { region: region as string }),
  };
}

/** A tenant domain as one key segment: `https://127.0.0.1:8443/` becomes `127.0.0.1_8443`. */
export function tenantSegment(domain: string | undefined): string | undefined {
  if (domain === undefined) return undefined;
  return domain
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_');
}
