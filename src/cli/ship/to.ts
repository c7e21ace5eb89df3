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
  /** The clock (epoch ms) of a destination that gathers logs by age (S3). */
  now?: () => number;
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
    throw new ArgumentError('`--to` given more than once: parse them with parseToList', 'to');
  }
  const value = (values[0] as string).trim();
  // `<kind>.<key>=<value>` as with several --to is taken too
  const prefix = `${splitTo(value).kind}.`;
  const own = options.map((o) =>
    o.trimStart().startsWith(prefix) ? o.trimStart().slice(prefix.length) : o,
  );
  return oneTo(value, settingsOf(own), env, context);
}

/**
 * Parses several `--to <kind>:<address>` (each one destination of a fan-out) and their
 * `--to-option`s. With one `--to`, as {@link parseTo}. With several, each `--to-option` names the
 * kind it is for, `<kind>.<key>=<value>` (`s3.objectMaxSeconds=600`), and goes to every `--to` of
 * that kind. Returns `[]` without `--to`. On an error, the destinations already made are closed.
 * @throws ArgumentError naming `--to`, `--to-option <key>` or the environment variable at fault
 */
export function parseToList(
  values: readonly string[],
  options: readonly string[],
  env: Record<string, string | undefined>,
  context: ToContext = {},
): ToDestination[] {
  if (values.length <= 1) {
    const one = parseTo(values, options, env, context);
    return one === undefined ? [] : [one];
  }
  const targets = values.map((value) => ({ value: value.trim(), ...splitTo(value.trim()) }));
  const byKind = new Map<string, string[]>();
  for (const option of options) {
    const dot = /^\s*([a-z0-9]+)\.([^=]*)=/i.exec(option);
    const kind = dot?.[1]?.toLowerCase();
    if (kind === undefined || !targets.some((t) => t.kind === kind)) {
      throw new ArgumentError(
        `With several \`--to\`, \`--to-option\` names the destination's kind: <kind>.<key>=<value> with a kind of ${[...new Set(targets.map((t) => t.kind))].join(', ')} (e.g. s3.objectMaxSeconds=600), got ${JSON.stringify(option)}`,
        'to-option',
      );
    }
    byKind.set(kind, [...(byKind.get(kind) ?? []), option.slice(option.indexOf('.') + 1)]);
  }
  const made: ToDestination[] = [];
  try {
    for (const target of targets)
      made.push(oneTo(target.value, settingsOf(byKind.get(target.kind) ?? []), env, context));
  } catch (error) {
    void Promise.allSettled(made.map((m) => m.handler.close()));
    throw error;
  }
  return made;
}

/** `--to-option key=value` as settings by key. */
function settingsOf(options: readonly string[]): Record<string, string> {
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
  return settings;
}

function oneTo(
  value: string,
  settings: Record<string, string>,
  env: Record<string, string | undefined>,
  context: ToContext,
): ToDestination {
  const { kind, address } = splitTo(value);
  const handler = createDestination(
    { kind, address, options: settings },
    {
      env,
      ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
      ...(context.ca === undefined ? {} : { ca: context.ca }),
      ...(context.now === undefined ? {} : { now: context.now }),
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
