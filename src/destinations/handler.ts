import { logOf } from '../auth0/log-stream';
import type { LogEvent, RunWarning } from '../types';

/**
 * What every destination factory returns: a `LogsHandler` (it resolves once the destination has
 * stored the whole batch, and rejects with a `DestinationError` otherwise) that also says where it
 * ships and can be closed.
 */
export interface DestinationHandler {
  (logs: LogEvent[]): Promise<void>;
  /**
   * For messages: where the logs go, never a credential: the kind and the address
   * (`splunk https://hec:8088/...`), the file's path, `stdout`, or the POST URL without its query.
   */
  readonly destination: string;
  /** Releases the destination's connections. Idempotent. */
  close(): Promise<void>;
  /**
   * A destination writing to a file (`file`) has it: reopens the path before the next batch
   * (after `logrotate`, on SIGHUP). Absent on the others.
   */
  reopen?(): void;
  /**
   * A destination that accepts logs it will drop (`datadog`: entries older than its intake window)
   * has it: the warnings since the last call, which `LogsProcessor` adds to `status.warnings`.
   */
  drainWarnings?(): RunWarning[];
}

/** Wraps a send function as a {@link DestinationHandler}; an empty batch sends nothing. */
export function destinationHandler(
  destination: string,
  send: (logs: LogEvent[]) => Promise<void>,
  close: () => Promise<void>,
): DestinationHandler {
  const handler = async (logs: LogEvent[]) => {
    if (logs.length) await send(logs);
  };
  let closed: Promise<void> | undefined;
  return Object.assign(handler, {
    destination,
    close: () => (closed ??= close()),
  });
}

/**
 * The log's `date` as epoch milliseconds (of `data.date` for a Log Streams record, `format:
 * 'stream'`), or `undefined` when it has none or it does not parse.
 */
export function logTime(shipped: LogEvent): number | undefined {
  const log = logOf(shipped);
  const ms = typeof log.date === 'string' ? Date.parse(log.date) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Logs as NDJSON: one JSON document a line, each line ending with `\n`. */
export function ndjson(logs: readonly LogEvent[]): string {
  return logs.map((log) => `${JSON.stringify(log)}\n`).join('');
}
