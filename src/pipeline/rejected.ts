import type { DeadLetterEntry, LogEvent, RejectedLog } from '../types';

/** The hint a batch with refused logs fails with when no dead letter is set. */
export const DEAD_LETTER_HINT =
  'set a dead letter (the `deadLetter` option, `ship --dead-letter <file>`, or the serve tenant key `deadLetter`) to set refused logs aside and ship the rest';

/**
 * The logs a destination refused for good while it stored the rest of the batch: the `rejected`
 * list (`[{ log_id, reason }]`) of the error or of one of its causes (a `HandlerError` wraps the
 * destination's). `undefined` when the error has none, or an empty one.
 */
export function rejectedLogs(error: unknown): RejectedLog[] | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const rejected = (e as { rejected?: unknown }).rejected;
    if (Array.isArray(rejected) && rejected.length > 0 && rejected.every(isRejectedLog))
      return rejected;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isRejectedLog(value: unknown): value is RejectedLog {
  const item = value as Partial<RejectedLog> | null;
  return typeof item?.log_id === 'string' && typeof item.reason === 'string';
}

/**
 * The dead-letter entries of a batch: each refused log found in it by `log_id` (with its reason).
 * `undefined` when one of the refused ids is not in the batch (the answer cannot be trusted: the
 * batch fails instead).
 */
export function deadLetterEntries(
  logs: readonly LogEvent[],
  rejected: readonly RejectedLog[],
): DeadLetterEntry[] | undefined {
  const byId = new Map(logs.map((log) => [log.log_id ?? log._id, log]));
  const entries: DeadLetterEntry[] = [];
  for (const { log_id, reason } of rejected) {
    const log = byId.get(log_id);
    if (log === undefined) return undefined;
    entries.push({ log_id, reason, log });
  }
  return entries;
}
