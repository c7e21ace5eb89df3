import { validateHeaderName, validateHeaderValue } from 'node:http';
import {
  booleanOption,
  functionOption,
  integerOption,
  invalid,
  numberOption,
  signalOption,
  unquoted,
} from '../options/check';
import { LIMITS } from '../options/limits';
import { redactUrlCredentials } from '../util/redact';
import type {
  LogStreamAttempt,
  LogStreamFormat,
  LogStreamOptions,
  LogStreamPause,
} from './log-stream-types';

/** {@link LogStreamOptions} checked, with every default filled in. */
export interface ResolvedStreamOptions {
  url: URL;
  /** Every header of a request but `content-length`: content type, authorization, custom. */
  headers: Record<string, string>;
  format: LogStreamFormat;
  logsPerDelivery: number;
  concurrency: number;
  duplicateShare: number;
  dropShare: number;
  shuffle: boolean;
  seed: number;
  attempts: number;
  retryDelayMs: number;
  pauseAfterFailures: number;
  redeliveries: number;
  redeliveryDelayMs: number;
  pauses: LogStreamPause[];
  timeoutMs: number;
  ca: string | Buffer | (string | Buffer)[] | undefined;
  follow: boolean;
  pollMs: number;
  signal: AbortSignal | undefined;
  sleep: (ms: number) => Promise<void>;
  onAttempt: ((attempt: LogStreamAttempt) => void) | undefined;
}

const FORMATS: readonly LogStreamFormat[] = ['JSONLINES', 'JSONARRAY', 'JSONOBJECT'];
/** Headers the player sets itself; a custom header may not replace them. */
const OWN_HEADERS = new Set(['authorization', 'content-type', 'content-length']);
const SHARE = { min: 0, max: 1 };
const MS = { min: 0, max: LIMITS.timeoutMs.max };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function urlOption(raw: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const shown = typeof raw === 'string' ? redactUrlCredentials(raw) : raw;
    throw invalid('url', "an http: or https: URL (the stream's Payload URL)", shown);
  }
  return url;
}

/** A header value: a string Node can send; the message never quotes it (it may be a credential). */
function headerValue(name: string, raw: unknown): string {
  if (typeof raw !== 'string' || raw === '')
    throw invalid(name, 'a non-empty string', raw, { secret: true });
  try {
    validateHeaderValue(name, raw);
  } catch {
    throw unquoted(name, 'a header value without control characters (such as a line break)');
  }
  return raw;
}

function headersOption(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid('headers', 'an object of header names to values', raw);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (OWN_HEADERS.has(lower))
      throw invalid(
        'headers',
        'custom headers other than Authorization, Content-Type and Content-Length (use the `authorization` and `contentType` options)',
        name,
      );
    try {
      validateHeaderName(name);
    } catch {
      throw invalid('headers', 'valid header names', name);
    }
    headers[lower] = headerValue(`headers.${name}`, value);
  }
  return headers;
}

function pausesOption(raw: unknown): LogStreamPause[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid('pauses', 'an array of { afterDeliveries, ms }', raw);
  return raw
    .map((item: unknown, i) => {
      if (typeof item !== 'object' || item === null)
        throw invalid(`pauses[${i}]`, 'an object { afterDeliveries, ms }', item);
      const pause = item as Partial<LogStreamPause>;
      return {
        afterDeliveries: integerOption(
          `pauses[${i}].afterDeliveries`,
          pause.afterDeliveries,
          undefined,
          { min: 0, max: Number.MAX_SAFE_INTEGER },
          { strict: true },
        ),
        ms: numberOption(`pauses[${i}].ms`, pause.ms, undefined, MS),
      };
    })
    .sort((a, b) => a.afterDeliveries - b.afterDeliveries);
}

function caOption(raw: unknown): ResolvedStreamOptions['ca'] {
  if (raw === undefined) return undefined;
  const ok = (v: unknown) => typeof v === 'string' || Buffer.isBuffer(v);
  if (ok(raw)) return raw as string | Buffer;
  if (Array.isArray(raw) && raw.every(ok)) return [...(raw as (string | Buffer)[])];
  throw invalid('ca', 'a PEM string or Buffer (or an array of them)', raw);
}

/** Copies the options, fills the defaults and validates; throws an `ArgumentError` naming the option. */
export function resolveStreamOptions(options: LogStreamOptions): ResolvedStreamOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid('options', 'an object with at least `url`', options);
  const o = { ...options };
  const format = o.format ?? 'JSONLINES';
  if (!FORMATS.includes(format))
    throw invalid('format', "'JSONLINES', 'JSONARRAY' or 'JSONOBJECT'", format);
  const logsPerDelivery = integerOption(
    'logsPerDelivery',
    o.logsPerDelivery,
    format === 'JSONOBJECT' ? 1 : 100,
    format === 'JSONOBJECT' ? { min: 1, max: 1 } : { min: 1, max: 1000 },
    { strict: true },
  );
  const headers: Record<string, string> = {
    'content-type':
      o.contentType === undefined ? 'application/json' : headerValue('contentType', o.contentType),
  };
  if (o.authorization !== undefined)
    headers.authorization = headerValue('authorization', o.authorization);
  Object.assign(headers, headersOption(o.headers));
  return {
    url: urlOption(o.url),
    headers,
    format,
    logsPerDelivery,
    concurrency: integerOption('concurrency', o.concurrency, 1, LIMITS.concurrency, {
      strict: true,
    }),
    duplicateShare: numberOption('duplicateShare', o.duplicateShare, 0, SHARE),
    dropShare: numberOption('dropShare', o.dropShare, 0, SHARE),
    shuffle: booleanOption('shuffle', o.shuffle, false),
    seed: integerOption('seed', o.seed, 1, { min: 0, max: 2 ** 32 - 1 }, { strict: true }),
    attempts: integerOption('attempts', o.attempts, 3, { min: 1, max: 10 }, { strict: true }),
    retryDelayMs: numberOption('retryDelayMs', o.retryDelayMs, 1000, MS),
    pauseAfterFailures:
      o.pauseAfterFailures === undefined || o.pauseAfterFailures === Infinity
        ? Infinity
        : integerOption(
            'pauseAfterFailures',
            o.pauseAfterFailures,
            undefined,
            { min: 1, max: Number.MAX_SAFE_INTEGER },
            { strict: true },
          ),
    redeliveries: integerOption(
      'redeliveries',
      o.redeliveries,
      0,
      { min: 0, max: 100 },
      { strict: true },
    ),
    redeliveryDelayMs: numberOption('redeliveryDelayMs', o.redeliveryDelayMs, 60_000, MS),
    pauses: pausesOption(o.pauses),
    timeoutMs: numberOption('timeoutMs', o.timeoutMs, 10_000, LIMITS.timeoutMs),
    ca: caOption(o.ca),
    follow: booleanOption('follow', o.follow, false),
    pollMs: numberOption('pollMs', o.pollMs, 1000, MS),
    signal: signalOption(o.signal),
    sleep: functionOption('sleep', o.sleep, realSleep),
    onAttempt: functionOption<((attempt: LogStreamAttempt) => void) | undefined>(
      'onAttempt',
      o.onAttempt,
      undefined,
    ),
  };
}
