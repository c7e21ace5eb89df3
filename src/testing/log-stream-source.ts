import type { LogEvent } from '../types';
import { invalid, methodsOption } from '../options/check';
import { streamElement } from './log-stream-body';
import type { LogStreamElement, LogStreamSource } from './log-stream-types';

/** Reads a source's logs once each, as stream elements, in the source's order. */
export interface SourceReader {
  /**
   * At most `max` logs not read yet, in the source's order, up to index `until` (exclusive; the
   * logs written so far at most), skipped ones left out. Empty when there are none.
   */
  next(max: number, until?: number): LogStreamElement[];
  /** Logs written so far (an index bound: the next log written has this index). */
  count(): number;
  /** Never reads the logs `from` to `to - 1`; returns their ids (those the source still keeps). */
  skip(from: number, to: number): string[];
}

/** A reader of a list (read once) or of a {@link LogStreamSource} (a fake tenant, read as it grows). */
export function sourceReader(source: LogStreamSource | readonly LogEvent[]): SourceReader {
  if (Array.isArray(source)) {
    const list = source as readonly LogEvent[];
    // every log is checked before anything is sent
    const elements = list.map((log, i) => {
      if (typeof log !== 'object' || log === null) throw invalid(`source[${i}]`, 'a log', log);
      return streamElement(log, `source[${i}]`);
    });
    let cursor = 0;
    return {
      next: (max) => elements.slice(cursor, (cursor = Math.min(elements.length, cursor + max))),
      count: () => list.length,
      skip: () => [],
    };
  }
  const tenant = methodsOption<LogStreamSource>(
    'source',
    source,
    ['logCount', 'firstKeptIndex', 'logAt'],
    'a fake tenant (or an object with logCount(), firstKeptIndex() and logAt()), or an array of logs',
  );
  if (!tenant) throw invalid('source', 'a fake tenant or an array of logs', source);
  let cursor = 0;
  const skipped: { from: number; to: number }[] = [];
  const isSkipped = (i: number) => skipped.some((range) => i >= range.from && i < range.to);
  const element = (i: number) => streamElement(tenant.logAt(i), `source.logAt(${i})`);
  return {
    next: (max, until = Infinity) => {
      const end = Math.min(tenant.logCount(), until);
      const elements: LogStreamElement[] = [];
      cursor = Math.max(cursor, tenant.firstKeptIndex());
      for (; cursor < end && elements.length < max; cursor++)
        if (!isSkipped(cursor)) elements.push(element(cursor));
      return elements;
    },
    count: () => tenant.logCount(),
    skip: (from, to) => {
      skipped.push({ from, to });
      const ids: string[] = [];
      for (let i = Math.max(from, tenant.firstKeptIndex()); i < to; i++)
        ids.push(element(i).log_id);
      return ids;
    },
  };
}
