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
  /** Read to its end: nothing of it is left to read. */
  done: boolean;
  /** Logs it read that wait in the reorder buffer. */
  held: number;
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
  /**
   * How far ahead of the consumer the cursors usefully read, in logs (the reorder buffer): work
   * past it would only wait in the buffer, so splits go within it.
   */
  windowLogs: number;
  /**
   * Cursors looking for work now, this one included: the victim's part in the window is shared
   * among them and its own cursor, so the first takes the last `1 / (idle + 1)` of it. @default 1
   */
  idle?: number;
  /**
   * Cursors in all: the logs before a slice are read by all of them, so a slice is needed that
   * much later (see {@link chooseSteal}). @default 1
   */
  cursors?: number;
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
 * Where an idle cursor takes work: its share (half when it is the only one looking; by time, so by
 * id) of the open slice that would be latest, read by its cursor alone: the most logs still to
 * read within the window (the logs the consumer takes next: those of the slices before it, held
 * or still to read, count against it), less the logs before it, which all the cursors share; each
 * slice's density learned from the pages it read. `undefined` when no slice holds `minLogs` or
 * more there, or none spans two whole seconds still to read.
 */
export function chooseSteal(slices: SliceFacts[], o: StealOptions): Steal | undefined {
  let best:
    | { victim: number; lo: number; hi: number; logs: number; late: number; share: number }
    | undefined;
  let before = 0;
  slices.forEach((s, victim) => {
    const range = s.done ? { lo: 0, hi: 0, logs: 0 } : remaining(s, o);
    const within = Math.max(0, Math.min(range.logs, o.windowLogs - before - s.held));
    before += s.held + range.logs;
    const needed = before - s.held - range.logs;
    if (!s.open || within < o.minLogs || range.hi - range.lo < 2000) return;
    // how late the slice would be, read by its cursor alone: what it holds still to read within the
    // window, less the logs before it, which all the cursors read first
    const late = within - needed / Math.max(1, o.cursors ?? 1);
    if (!best || late > best.late)
      best = { victim, ...range, logs: within, late, share: within / range.logs };
  });
  if (!best) return undefined;
  const { victim, lo, hi, share } = best;
  const parts = Math.max(1, o.idle ?? 1) + 1;
  // whole seconds, past every id the victim saw (lo is its highest id's second) and below its bound
  const mid = lo + ((hi - lo) * share * (parts - 1)) / parts;
  const atMs = Math.max(lo + 1000, Math.floor(mid / 1000) * 1000);
  return atMs < hi ? { victim, atMs } : undefined;
}
