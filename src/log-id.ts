import type { LogEvent } from './types';

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
