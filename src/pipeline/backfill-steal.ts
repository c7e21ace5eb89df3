/**
 * Work stealing for backfill (see `backfillPages`): where the next idle cursor splits the work, so
 * that it moves to where the logs are, whatever the backlog's shape. Pure functions over what the
 * cursors have read so far.
 */

/** What stealing knows of one slice (times are epoch ms, whole seconds as ids hold them). */
export interface SliceFacts {
  /** Time of the slice's lower bound (the checkpoint's time for the first slice). */
  startMs: number;
  /** Time of its upper bound; `undefined` for the tail (the last slice, unbounded). */
  endMs: number | undefined;
  /** Time of the first log it read, once it read one. */
  firstMs?: number | undefined;
  /** Time of the highest id any of its answers held, once one did. */
  reachedMs?: number | undefined;
  /** Logs it read below its bound. */
  fetched: number;
  /** Whether it may still be split: still reading, and none of its answers reached its bound or was empty. */
  open: boolean;
}

/** A split: the slice at `victim` stops at `atMs`; a new slice reads from there to its old bound. */
export interface Steal {
  victim: number;
  atMs: number;
}

/** Options of {@link chooseSteal}. */
export interface StealOptions {
  /** Splits stay below this time (the horizon: the tail past it is read by the last slice). */
  horizon: number;
  /** Lowest time from which a request found no log at all (`Infinity`: none did). */
  emptyFromMs: number;
  /** Logs per ms assumed where a slice has read nothing yet. */
  density: number;
  /** Least logs a slice must be estimated to hold still for a split (each half gets about half). */
  minLogs: number;
}

/**
 * Logs per ms over what the slices read (and `seed`, the first page's `{ logs, ms }`): the
 * density assumed where a slice has read nothing yet.
 */
export function averageDensity(slices: SliceFacts[], seed: { logs: number; ms: number }): number {
  let logs = seed.logs;
  let ms = seed.ms;
  for (const s of slices) {
    if (s.firstMs === undefined || s.reachedMs === undefined || s.fetched === 0) continue;
    logs += s.fetched;
    ms += Math.max(1000, s.reachedMs - s.firstMs);
  }
  return logs / Math.max(1000, ms);
}

/** The range a slice has still to read, `[lo, hi)` in ms, and the logs it is estimated to hold. */
export function remaining(
  s: SliceFacts,
  o: Pick<StealOptions, 'horizon' | 'emptyFromMs' | 'density'>,
): { lo: number; hi: number; logs: number } {
  const lo = Math.max(s.startMs, s.reachedMs ?? s.startMs);
  const hi = Math.min(s.endMs ?? o.horizon, o.horizon, o.emptyFromMs);
  const own =
    s.fetched > 0 && s.firstMs !== undefined && s.reachedMs !== undefined
      ? s.fetched / Math.max(1000, s.reachedMs - s.firstMs)
      : o.density;
  return { lo, hi, logs: Math.max(0, hi - lo) * own };
}

/**
 * Where an idle cursor takes work: half (by time, so by id) of the open slice estimated to hold
 * the most logs still to read, each slice's density learned from the pages it read. `undefined`
 * when no slice holds `minLogs` or more, or none spans two whole seconds still to read.
 */
export function chooseSteal(slices: SliceFacts[], o: StealOptions): Steal | undefined {
  let best: { victim: number; lo: number; hi: number; logs: number } | undefined;
  slices.forEach((s, victim) => {
    if (!s.open) return;
    const range = remaining(s, o);
    if (range.logs < o.minLogs || range.hi - range.lo < 2000) return;
    if (!best || range.logs > best.logs) best = { victim, ...range };
  });
  if (!best) return undefined;
  const { victim, lo, hi } = best;
  // whole seconds, past every id the victim saw (lo is its highest id's second) and below its bound
  const atMs = Math.max(lo + 1000, Math.floor((lo + (hi - lo) / 2) / 1000) * 1000);
  return atMs < hi ? { victim, atMs } : undefined;
}
