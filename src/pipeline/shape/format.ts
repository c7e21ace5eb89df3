import { streamRecord } from '../../auth0/log-stream';
import type { LogEvent, ShippedLog } from '../../types';

/**
 * The shape each log is shipped in: `raw`, as Auth0's API returns it, or `stream`, as Auth0's Log
 * Streams send it (`{ log_id, data }`, see `LogStreamRecord`).
 */
export const LOG_FORMATS = ['raw', 'stream'] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The log in `format`. */
export function formatLog(log: LogEvent, format: LogFormat): ShippedLog {
  return format === 'stream' ? streamRecord(log) : log;
}
