import { constants } from 'node:buffer';
import type { AxiosInstance } from 'axios';
import { DEFAULTS } from '../defaults';
import { ArgumentError } from '../errors';
import type { HttpOptions } from '../auth0/http';
import { loggerOption } from '../util/log';
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

/** The longest delay Node's timers keep; a longer one fires after 1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function text(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (value === undefined || value === null)
    throw new ArgumentError(`Must provide a valid \`${name}\``, name);
  if (typeof value !== 'string' || value.trim().length === 0) {
    const got = typeof value === 'string' ? 'an empty string' : `a ${typeof value}`;
    throw new ArgumentError(`Expected \`${name}\` to be a non-empty string, got ${got}`, name);
  }
  return value;
}

function integer(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ArgumentError(
      `Expected \`${name}\` to be an integer from 1 to ${max}, got ${describe(value)}`,
      name,
    );
  }
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
  const refuse = () =>
    new ArgumentError(
      `Expected \`domain\` to be a host name with an optional port from 1 to 65535, got ${JSON.stringify(raw)}`,
      'domain',
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

function fn<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function')
    throw new ArgumentError(`Expected \`${name}\` to be a function, got ${describe(value)}`, name);
  return value as T;
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
      : `an array holding ${describe(raw.find((value) => !one(value)))}`
    : describe(raw);
  throw new ArgumentError(
    `Expected \`ca\` to be PEM certificate text or a Buffer, or an array of them, got ${got}`,
    'ca',
  );
}

/**
 * Copies `options`, fills the defaults and checks every value, naming the option in the error
 * ("Expected `timeoutMs` to be an integer from 1 to 2147483647, got 3000000000"). The client never
 * reads the raw options again.
 */
export function resolveClientOptions(options: LogsApiClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError('Must provide an options object', 'options');
  }
  const o = { ...options } as unknown as Record<string, unknown>;
  const domain = checkDomain(text(o, 'domain'));
  const clientId = text(o, 'clientId').trim();
  const clientSecret = text(o, 'clientSecret');
  const cache = o['tokenCache'] as TokenCache | undefined | null;
  if (
    cache !== undefined &&
    (cache === null || typeof cache.getToken !== 'function' || typeof cache.setToken !== 'function')
  ) {
    throw new ArgumentError(
      'Expected `tokenCache` to have getToken() and setToken() methods',
      'tokenCache',
    );
  }
  const http = o['http'] as AxiosInstance | undefined | null;
  if (http !== undefined && (http === null || typeof http.request !== 'function')) {
    throw new ArgumentError('Expected `http` to be an axios instance', 'http');
  }
  const logger = loggerOption(o['logger']);
  const ca = caOption(o['ca']);
  return {
    domain,
    clientId,
    clientSecret,
    timeoutMs: integer('timeoutMs', o['timeoutMs'], DEFAULTS.timeoutMs, MAX_TIMEOUT_MS),
    maxResponseBytes: integer(
      'maxResponseBytes',
      o['maxResponseBytes'],
      DEFAULTS.maxResponseBytes,
      constants.MAX_STRING_LENGTH,
    ),
    tokenCache: cache ?? undefined,
    now: fn('now', o['now'], Date.now),
    logger,
    ca,
    http: http ?? undefined,
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
    throw new ArgumentError(
      `Expected \`${name}\` to be a valid Date or an ISO 8601 date such as "2026-01-01", got ${describe(value)}`,
      name,
    );
  }
  return date;
}
