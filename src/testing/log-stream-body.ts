import type { LogEvent } from '../types';
import { invalid } from '../options/check';
import type { LogStreamElement, LogStreamFormat } from './log-stream-types';

const LOG_ID = /^\d{56}$/;

/** `{ log_id, data }` for a log: Auth0's stream element. Throws when the log has no 56-digit `log_id`. */
export function streamElement(log: LogEvent, where: string): LogStreamElement {
  const id = log.log_id;
  if (typeof id !== 'string' || !LOG_ID.test(id))
    throw invalid(
      `${where}.log_id`,
      'a 56-digit log id (a log as the Management API serves it)',
      id,
    );
  return { log_id: id, data: log };
}

/**
 * The body of one delivery in `format` (see {@link LogStreamFormat}): JSON lines joined by `\n`,
 * one JSON array, or the one element itself.
 */
export function streamBody(elements: readonly LogStreamElement[], format: LogStreamFormat): string {
  if (format === 'JSONARRAY') return JSON.stringify(elements);
  if (format === 'JSONOBJECT') {
    if (elements.length !== 1) throw new RangeError('JSONOBJECT holds exactly one element');
    return JSON.stringify(elements[0]);
  }
  return elements.map((element) => JSON.stringify(element)).join('\n');
}
