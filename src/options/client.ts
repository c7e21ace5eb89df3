import type { AxiosInstance } from 'axios';
import { DEFAULTS } from '../defaults';
import { ArgumentError } from '../errors';
import type { HttpOptions } from '../auth0/http';
import { loggerOption } from '../util/log';
import {
  functionOption,
  integerOption,
  invalid,
  invalidAs,
  methodsOption,
  show,
  maskingSecret,
} from './check';
import { LIMITS } from './limits';
import type { Logger, TokenCache } from '../types';

/** Options of `LogsApiClient`. Checked once, at construction; a bad value throws `ArgumentError`. */
export interface LogsApiClientOptions extends HttpOptions {
  /**
   * Tenant domain, e.g. `acme.eu.auth0.com`; may carry a port from 1 to 65535 (`127.0.0.1:8443`) and
   * an `https://` prefix. Always HTTPS.
   */
  domain: string;
  /** Client id of a machine-to-machine application with the `read:logs` scope. */
  clientId: string;
  /** Its client secret, sent exactly as given (no trimming). Never logged, never part of an error. */
  clientSecret: string;
  /**
   * Where the access token is kept between calls. A cached token is used only by a client of the
   * same `domain` and `clientId` (the client stores both beside it).
   * @default an in-memory cache
   */
  tokenCache?: TokenCache;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Receives debug output besides the `auth0-log-tools:client` debug namespace. */
  logger?: Partial<Logger>;
}

/** Every key of {@link LogsApiClientOptions}, for the unknown-key warning (the compiler keeps it whole). */
export const CLIENT_OPTION_KEYS = {
  domain: true,
  clientId: true,
  clientSecret: true,
  tokenCache: true,
  now: true,
  logger: true,
  ca: true,
  timeoutMs: true,
  maxResponseBytes: true,
  http: true,
} as const satisfies Record<keyof LogsApiClientOptions, true>;

/** {@link LogsApiClientOptions} copied, checked and with every default filled in. */
export interface ResolvedClientOptions {
  domain: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  maxResponseBytes: number;
  tokenCache: TokenCache | undefined;
  now: () => number;
  logger: Partial<Logger> | undefined;
  ca: HttpOptions['ca'];
  http: AxiosInstance | undefined;
}

/**
 * A credential (`domain`, `clientId`, `clientSecret`): a non-empty string. Its message shows the
 * value's type, never the value; a missing one says so in the original's words.
 */
function credential(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (value === undefined || value === null)
    throw new ArgumentError(`Must provide a valid \`${name}\``, name);
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(name, 'a non-empty string', value, { secret: true });
  return value;
}

/**
 * A tenant domain: a host name (or `[IPv6]`) with an optional port from 1 to 65535, without a
 * path, query or credentials. An `https://` prefix and trailing slashes are dropped.
 */
export function checkDomain(raw: string): string {
  const domain = raw
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/+$/, '');
  const refuse = () => invalid('domain', 'a host name with an optional port from 1 to 65535', raw);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(domain)?.[1];
  if (scheme !== undefined)
    throw withHint(
      refuse(),
      `drop the scheme (${scheme}://): the domain alone, e.g. acme.eu.auth0.com (requests always use https)`,
    );
  const parts = /^(\[[0-9a-f:.]+\]|[^:/?#@\s\\[\]]+)(?::(\d{1,5}))?$/i.exec(domain);
  if (!parts) throw refuse();
  const port = parts[2] === undefined ? undefined : Number(parts[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw refuse();
  try {
    if (new URL(`https://${domain}/`).hostname === '') throw refuse();
  } catch {
    throw refuse();
  }
  return domain;
}

/** `error` again, with `hint` (what to do) at the end of its message. */
function withHint(error: ArgumentError, hint: string): ArgumentError {
  return new ArgumentError(`${error.message}; ${hint}`, error.option, {
    ...(error.expected === undefined ? {} : { expected: error.expected }),
    hint,
  });
}

/**
 * `ca`: PEM text or a `Buffer`, or an array of them (Node's `tls` `ca`). Anything else is an
 * {@link ArgumentError} naming `ca`, not a `TypeError` from `tls`.
 */
export function caOption(raw: unknown): HttpOptions['ca'] {
  if (raw === undefined) return undefined;
  const one = (value: unknown) => typeof value === 'string' || Buffer.isBuffer(value);
  if (one(raw) || (Array.isArray(raw) && raw.length > 0 && raw.every(one)))
    return raw as HttpOptions['ca'];
  const got = Array.isArray(raw)
    ? raw.length === 0
      ? 'an empty array'
      : `an array holding ${show(raw.find((value) => !one(value)))}`
    : show(raw);
  throw invalidAs('ca', 'PEM certificate text or a Buffer, or an array of them', got);
}

/**
 * Copies `options`, fills the defaults and checks every value, naming the option in the error
 * ("Expected `timeoutMs` to be an integer from 1 to 2147483647, got 3000000000"). The client never
 * reads the raw options again.
 */
export function resolveClientOptions(options: LogsApiClientOptions): ResolvedClientOptions {
  return maskingSecret(options, () => resolveClientOptionsUnmasked(options));
}

function resolveClientOptionsUnmasked(options: LogsApiClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError('Must provide an options object', 'options');
  }
  const o = { ...options } as unknown as Record<string, unknown>;
  const domain = checkDomain(credential(o, 'domain'));
  const clientId = credential(o, 'clientId').trim();
  const clientSecret = credential(o, 'clientSecret');
  const tokenCache = methodsOption<TokenCache>('tokenCache', o['tokenCache'], [
    'getToken',
    'setToken',
  ]);
  const http = methodsOption<AxiosInstance>('http', o['http'], ['request'], 'an axios instance');
  const logger = loggerOption(o['logger']);
  const ca = caOption(o['ca']);
  return {
    domain,
    clientId,
    clientSecret,
    timeoutMs: integerOption('timeoutMs', o['timeoutMs'], DEFAULTS.timeoutMs, LIMITS.timeoutMs, {
      strict: true,
    }),
    maxResponseBytes: integerOption(
      'maxResponseBytes',
      o['maxResponseBytes'],
      DEFAULTS.maxResponseBytes,
      LIMITS.maxResponseBytes,
      { strict: true },
    ),
    tokenCache,
    now: functionOption('now', o['now'], Date.now),
    logger,
    ca,
    http,
  };
}

/** A date for `findCheckpointAt`: a `Date`, or an ISO 8601 string (a date-time without offset is UTC). */
export function checkDate(value: unknown, name: string): Date {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string') {
    const iso =
      /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
        value.trim(),
      );
    if (iso) {
      const trimmed = value.trim().replace(' ', 'T');
      date = new Date(iso[1] === undefined && trimmed.includes('T') ? `${trimmed}Z` : trimmed);
    }
  }
  if (!date || Number.isNaN(date.getTime())) {
    throw invalid(name, 'a valid Date or an ISO 8601 date such as "2026-01-01"', value);
  }
  return date;
}
