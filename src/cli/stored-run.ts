import type { StopReason } from '../types';

/**
 * One entry of a stored run history as `status` shows it. The library accepts any array as the
 * history (the original package stored a run's `error` as an array of objects and messages), so
 * every field is read defensively: text fields are text, counts are numbers or `undefined`.
 */
export interface StoredRunView {
  /** The start as stored (an ISO date, or whatever text was there); `undefined` when absent. */
  start: string | undefined;
  /** Milliseconds from start to end, when both are dates. */
  durationMs: number | undefined;
  logsProcessed: number | undefined;
  checkpoint: string | undefined;
  stopReason: string | undefined;
  error: string | undefined;
  warning: string | undefined;
  /** Logs given up on, summed over the stored ranges. */
  skippedLogs: number | undefined;
  /** Set when the entry is not an object at all (then only this is shown). */
  unreadable?: string;
}

/**
 * A stored value as one line of text: a string as it is; an array item by item (joined with
 * `; `); an object by its `message` (or `code`, `name`), else its JSON; `undefined` when empty.
 * Never throws (a cycle or a BigInt becomes `String(value)`).
 */
export function storedText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(storedText).filter((part): part is string => part !== undefined);
    return parts.length ? parts.join('; ') : undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of ['message', 'code', 'name']) {
    if (typeof record[key] === 'string' && record[key] !== '') return record[key];
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A stored date (an ISO string, a `Date`, epoch ms) as a `Date`, or `undefined`. */
export function storedDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date))
    return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const STOP_REASONS = new Set<StopReason>([
  'caught_up',
  'max_run_time',
  'rate_limit',
  'aborted',
  'failed',
]);

/** Whether a stored stop reason is one the library writes. */
export function isStopReason(value: unknown): value is StopReason {
  return STOP_REASONS.has(value as StopReason);
}

/** One stored history entry, whatever its shape, as `status` shows it. */
export function storedRun(entry: unknown): StoredRunView {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return {
      start: undefined,
      durationMs: undefined,
      logsProcessed: undefined,
      checkpoint: undefined,
      stopReason: undefined,
      error: undefined,
      warning: undefined,
      skippedLogs: undefined,
      unreadable: storedText(entry) ?? String(entry),
    };
  }
  const run = entry as Record<string, unknown>;
  const start = storedDate(run.start);
  const end = storedDate(run.end);
  const count = (value: unknown) => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  };
  const skipped = Array.isArray(run.skipped)
    ? run.skipped.reduce<number>((sum, range) => sum + (count(range?.logs) ?? 0), 0)
    : undefined;
  return {
    start: start ? start.toISOString() : storedText(run.start),
    durationMs: start && end ? end.getTime() - start.getTime() : undefined,
    logsProcessed: count(run.logsProcessed),
    checkpoint: storedText(run.checkpoint),
    stopReason: storedText(run.stopReason),
    error: storedText(run.error),
    warning: storedText(run.warning),
    skippedLogs: Array.isArray(run.skipped) && run.skipped.length ? skipped : undefined,
  };
}
