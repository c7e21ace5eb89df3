import type { LogEvent, LogStreamRecord, ShippedLog } from '../types';
import { logIdOf } from './log-id';

/**
 * A log in the shape Auth0's Log Streams deliver each event: `{ log_id, data }`, the whole log in
 * `data` (as a Custom Webhook or Amazon EventBridge stream sends it; Log Streams:
 * https://auth0.com/docs/customize/log-streams). `log_id` is the log's (or its legacy `_id`).
 */
export function streamRecord(log: LogEvent): LogStreamRecord {
  return { log_id: logIdOf(log) ?? '', data: log };
}

/** True when `shipped` is a {@link LogStreamRecord}: a `data` object and no `type` of its own. */
export function isStreamRecord(shipped: ShippedLog): shipped is LogStreamRecord {
  const record = shipped as Partial<LogStreamRecord> & { type?: unknown };
  return (
    typeof record.data === 'object' &&
    record.data !== null &&
    !Array.isArray(record.data) &&
    record.type === undefined
  );
}

/** The log a shipped item carries: itself, or the `data` of a {@link LogStreamRecord}. */
export function logOf(shipped: ShippedLog): LogEvent {
  return isStreamRecord(shipped) ? shipped.data : shipped;
}
