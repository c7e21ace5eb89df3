import { compareLogIds, isSynthesisedLogId, logIdTime } from '../auth0/log-id';
import type { Logger } from '../types';
import type { CheckedPage } from './types';

/**
 * Logs that expired unshipped: a checkpoint older than the tenant keeps logs. Auth0 keeps logs 1 day
 * (Free), 5 (Essentials), 10 (Professional) or 30 days (Enterprise): "Log Data Retention",
 * https://auth0.com/docs/deploy-monitor/logs/log-data-retention. A checkpoint's `from` then answers
 * from the oldest log kept, and the logs written in between are gone.
 */

/** The shortest retention of any plan (1 day): a checkpoint younger than it is kept on every plan. */
export const MIN_RETENTION_MS = 24 * 3600 * 1000;
/** The longest retention of any plan (30 days): a checkpoint older than it is kept on none. */
export const MAX_RETENTION_MS = 30 * MIN_RETENTION_MS;

/** The span of a `logs_expired` warning: ISO 8601 dates (UTC) read from the two `log_id`s. */
export interface ExpiredSpan {
  /** When the checkpoint's log was written. */
  from: string;
  /** When the oldest log the tenant keeps (the first after the checkpoint) was written. */
  to: string;
}

/** What {@link expiredSpan} and {@link watchExpiry} need. */
export interface ExpiryCheck {
  /** The checkpoint the run started from (`null`: a fresh state, nothing to check). */
  checkpoint: string | null;
  /** The tenant's time, epoch ms (`client.tenantNow()`). */
  tenantNow: () => number;
  /** The `log_id` of the oldest log the tenant keeps (`from=OLDEST_FROM&take=1`), if any. */
  oldest: () => Promise<string | undefined>;
  log: Logger;
}

/**
 * The span of logs that expired between `o.checkpoint` and `first`, the first log after it, or
 * `undefined`. The rule: the checkpoint is a log's id (not one synthesised from a `startFrom`
 * date), both ids hold dates, and the checkpoint's log is no longer kept: either it is older than
 * {@link MAX_RETENTION_MS} (no plan keeps it), or it is older than {@link MIN_RETENTION_MS} and the
 * oldest log the tenant keeps (one more request, only then) comes after it. A checkpoint still kept
 * means nothing after it expired (logs expire oldest first). The logs in the span expired, if any
 * were written then (a tenant quiet all along loses nothing, which no answer tells apart).
 */
export async function expiredSpan(o: ExpiryCheck, first: string): Promise<ExpiredSpan | undefined> {
  const { checkpoint } = o;
  if (checkpoint === null || isSynthesisedLogId(checkpoint)) return undefined;
  const fromMs = logIdTime(checkpoint);
  const toMs = logIdTime(first);
  if (fromMs === undefined || toMs === undefined || toMs <= fromMs) return undefined;
  const age = o.tenantNow() - fromMs;
  if (age < MIN_RETENTION_MS) return undefined;
  if (age < MAX_RETENTION_MS) {
    let oldest: string | undefined;
    try {
      oldest = await o.oldest();
    } catch (error) {
      o.log.debug(`Could not ask for the oldest log kept: ${String(error)}`);
      return undefined;
    }
    if (oldest === undefined || compareLogIds(oldest, checkpoint) <= 0) return undefined;
  }
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

/** The message of a `logs_expired` warning. */
export function expiredMessage(span: ExpiredSpan): string {
  return `Logs written from ${span.from} to ${span.to} may have expired before they were shipped: the checkpoint is older than the tenant keeps logs, and the oldest log it keeps is from ${span.to}.`;
}

/**
 * Passes `pages` on unchanged, checking the first page with a log (see {@link expiredSpan}) before
 * it is yielded; `onExpired` is told the span once.
 */
export async function* watchExpiry<R>(
  pages: AsyncGenerator<CheckedPage, R, number | undefined>,
  o: ExpiryCheck & { onExpired: (span: ExpiredSpan) => void },
): AsyncGenerator<CheckedPage, R, number | undefined> {
  let step = await pages.next();
  let checked = o.checkpoint === null;
  try {
    while (!step.done) {
      if (!checked && step.value.first !== undefined) {
        checked = true;
        const span = await expiredSpan(o, step.value.first);
        if (span) o.onExpired(span);
      }
      const asked = yield step.value;
      step = await pages.next(asked);
    }
    return step.value;
  } finally {
    if (!step.done) await pages.return(undefined as R);
  }
}
