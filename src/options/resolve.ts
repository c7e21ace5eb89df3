import { DEFAULTS } from '../defaults';
import { ArgumentError } from '../errors';
import { checkLogTypeCode } from '../pipeline/filter';
import { isLogId, LOG_ID_LENGTH } from '../auth0/log-id';
import { loggerOption } from '../util/log';
import type { BatchFailure, LogsProcessorOptions, RunProgress } from './processor';
import { systemTiming, type Timing } from '../pipeline/retry';
import type { Logger } from '../types';
import type { WaitListener } from '../util/wait';

/**
 * One set of rules for every option of the stream and the processor: copy, fill the defaults from
 * `DEFAULTS`, validate with {@link invalid} (whose message names the option), then never read the
 * raw options again. Client options (`domain`, `timeoutMs`, ...) are the client's.
 */

/** Largest `maxRetries`. */
export const MAX_RETRIES = 100;
/** Largest `concurrency`. */
export const MAX_CONCURRENCY = 64;

function show(raw: unknown): string {
  if (typeof raw === 'function') return 'a function';
  if (typeof raw === 'number' || raw === undefined) return String(raw);
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/** ``Expected `name` to be <expected>, got <raw>`` as an {@link ArgumentError} naming `name`. */
export function invalid(name: string, expected: string, raw: unknown): ArgumentError {
  return new ArgumentError(`Expected \`${name}\` to be ${expected}, got ${show(raw)}`, name);
}

const blank = (raw: unknown) => raw === undefined || raw === null || raw === '';

/**
 * `signal`: an `AbortSignal` (checked by shape, so one of another realm or a polyfill passes), or
 * none (`undefined`, `null`). Throws an {@link ArgumentError} naming `name` for anything else.
 */
export function signalOption(raw: unknown, name = 'signal'): AbortSignal | undefined {
  if (raw === undefined || raw === null) return undefined;
  const signal = raw as Partial<AbortSignal>;
  if (
    typeof raw === 'object' &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  )
    return raw as AbortSignal;
  throw invalid(name, 'an AbortSignal', raw);
}

/** `waitOnRateLimit` and other switches: `true`, `false`, or none (the default). */
export function booleanOption(name: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'boolean') throw invalid(name, 'true or false', raw);
  return raw;
}

/** An integer from `min` to `max`; numeric strings (configuration from the environment) too. */
export function integerOption(
  name: string,
  raw: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (blank(raw)) return fallback;
  const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(name, `an integer from ${min} to ${max}`, raw);
  return value;
}

/** `maxRunTimeSeconds`: a positive number of seconds, or `Infinity`; numeric strings too. */
export function runTimeOption(raw: unknown): number {
  if (blank(raw)) return DEFAULTS.maxRunTimeSeconds;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !(value > 0))
    throw invalid('maxRunTimeSeconds', 'a positive number of seconds (or Infinity)', raw);
  return value;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A checkpoint option: a 56-digit log id, or (when `dates` is set) an ISO 8601 date. Blank is
 * `null` (start at the oldest log).
 */
export function checkpointOption(name: string, raw: unknown, dates: boolean): string | null {
  if (blank(raw)) return null;
  if (isLogId(raw)) return raw;
  if (dates && typeof raw === 'string' && ISO_DATE.test(raw) && !Number.isNaN(Date.parse(raw)))
    return raw;
  throw invalid(
    name,
    dates
      ? `a log id or an ISO 8601 date (a log id has ${LOG_ID_LENGTH} digits; a date reads 2026-01-31T00:00:00Z)`
      : `a log id (${LOG_ID_LENGTH} digits)`,
    raw,
  );
}

/**
 * Log type codes: an array, or a comma-separated string (`'s,f,fp'`). Blank and `'-'` (the blank
 * choice of the extension's settings) mean every type. Each code is checked against the catalog;
 * `'+code'` names one the catalog does not know yet.
 */
export function logTypesOption(name: string, raw: unknown): string[] | undefined {
  if (blank(raw) || raw === '-') return undefined;
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : raw;
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string' && t.length > 0))
    throw invalid(name, 'an array of log type codes', raw);
  const codes = (list as string[]).map((code) => checkLogTypeCode(name, code));
  return codes.length ? codes : undefined;
}

/** `logLevel` 0 to 4; blank and `'-'` mean no level filter (0). */
export function logLevelOption(raw: unknown): number {
  if (raw === '-') return 0;
  return integerOption('logLevel', raw, 0, 0, 4);
}

/** `take` of `next(n)` and `pages(n)`: a positive integer. */
export function takeOption(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1)
    throw invalid('take', 'a positive integer', raw);
  return raw;
}

function failurePolicy(raw: unknown): ResolvedOptions['onBatchFailure'] {
  if (raw === undefined) return DEFAULTS.onBatchFailure;
  if (raw === 'skip' || raw === 'stop' || typeof raw === 'function')
    return raw as ResolvedOptions['onBatchFailure'];
  throw invalid('onBatchFailure', "'skip', 'stop' or an async function", raw);
}

