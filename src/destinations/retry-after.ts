/**
 * `Retry-After` (RFC 9110 section 10.2.3: seconds, or an HTTP date) as ms from `now` (epoch ms);
 * `undefined` when absent or unreadable. Not capped here: the processor caps each wait at
 * `DEFAULTS.maxRetryDelayMs` (30 s) and within the run's deadline.
 */
export function retryAfterMs(
  value: string | null | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now()) : undefined;
}
