import type { LogEvent } from '../types';
import { invalid, methodsOption } from '../options/check';
import { streamElement } from './log-stream-body';
import type { LogStreamElement, LogStreamSource } from './log-stream-types';

/** Reads a source's logs once each, as stream elements, in the source's order. */
export interface SourceReader {
  /** The logs written since the last call (all of them the first time), skipped ones left out. */
  next(): LogStreamElement[];
  /** Logs written so far (an index bound: the next log written has this index). */
  count(): number;
  /** Never reads the logs `from` to `to - 1`; returns their ids (those the source still keeps). */
  skip(from: number, to: number): string[];
}

/** A reader of a list (read once) or of a {@link LogStreamSource} (a fake tenant, read as it grows). */
export function sourceReader(source: LogStreamSource | readonly LogEvent[]): SourceReader {
  if (Array.isArray(source)) {
    const list = source as readonly LogEvent[];
    let read = false;
    const elements = list.map((log, i) => {
      if (typeof log !== 'object' || log === null) throw invalid(`source[${i}]`, 'a log', log);
      return streamElement(log, `source[${i}]`);
    });
    return {
      next: () => (read ? [] : ((read = true), elements)),
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
    next: () => {
      const end = tenant.logCount();
      const elements: LogStreamElement[] = [];
      for (let i = Math.max(cursor, tenant.firstKeptIndex()); i < end; i++)
        if (!isSkipped(i)) elements.push(element(i));
      cursor = Math.max(cursor, end);
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
