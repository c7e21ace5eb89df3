/**
 * When a tenant's initial logs were written: evenly, or as a real tenant writes them (busy working
 * hours, quiet nights and weekends), with attack bursts on top. The result is a few date segments,
 * so a log's id time is computed from its index without storing anything per log.
 */

/** Logs `start .. start + count - 1` have id times `max(minMs, floor(baseMs + k * stepMs))`. */
export interface Segment {
  start: number;
  count: number;
  baseMs: number;
  stepMs: number;
  minMs: number;
  /** Latest id time of the segment (the last initial log is at `endMs`, whatever the rounding). */
  maxMs?: number;
  /** Share of the segment's logs that belong to a burst (spread evenly through it). @default 0 */
  burstShare?: number;
}

/** A burst of failed logins: `logs` logs spread evenly over `seconds` from `atMs`. */
export interface Burst {
  atMs: number;
  logs: number;
  seconds: number;
}

/** How the initial logs arrive over time; see {@link FakeTenantOptions.arrival}. */
export type Arrival = 'even' | 'realistic';

const HOUR_MS = 3_600_000;

/**
 * Relative rate of a working day's hours (UTC): quiet at night, busiest 9:00 to 17:00. Weekends
 * write a quarter of that. Shaped on the usual B2B/B2C login curve; only the shape matters.
 */
const WEEKDAY_HOURS = [
  0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.2, 0.5, 0.85, 1, 1, 1, 0.9, 1, 1, 1, 1, 0.8, 0.6, 0.45,
  0.35, 0.25, 0.15, 0.1,
];
const WEEKEND_FACTOR = 0.25;

/** The realistic arrival's relative rate at `ms` (constant within a UTC hour). */
export function realisticRate(ms: number): number {
  const date = new Date(ms);
  const day = date.getUTCDay();
  const hour = WEEKDAY_HOURS[date.getUTCHours()] as number;
  return day === 0 || day === 6 ? hour * WEEKEND_FACTOR : hour;
}

/** A stretch of time with a constant rate of background logs and of burst logs (per ms). */
interface Piece {
  t0: number;
  t1: number;
  background: number;
  burst: number;
}

/** Cuts `[startMs, endMs]` at every UTC hour (realistic) and burst edge; rates in logs per ms. */
function pieces(count: number, startMs: number, endMs: number, arrival: Arrival, bursts: Burst[]) {
  const cuts = new Set<number>([startMs, endMs]);
  if (arrival === 'realistic') {
    for (let t = Math.ceil(startMs / HOUR_MS) * HOUR_MS; t < endMs; t += HOUR_MS) cuts.add(t);
  }
  for (const burst of bursts) {
    cuts.add(burst.atMs);
    cuts.add(burst.atMs + burst.seconds * 1000);
  }
  const edges = [...cuts].sort((a, b) => a - b);
  const rate = (t: number) => (arrival === 'realistic' ? realisticRate(t) : 1);
  const list: Piece[] = [];
  let raw = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const [t0, t1] = [edges[i] as number, edges[i + 1] as number];
    let burst = 0;
    for (const b of bursts) {
      if (t0 >= b.atMs && t1 <= b.atMs + b.seconds * 1000) burst += b.logs / (b.seconds * 1000);
    }
    list.push({ t0, t1, background: rate(t0), burst });
    raw += rate(t0) * (t1 - t0);
  }
  for (const piece of list) piece.background = raw > 0 ? (piece.background * count) / raw : 0;
  return list;
}

/**
 * The segments of `count` background logs plus the bursts' logs over `[startMs, endMs]`: log k of
 * N sits where the cumulative rate reaches k / (N - 1) of the total, so the first log is at
 * `startMs` and the last at `endMs` (the even arrival is today's `startMs + k * (endMs - startMs) /
 * (N - 1)`). A burst's share of each piece is marked for {@link isBurstLog}.
 */
export function arrivalSegments(
  count: number,
  startMs: number,
  endMs: number,
  arrival: Arrival,
  bursts: Burst[],
): Segment[] {
  const total = count + bursts.reduce((sum, burst) => sum + burst.logs, 0);
  if ((arrival === 'even' && bursts.length === 0) || total <= 1 || endMs === startMs) {
    const stepMs = total > 1 ? (endMs - startMs) / (total - 1) : 0;
    return [{ start: 0, count: total, baseMs: startMs, stepMs, minMs: startMs }];
  }
  const list = pieces(count, startMs, endMs, arrival, bursts);
  const weight = list.reduce((sum, p) => sum + (p.background + p.burst) * (p.t1 - p.t0), 0);
  const unit = weight / (total - 1);
  const segments: Segment[] = [];
  let cumulative = 0;
  let next = 0;
  for (const piece of list) {
    const rate = piece.background + piece.burst;
    const end = cumulative + rate * (piece.t1 - piece.t0);
    // logs whose cumulative position k * unit falls in [cumulative, end); the last piece takes the rest
    const last =
      piece === list[list.length - 1] ? total - 1 : Math.min(total - 1, Math.ceil(end / unit) - 1);
    if (rate > 0 && last >= next) {
      const segment: Segment = {
        start: next,
        count: last - next + 1,
        baseMs: piece.t0 + (next * unit - cumulative) / rate,
        stepMs: unit / rate,
        minMs: startMs,
        maxMs: endMs,
      };
      if (piece.burst > 0) segment.burstShare = piece.burst / rate;
      segments.push(segment);
      next = last + 1;
    }
    cumulative = end;
  }
  return segments;
}

/** Whether the `k`-th log of a segment (0-based) is a burst log: its share, spread evenly. */
export function isBurstLog(segment: Segment, k: number): boolean {
  const share = segment.burstShare ?? 0;
  return share > 0 && Math.floor((k + 1) * share) > Math.floor(k * share);
}
