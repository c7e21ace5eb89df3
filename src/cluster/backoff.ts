/**
 * The wait (ms) before a worker tries a failing tenant again: its interval doubled per failure in
 * a row (`intervalMs * 2^(failures - 1)`), at least what the destination asked (`retryAfterMs`,
 * the run's `status.retryAfterMs` from a `Retry-After`), never more than `maxMs`.
 */
export function tenantBackoffMs(
  intervalMs: number,
  failures: number,
  maxMs: number,
  retryAfterMs?: number,
): number {
  const doubled = intervalMs * 2 ** Math.max(0, failures - 1);
  return Math.min(Math.max(doubled, retryAfterMs ?? 0), maxMs);
}