function optionalFunction<T>(name: string, raw: unknown): T | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'function') throw invalid(name, 'a function', raw);
  return raw as T;
}

/** `now`, `sleep`, `random`: injected functions, or the system's. */
export function timingOption(options: Partial<Timing>): Timing {
  return {
    now: optionalFunction<Timing['now']>('now', options.now) ?? systemTiming.now,
    sleep: optionalFunction<Timing['sleep']>('sleep', options.sleep) ?? systemTiming.sleep,
    random: optionalFunction<Timing['random']>('random', options.random) ?? systemTiming.random,
  };
}

/** Options of the paging both faces share, resolved. */
export interface ResolvedPaging extends Timing {
  maxRetries: number;
  maxRunTimeSeconds: number;
  /** Codes to keep (catalog codes, or unknown ones given as `+code`); `undefined` keeps all. */
  types: string[] | undefined;
  /** Minimum level kept; 0 keeps every level. */
  logLevel: number;
  logger: Partial<Logger> | undefined;
  /** Told before every wait of the pipeline; see `LogsProcessorOptions.onWait`. */
  onWait: WaitListener | undefined;
}

/** Processor options after defaults and validation. */
export interface ResolvedOptions extends ResolvedPaging {
  batchSize: number;
  startFrom: string | null;
  concurrency: number;
  onBatchFailure: 'skip' | 'stop' | ((failure: BatchFailure) => Promise<void>);
  onProgress: ((progress: RunProgress) => void) | undefined;
  backfillCursors: number;
}

/** The raw paging options of the stream. */
export interface RawStreamOptions extends Partial<Timing> {
  checkpointId?: unknown;
  types?: unknown;
  maxRetries?: unknown;
  maxRunTimeSeconds?: unknown;
  start?: unknown;
  waitOnRateLimit?: unknown;
  logger?: Partial<Logger>;
  onWait?: unknown;
}

/** Stream options after defaults and validation. */
export interface ResolvedStreamOptions extends ResolvedPaging {
  checkpoint: string | null;
  start: number;
  waitOnRateLimit: boolean;
}

/**
 * The stream's options. `types` that is not an array (an object) is ignored, as the original
 * did. Throws an {@link ArgumentError} naming the first bad option.
 */
export function resolveStreamOptions(options: RawStreamOptions): ResolvedStreamOptions {
  const timing = timingOption(options);
  const start = options.start ?? timing.now();
  if (typeof start !== 'number' || !Number.isFinite(start))
    throw invalid('start', 'epoch milliseconds', options.start);
  return {
    ...timing,
    checkpoint: checkpointOption('checkpointId', options.checkpointId, false),
    types:
      typeof options.types === 'object' && options.types !== null && !Array.isArray(options.types)
        ? undefined
        : logTypesOption('types', options.types),
    logLevel: 0,
    maxRetries: integerOption(
      'maxRetries',
      options.maxRetries,
      DEFAULTS.maxRetries,
      0,
      MAX_RETRIES,
    ),
    maxRunTimeSeconds: runTimeOption(options.maxRunTimeSeconds),
    start,
    waitOnRateLimit: booleanOption('waitOnRateLimit', options.waitOnRateLimit, false),
    logger: loggerOption(options.logger),
    onWait: optionalFunction('onWait', options.onWait),
  };
}

/** The processor's options. Throws an {@link ArgumentError} naming the first bad option. */
export function resolveProcessorOptions(options: LogsProcessorOptions): ResolvedOptions {
  return {
    ...timingOption(options),
    batchSize: integerOption(
      'batchSize',
      options.batchSize,
      DEFAULTS.batchSize,
      1,
      DEFAULTS.maxBatchSize,
    ),
    maxRetries: integerOption(
      'maxRetries',
      options.maxRetries,
      DEFAULTS.maxRetries,
      0,
      MAX_RETRIES,
    ),
    maxRunTimeSeconds: runTimeOption(options.maxRunTimeSeconds),
    startFrom: checkpointOption('startFrom', options.startFrom, true),
    types: logTypesOption('logTypes', options.logTypes),
    logLevel: logLevelOption(options.logLevel),
    concurrency: integerOption(
      'concurrency',
      options.concurrency,
      DEFAULTS.concurrency,
      1,
      MAX_CONCURRENCY,
    ),
    onBatchFailure: failurePolicy(options.onBatchFailure),
    onProgress: optionalFunction('onProgress', options.onProgress),
    onWait: optionalFunction('onWait', options.onWait),
    backfillCursors: integerOption(
      'backfillCursors',
      options.backfillCursors,
      DEFAULTS.backfillCursors,
      1,
      DEFAULTS.maxBackfillCursors,
    ),
    logger: loggerOption(options.logger),
  };
}
