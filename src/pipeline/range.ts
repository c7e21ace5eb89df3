import { compareLogIds, EARLIEST_LOG_MS, logIdAt, logIdTime, nextLogId } from '../auth0/log-id';
import type { LogEvent } from '../types';
import type { Batch } from './batches';
import type { LogFilter } from './filter';
import type { PagesStop } from './types';

/**
 * A date range of a run (`startFrom` and `until`, see `LogsProcessorOptions.until`). Auth0 pages
 * by `log_id` (the time a log was written), not by `date` (when it happened): a log written late
 * has a `date` before logs with smaller ids. So a range pages by id from a margin before its start
 * to a margin after its end, and keeps exactly the logs whose `date` falls in it.
 */

/** The ends of a range as the options give them. */
export interface RangeEnds {
  /** Start (epoch ms): logs dated before it are left out. Absent: from the checkpoint, no date bound. */
  sinceMs?: number | undefined;
  /** End: a date (epoch ms, logs dated at or after it are left out) or the last log id kept. */
  until: { ms: number } | { id: string };
}

/** A range ready for the pipeline. */
export interface LogRange {
  sinceMs: number | undefined;
  untilMs: number | undefined;
  /** The first id past the range: paging stops before it (`PageSourceOptions.until`). */
  bound: string;
  /**
   * The highest checkpoint the run stores (`logIdAt(until)`), for a date end: every log below it
   * is dated before `until`; logs past it may be dated either side, so a later run from the
   * stored checkpoint reads them again (none is lost, a late-written one may ship twice).
   * `undefined` for a log id end.
   */
  ceiling: string | undefined;
}

/**
 * The range of `ends`, with `marginMs` (`DEFAULTS.rangeMarginMs`) as the most a log may be
 * written after its `date`.
 */
export function logRange(ends: RangeEnds, marginMs: number): LogRange {
  const { until } = ends;
  if ('id' in until)
    return {
      sinceMs: ends.sinceMs,
      untilMs: undefined,
      bound: nextLogId(until.id),
      ceiling: undefined,
    };
  return {
    sinceMs: ends.sinceMs,
    untilMs: until.ms,
    bound: logIdAt(until.ms + marginMs),
    ceiling: logIdAt(until.ms),
  };
}

/** The checkpoint a range starting at `sinceMs` pages from: the id of `sinceMs` less the margin. */
export function rangeStart(sinceMs: number, marginMs: number): string {
  return logIdAt(Math.max(EARLIEST_LOG_MS, sinceMs - marginMs));
}

/** When `log` happened: its `date`, else (unreadable) the time its id says it was written. */
function dateOf(log: LogEvent): number | undefined {
  const ms = Date.parse(log.date);
  if (!Number.isNaN(ms)) return ms;
  const id = log.log_id ?? log._id;
  return typeof id === 'string' ? logIdTime(id) : undefined;
}

/** `filter` (types, level) that also leaves out the logs dated outside `range`. */
export function rangeFilter(range: LogRange, filter: LogFilter | undefined): LogFilter {
  return {
    unknownKept: filter?.unknownKept ?? new Set<string>(),
    keeps(log: LogEvent): boolean {
      const at = dateOf(log);
      if (at !== undefined) {
        if (range.sinceMs !== undefined && at < range.sinceMs) return false;
        if (range.untilMs !== undefined && at >= range.untilMs) return false;
      }
      return filter ? filter.keeps(log) : true;
    },
  };
}

/** `checkpoint`, or `ceiling` when it is past it. */
function capped(checkpoint: string | null, ceiling: string): string | null {
  return checkpoint !== null && compareLogIds(checkpoint, ceiling) > 0 ? ceiling : checkpoint;
}

/**
 * The batches with their checkpoints held at `ceiling` (see {@link LogRange.ceiling}): the logs
 * past it still reach the handler, the stored checkpoint does not pass it.
 */
export async function* cappedBatches(
  source: AsyncGenerator<Batch, PagesStop, undefined>,
  ceiling: string | undefined,
): AsyncGenerator<Batch, PagesStop, undefined> {
  if (ceiling === undefined) return yield* source;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) return next.value;
      const batch = next.value;
      yield {
        ...batch,
        fromCheckpoint: capped(batch.fromCheckpoint, ceiling),
        toCheckpoint: capped(batch.toCheckpoint, ceiling),
      };
    }
  } finally {
    await source.return('aborted'); // the consumer stopped early: the pages stop too
  }
}
