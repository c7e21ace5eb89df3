import { createSecretKey } from 'node:crypto';
import { checkLogCategory } from '../pipeline/filter';
import { nearest } from '../util/nearest';
import { LOG_FORMATS, type LogFormat } from '../pipeline/shape/format';
import { PII_FIELDS, type PiiConfig, type PiiField, type PiiMethod } from '../pipeline/shape/pii';
import type { LogShape } from '../pipeline/shape/shape';
import { ArgumentError } from '../errors';
import { blank, invalid, unquoted } from './check';

/** The environment variable `ship` and `serve` read the `hash` key from. */
export const PII_KEY_VARIABLE = 'AUTH0_LOG_TOOLS_PII_KEY';

/** Fewest characters of a `piiKey` (a random key: `openssl rand -hex 32` gives 64). */
export const PII_KEY_MIN_LENGTH = 16;

/** The shaping options, as `LogsProcessorOptions` takes them. */
export interface ShapeOptions {
  /**
   * How each log reaches the handler: `'raw'`, as Auth0's API returns it, or `'stream'`, as Auth0's
   * Log Streams send it: `{ log_id, data: log }` (a `LogStreamRecord`; the handler's `logs` are
   * typed `LogEvent[]`, read them as `ShippedLog[]`), so rules written for Log Streams (`data.type`,
   * `data.ip`) work unchanged. Every destination of `destinations` accepts both.
   * @default 'raw'
   */
  format?: LogFormat | string;
  /**
   * Personal data to hide before the handler sees a log (and in the dead letter): Auth0's
   * `pii_config` fields `first_name`, `last_name`, `username`, `email`, `phone`, `address`, plus
   * `ip` and `user_agent`; an array or `'email,username'`. Which keys each one touches is in
   * docs/shaping.md.
   * @default none
   * @example { pii: ['email', 'username'], piiMethod: 'hash', piiKey: process.env.AUTH0_LOG_TOOLS_PII_KEY }
   */
  pii?: readonly string[] | string | null;
  /** `'mask'` writes `******` in place of a value; `'hash'` its HMAC-SHA-256 (hex) under `piiKey`. @default 'mask' */
  piiMethod?: PiiMethod | string;
  /**
   * The HMAC key of `piiMethod: 'hash'`, at least 16 characters (a secret: never in an error, the
   * status or `util.inspect`). One key gives one user the same hash in every run and destination.
   */
  piiKey?: string;
  /**
   * Log Streams filter categories to ship (`auth.login.fail`, `user.fail`, `management.fail`, ...;
   * `LOG_CATEGORIES` lists them with their type codes): an array or a comma-separated string. Added
   * to `logTypes` and `logLevel` (a log any of them keeps is shipped).
   * @default all
   */
  categories?: readonly string[] | string | null;
}

function list(name: string, raw: unknown, what: string): string[] | undefined {
  if (blank(raw) || raw === '-') return undefined;
  const items =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : raw;
  if (!Array.isArray(items) || !items.every((t) => typeof t === 'string' && t.length > 0))
    throw invalid(name, what, raw);
  return items.length ? [...new Set(items as string[])] : undefined;
}

/** `format`: `raw` (default) or `stream`. */
export function formatOption(raw: unknown): LogFormat {
  if (raw === undefined || raw === null || raw === '') return 'raw';
  const format = LOG_FORMATS.find((f) => f === raw);
  if (format) return format;
  throw invalid('format', LOG_FORMATS.map((f) => `'${f}'`).join(' or '), raw);
}

/** `categories`: checked names (an unknown one is refused naming the nearest), or `[]`. */
export function categoriesOption(raw: unknown): string[] {
  const names = list('categories', raw, 'an array of Log Streams categories');
  return (names ?? []).map((name) => checkLogCategory('categories', name));
}

/** `pii`, `piiMethod` and `piiKey` as one {@link PiiConfig}, or `undefined` without `pii`. */
export function piiOption(o: { pii?: unknown; piiMethod?: unknown; piiKey?: unknown }) {
  const method = piiMethodOption(o.piiMethod);
  const fields = list('pii', o.pii, `an array of ${PII_FIELDS.join(', ')}`)?.map(piiField);
  if (!fields) return undefined;
  return { fields, method, key: method === 'hash' ? piiKeyOption(o.piiKey) : undefined };
}

function piiMethodOption(raw: unknown): PiiMethod {
  if (raw === undefined || raw === null || raw === '') return 'mask';
  if (raw === 'mask' || raw === 'hash') return raw;
  throw invalid('piiMethod', "'mask' or 'hash'", raw);
}

function piiField(name: string): PiiField {
  const field = PII_FIELDS.find((f) => f === name);
  if (field) return field;
  const near = nearest(name, PII_FIELDS);
  throw new ArgumentError(
    `\`${name}\` is not a PII field (\`pii\`)${near ? `; did you mean \`${near}\`?` : ''}: the fields are ${PII_FIELDS.join(', ')}`,
    'pii',
  );
}

function piiKeyOption(raw: unknown): PiiConfig['key'] {
  if (raw === undefined || raw === null || raw === '')
    throw unquoted(
      'piiKey',
      `set (\`piiMethod: 'hash'\` needs a secret key of at least ${PII_KEY_MIN_LENGTH} characters; ship and serve read ${PII_KEY_VARIABLE})`,
    );
  if (typeof raw !== 'string' || raw.length < PII_KEY_MIN_LENGTH)
    throw invalid('piiKey', `a string of at least ${PII_KEY_MIN_LENGTH} characters`, raw, {
      secret: true,
    });
  return createSecretKey(Buffer.from(raw, 'utf8'));
}

/** The shape of a run: `format` and `pii`, resolved. */
export function shapeOption(o: {
  [K in keyof ShapeOptions]?: ShapeOptions[K] | undefined;
}): LogShape {
  return { format: formatOption(o.format), pii: piiOption(o) };
}
