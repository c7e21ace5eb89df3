import type { LogEvent } from '../types';

/** The checkpoint id of a log: `log_id`, or the legacy `_id`. */
export function logIdOf(log: LogEvent): string | undefined {
  const id = log.log_id ?? log._id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** Digits in an Auth0 `log_id`: `900`, the time it was written, a sequence. */
export const LOG_ID_LENGTH = 56;

/** True for a checkpoint as Auth0 writes it: a string of exactly 56 digits. */
export function isLogId(value: unknown): value is string {
  return typeof value === 'string' && value.length === LOG_ID_LENGTH && /^\d+$/.test(value);
}

/**
 * Orders two checkpoint ids. Ids of equal length compare as strings; a shorter id (fewer digits)
 * sorts first. Never converts to numbers, which would lose digits.
 */
export function compareLogIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The earlier of two optional bounds (`undefined` is no bound); `undefined` when neither is set. */
export function earlierLogId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareLogIds(a, b) <= 0 ? a : b;
}

/**
 * The id just before `id`, so that `from=previousLogId(id)` includes `id` itself. Decimal
 * decrement on the digit string, keeping its length.
 */
export function previousLogId(id: string): string {
  const digits = id.split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] !== '0') {
      digits[i] = String(Number(digits[i]) - 1);
      return digits.join('');
    }
    digits[i] = '9';
  }
  return id.replace(/./g, '0');
}

/**
 * The id just after `id`, so that a bound `nextLogId(id)` (first id past a range) keeps `id`
 * itself. Decimal increment on the digit string, keeping its length (all nines stay all nines).
 */
export function nextLogId(id: string): string {
  const digits = id.split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] !== '9') {
      digits[i] = String(Number(digits[i]) + 1);
      return digits.join('');
    }
    digits[i] = '0';
  }
  return id;
}

/**
 * Digits of a `log_id` that hold the time it was written, after `900`: `yyyyMMddHHmmss` (UTC).
 * Source: Elastic's Auth0 integration (`packages/auth0/.../cel.yml.hbs`) builds its first `from` as
 * `900` + `yyyyMMddHHmmss` + 39 zeros, and ids Auth0 serves read so (e.g.
 * `90020230726131118200088...` for a log written 2023-07-26 13:11:18). Not a documented contract:
 * {@link logIdTime} is checked on the tenant's own ids before any id synthesised by
 * {@link logIdAt} is trusted.
 */
const TIME_DIGITS = { start: 3, end: 17 } as const;

/**
 * The time (epoch ms, whole seconds, UTC) a `log_id` says it was written, or `undefined` when its
 * digits 4 to 17 are not a valid `yyyyMMddHHmmss` date or it does not start with `900`.
 */
export function logIdTime(id: string): number | undefined {
  if (!isLogId(id) || !id.startsWith('900')) return undefined;
  const d = id.slice(TIME_DIGITS.start, TIME_DIGITS.end);
  const [y, mo, day, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    Number(d.slice(at, i === 0 ? 4 : at + 2)),
  ) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, day, h, mi, s);
  const back = new Date(ms);
  if (
    y < 1970 ||
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  )
    return undefined;
  return ms;
}

/**
 * The smallest `log_id` of a log written at `ms` (floored to the second): `900`, `yyyyMMddHHmmss`
 * (UTC), 39 zeros. `from=logIdAt(t)` asks for the logs written at or after `t` (Auth0 answers the
 * ids greater than `from`; no real id is all zeros after its time). Throws a `RangeError` for a
 * date outside years 1970 to 9999.
 */
export function logIdAt(ms: number): string {
  const date = new Date(Math.floor(ms / 1000) * 1000);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 1970 || year > 9999)
    throw new RangeError(`Expected a date from 1970 to 9999, got ${String(ms)}`);
  const stamp = date.toISOString().slice(0, 19).replace(/\D/g, '');
  return `900${stamp}`.padEnd(LOG_ID_LENGTH, '0');
}

/**
 * The earliest time an Auth0 `log_id` can hold (2013-01-01 UTC, before Auth0 wrote its first
 * logs): an id synthesised from it is below every log a tenant keeps (1 to 30 days by plan).
 */
export const EARLIEST_LOG_MS = Date.UTC(2013, 0, 1);

/**
 * The `from` of a cursor with no checkpoint: `logIdAt(EARLIEST_LOG_MS)`. Auth0 answers it with the
 * oldest logs it keeps, in `log_id` order (checkpoint mode), so that no run depends on the date
 * order of a search (Auth0 writes some logs late: their `date` sorts them before logs with smaller
 * ids). Depends on no clock.
 */
export const OLDEST_FROM = logIdAt(EARLIEST_LOG_MS);

/**
 * True for an id {@link logIdAt} made (its time digits, then 39 zeros): a bound, not a log's id
 * (a real id holds a sequence after its time).
 */
export function isSynthesisedLogId(id: string): boolean {
  const ms = logIdTime(id);
  return ms !== undefined && logIdAt(ms) === id;
}
