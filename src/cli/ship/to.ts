import { ArgumentError } from '../../errors';
import { type DestinationHandler, DESTINATION_KINDS, createDestination } from '../../destinations';

/** What `ship --to` resolves to. */
export interface ToDestination {
  /** The kind (`splunk`, `datadog`, `elastic`, `s3`). */
  kind: string;
  /** The handler to run the processor with; its `close()` releases connections. */
  handler: DestinationHandler;
  /** For messages: kind and address, never a credential. */
  describe: string;
}

/** What `--to` needs besides its flags. */
export interface ToContext {
  /** The tenant shipped from (the S3 key's tenant segment). */
  tenant?: string;
  /** A private CA to trust (the CLI's `--ca`). */
  ca?: string | Buffer | Array<string | Buffer>;
}

/**
 * Parses `--to <kind>:<address>` and the repeated `--to-option key=value` into a destination's
 * handler. Secrets come only from `env` (`SPLUNK_HEC_TOKEN`, `DD_API_KEY`, `ELASTIC_API_KEY` or
 * `ELASTIC_USERNAME`/`ELASTIC_PASSWORD`, the AWS SDK's chain). `s3://bucket/prefix` alone is
 * taken as `s3:s3://bucket/prefix`. Returns `undefined` when `--to` is absent (and no
 * `--to-option` is given).
 * @throws ArgumentError naming `--to`, `--to-option <key>` or the environment variable at fault
 */
export function parseTo(
  values: readonly string[],
  options: readonly string[],
  env: Record<string, string | undefined>,
  context: ToContext = {},
): ToDestination | undefined {
  if (values.length === 0) {
    if (options.length) {
      throw new ArgumentError('`--to-option` needs `--to <kind>:<address>`', 'to-option');
    }
    return undefined;
  }
  if (values.length > 1) {
    throw new ArgumentError('`--to` may be given once: ship to one destination per run', 'to');
  }
  const value = (values[0] as string).trim();
  const { kind, address } = splitTo(value);
  const settings: Record<string, string> = {};
  for (const option of options) {
    const at = option.indexOf('=');
    const key = at > 0 ? option.slice(0, at).trim() : '';
    if (!key) {
      throw new ArgumentError(
        `Expected \`--to-option\` as key=value, got ${JSON.stringify(option)}`,
        'to-option',
      );
    }
    if (key in settings) {
      throw new ArgumentError(`\`--to-option ${key}\` is given twice`, 'to-option');
    }
    settings[key] = option.slice(at + 1);
  }
  const handler = createDestination(
    { kind, address, options: settings },
    {
      env,
      ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
      ...(context.ca === undefined ? {} : { ca: context.ca }),
      addressName: `--to ${kind}:`,
      optionName: (key) => `--to-option ${key}`,
    },
  );
  return { kind, handler, describe: handler.destination };
}

function splitTo(value: string): { kind: string; address: string } {
  if (/^s3:\/\//i.test(value)) return { kind: 's3', address: value };
  const at = value.indexOf(':');
  const kind = at > 0 ? value.slice(0, at).toLowerCase() : '';
  if (!(DESTINATION_KINDS as readonly string[]).includes(kind)) {
    throw new ArgumentError(
      `Expected \`--to\` as <kind>:<address> with a kind of ${DESTINATION_KINDS.join(', ')}, got ${JSON.stringify(value)}`,
      'to',
    );
  }
  const address = value.slice(at + 1);
  if (!address) {
    throw new ArgumentError(`\`--to ${kind}:\` needs an address after the colon`, 'to');
  }
  return { kind, address };
}
