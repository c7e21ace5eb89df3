import { DEFAULTS } from '../defaults';
import { checkLogTypeCode } from '../pipeline/filter';
import { compareLogIds, isLogId, LOG_ID_LENGTH, logIdTime } from '../auth0/log-id';
import type { RangeEnds } from '../pipeline/range';
import { checkDate } from './client';
import { systemTiming, type Timing } from '../pipeline/retry';
import type { Logger } from '../types';
import type { WaitListener } from '../util/wait';
import { blank, describeRange, functionOption, integerOption, invalid } from './check';
import { LIMITS } from './limits';

/**
 * The options the stream and the processor share (the paging): one rule each, checked with the
 * kit of `./check`. Client options (`domain`, `timeoutMs`, ...) are the client's (`./client`).
 */

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

/** `maxRetries`, 0 to 100 (`LIMITS.maxRetries`); numeric strings too. @default 5 */
export function maxRetriesOption(raw: unknown): number {
  return integerOption('maxRetries', raw, DEFAULTS.maxRetries, LIMITS.maxRetries);
}

/** `maxRunTimeSeconds`: a positive number of seconds, or `Infinity`; numeric strings too. */
export function runTimeOption(raw: unknown): number {
  if (blank(raw)) return DEFAULTS.maxRunTimeSeconds;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !(value > LIMITS.maxRunTimeSeconds.min))
    throw invalid(
      'maxRunTimeSeconds',
      `${describeRange('a number', LIMITS.maxRunTimeSeconds)} (seconds, or Infinity)`,
      raw,
    );
  return value;
}

/**
 * How far ahead of the local clock a start date (`ship --start-from`, serve's `startFrom`) may be
 * (24 h, in ms): a date the tenant has not reached can only be a mistake (it would set the
 * checkpoint after the newest log, skipping everything until then), but a date-only value is
 * midnight UTC, up to 14 h ahead of a local date.
 */
export const START_FROM_MAX_AHEAD_MS = 24 * 60 * 60 * 1000;

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
 * `until`, the end of a date range: a 56-digit log id (the last log kept) or an ISO 8601 date
 * (logs dated before it are kept; without an offset, UTC), after `startFrom` (a date: logs dated
 * at or after it; a log id: logs after it). Blank: no range (`undefined`).
 * @throws {ArgumentError} naming `until`: not an id or a date, or not after `startFrom`.
 */
export function untilOption(raw: unknown, startFrom: string | null): RangeEnds | undefined {
  const value = checkpointOption('until', raw, true);
  if (value === null) return undefined;
  const until = isLogId(value) ? { id: value } : { ms: checkDate(value, 'until').getTime() };
  const since =
    startFrom === null || isLogId(startFrom)
      ? undefined
      : checkDate(startFrom, 'startFrom').getTime();
  // where each end stands: a date, or the time a log id was written (ids compare as ids)
  const untilAt = 'ms' in until ? until.ms : logIdTime(until.id);
  const sinceAt = since ?? (startFrom === null ? undefined : logIdTime(startFrom));
  const before =
    startFrom !== null && isLogId(startFrom) && 'id' in until
      ? compareLogIds(until.id, startFrom) <= 0
      : untilAt !== undefined && sinceAt !== undefined && untilAt <= sinceAt;
  if (before)
    throw invalid('until', `a date or log id after \`startFrom\` (${startFrom as string})`, raw);
  return { sinceMs: since, until };
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
  return integerOption('logLevel', raw, 0, LIMITS.logLevel);
}

/** `now`, `sleep`, `random`: injected functions, or the system's. */
export function timingOption(options: { [K in keyof Timing]?: Timing[K] | undefined }): Timing {
  return {
    now: functionOption('now', options.now, systemTiming.now),
    sleep: functionOption('sleep', options.sleep, systemTiming.sleep),
    random: functionOption('random', options.random, systemTiming.random),
  };
}
