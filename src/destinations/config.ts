import { ArgumentError } from '../errors';
import { datadog } from './datadog';
import { elastic } from './elastic';
import type { DestinationHandler } from './handler';
import type { OptionName } from './options';
import { s3 } from './s3';
import { splunk } from './splunk';

/** The destinations a configuration can name. */
export const DESTINATION_KINDS = ['splunk', 'datadog', 'elastic', 's3'] as const;

/** One of {@link DESTINATION_KINDS}. */
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/**
 * A destination as plain data (the CLI's `--to kind:address` and `--to-option key=value`, or a
 * `serve` configuration). Secrets are never part of it: they come from the environment.
 * @example { kind: 'splunk', address: 'https://hec.example.com:8088', options: { index: 'auth0' } }
 */
export interface DestinationConfig {
  kind: string;
  /** `splunk` and `elastic`: a URL; `datadog`: a site or URL; `s3`: `s3://bucket/prefix`. */
  address: string;
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
  /** A private CA for the HTTP destinations. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** How messages name the address. @default 'address' */
  addressName?: string;
  /** How messages name an option. @default (key) => `options.${key}` */
  optionName?: (key: string) => string;
}

interface KindSpec {
  /** The factory option the address fills. */
  address: string;
  /** Options a configuration may set. */
  options: readonly string[];
  /** Factory options filled from the environment, with the variable that fills each. */
  secrets: Readonly<Record<string, string>>;
}

const HTTP_OPTIONS = ['allowInsecureHttp', 'timeoutMs'];

/** Per kind: the address, the settable options and the environment variables of its secrets. */
export const DESTINATION_SPECS: Readonly<Record<DestinationKind, KindSpec>> = Object.freeze({
  splunk: {
    address: 'url',
    options: ['source', 'sourcetype', 'index', 'host', 'maxRequestBytes', ...HTTP_OPTIONS],
    secrets: { token: 'SPLUNK_HEC_TOKEN' },
  },
  datadog: {
    address: 'site',
    options: ['service', 'tags', 'hostname', ...HTTP_OPTIONS],
    secrets: { apiKey: 'DD_API_KEY' },
  },
  elastic: {
    address: 'url',
    options: ['index', 'pipeline', 'maxRequestBytes', ...HTTP_OPTIONS],
    secrets: {
      apiKey: 'ELASTIC_API_KEY',
      username: 'ELASTIC_USERNAME',
      password: 'ELASTIC_PASSWORD',
    },
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
    ],
    secrets: {},
  },
});

function isKind(kind: string): kind is DestinationKind {
  return (DESTINATION_KINDS as readonly string[]).includes(kind);
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
      `Unknown destination kind ${JSON.stringify(config.kind)}; expected one of ${DESTINATION_KINDS.join(', ')}`,
      'kind',
    );
  }
  const spec = DESTINATION_SPECS[kind];
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
        `Unknown option \`${optionName(key)}\` for ${kind}; expected one of ${spec.options.join(', ')}`,
        key,
      );
    }
  }
  if (typeof config.address !== 'string' || config.address.trim() === '') {
    throw new ArgumentError(`Expected \`${addressName}\` to name where ${kind} is`, 'address');
  }
  const label: OptionName = (name) =>
    name === spec.address || (kind === 's3' && name === 'prefix')
      ? addressName
      : (spec.secrets[name] ?? optionName(name));
  const ca = context.ca === undefined ? {} : { ca: context.ca };
  const secrets: Record<string, string> = {};
  for (const [key, variable] of Object.entries(spec.secrets)) {
    const value = env[variable];
    if (value !== undefined && value !== '') secrets[key] = value;
  }
  switch (kind) {
    case 'splunk':
      return splunk(
        { ...options, ...ca, url: config.address, token: secrets['token'] ?? '' },
        label,
      );
    case 'datadog':
      return datadog(
        { ...options, ...ca, site: config.address, apiKey: secrets['apiKey'] ?? '' },
        label,
      );
    case 'elastic':
      return elastic({ ...options, ...ca, url: config.address, ...secrets }, label);
    case 's3':
      return s3({ ...s3Options(config.address, options, env, context, addressName) }, label);
  }
}

function s3Options(
  address: string,
  options: Record<string, unknown>,
  env: Record<string, string | undefined>,
  context: DestinationContext,
  addressName: string,
) {
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
