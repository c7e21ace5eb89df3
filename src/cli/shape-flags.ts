import { type OptionSpec, type ParsedArgs, stringFlag } from './args';
import { type CliIo, UsageError } from './io';
import { isArgumentError } from '../errors';
import { resolveProcessorOptions } from '../options/processor';
import { PII_KEY_MIN_LENGTH, PII_KEY_VARIABLE } from '../options/shape';
import { PII_FIELDS, PII_MASK, type PiiMethod } from '../pipeline/shape/pii';
import type { LogFormat } from '../pipeline/shape/format';
import { usageMessage } from './ship/usage';

/** `--categories`, `--format`, `--pii` and `--pii-method`: the same flags for `ship` and `receive`. */
export const SHAPE_OPTIONS: OptionSpec[] = [
  {
    name: 'categories',
    type: 'string',
    value: '<list>',
    description:
      'Also every type of these Auth0 Log Streams categories, comma-separated, e.g. auth.login.fail,user.fail (see docs/shaping.md)',
    default: 'none',
  },
  {
    name: 'format',
    type: 'string',
    value: '<raw|stream>',
    description:
      'Each log as the API returns it (raw) or as Auth0\'s Log Streams send it: {"log_id", "data": log} (stream)',
    default: 'raw',
  },
  {
    name: 'pii',
    type: 'string',
    value: '<fields>',
    description: `Hide these personal data fields, comma-separated: ${PII_FIELDS.join(', ')} (docs/shaping.md says where)`,
    default: 'none',
  },
  {
    name: 'pii-method',
    type: 'string',
    value: '<mask|hash>',
    description: `With --pii: write ${PII_MASK} or the value's HMAC-SHA-256 keyed with $${PII_KEY_VARIABLE} (same user, same hash)`,
    default: 'mask',
  },
];

/** The shaping options the flags give, as `LogsProcessorOptions` takes them (none: `{}`). */
export interface ShapeFlags {
  /** `--format`. */
  format?: LogFormat;
  /** `--pii`: the fields to hide. */
  pii?: string[];
  /** `--pii-method`. */
  piiMethod?: PiiMethod;
  /** The `hash` key, from {@link PII_KEY_VARIABLE} (a secret). */
  piiKey?: string;
  /** `--categories`: Log Streams filter categories. */
  categories?: string[];
}

/**
 * `--format`, `--pii`, `--pii-method` and `--categories`, checked by the library's own resolvers
 * (their errors reworded to name the flag); the `hash` key from {@link PII_KEY_VARIABLE}, never
 * quoted. Throws a `UsageError`.
 */
export function shapeFlags(args: ParsedArgs, env: CliIo['env']): ShapeFlags {
  const format = stringFlag(args, 'format');
  const pii = stringFlag(args, 'pii');
  const piiMethod = stringFlag(args, 'pii-method');
  const categories = stringFlag(args, 'categories');
  if (piiMethod !== undefined && pii === undefined)
    throw new UsageError('--pii-method needs --pii (the fields to hide)');
  const piiKey = piiMethod === 'hash' ? env[PII_KEY_VARIABLE] : undefined;
  if (piiMethod === 'hash' && (piiKey === undefined || piiKey.length < PII_KEY_MIN_LENGTH))
    throw new UsageError(
      `--pii-method hash needs ${PII_KEY_VARIABLE} set to a secret key of at least ${PII_KEY_MIN_LENGTH} characters (e.g. from \`openssl rand -hex 32\`)${piiKey === undefined ? '' : `; it holds ${piiKey.length}`}`,
    );
  const given = { format, pii, piiMethod, categories };
  try {
    resolveProcessorOptions({ ...given, ...(piiKey === undefined ? {} : { piiKey }) });
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    const option = error.option as keyof typeof given | undefined;
    throw new UsageError(usageMessage(error, option === undefined ? undefined : given[option]));
  }
  const split = (value: string) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  return {
    ...(format === undefined ? {} : { format: format as LogFormat }),
    ...(pii === undefined ? {} : { pii: split(pii) }),
    ...(piiMethod === undefined ? {} : { piiMethod: piiMethod as PiiMethod }),
    ...(piiKey === undefined ? {} : { piiKey }),
    ...(categories === undefined ? {} : { categories: split(categories) }),
  };
}
