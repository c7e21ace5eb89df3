import type { LogEvent } from '../types';
import { arrivalSegments, isBurstLog } from './arrival';
import type { Arrival, Burst, Segment } from './arrival';
import { buildFields, burstSpecFor, makeTenant, mix, mulberry32, typeSpecFor } from './log-catalog';
import type { Tenant } from './log-catalog';

/** Options of {@link LogGenerator}. */
export interface LogGeneratorOptions {
  /** Seed of every random field. */
  seed: number;
  /** Logs that exist from the start. */
  count: number;
  /** Date (epoch ms) of the first log. */
  startMs: number;
  /** Date (epoch ms) of the last initial log. */
  endMs: number;
  /** How the initial logs are spread from `startMs` to `endMs`. @default 'even' */
  arrival?: Arrival;
  /** Bursts of failed logins on top of the `count` logs, within `startMs .. endMs`. @default [] */
  bursts?: Burst[];
  /** Share (0..1) of logs written late: their `date` is earlier than their id's time. @default 0 */
  lateShare?: number;
  /** A late log's `date` is 1 to `lateMs` ms earlier than its id's time. @default 2500 */
  lateMs?: number;
}

const SEQUENCE_DIGITS = 36;
/** Salt of the per-log PRNG that decides lateness (fields use the unsalted one). */
const LATE_SALT = 0x1a7e1a7e;

/**
 * Computes log `i` from `i` and the seed whenever asked: nothing but a few date segments is stored,
 * so millions of logs cost no memory. Ids (`900` + `yyyyMMddHHmmssSSS` + 36-digit index) strictly
 * increase with the index, and so does their time (never decreases). A log's `date` is its id's
 * time, except for late logs (`lateShare`): Auth0 writes some logs late, so their `date` is earlier
 * than that of logs with smaller ids (checkpoint paging is ordered by `log_id`, "rather than log
 * generation time, to prevent skipping past records due to Auth0 system delays":
 * https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api).
 */
export class LogGenerator {
  readonly seed: number;
  readonly lateShare: number;
  /** Most a log's `date` can be earlier than its id's time, in ms (0 when no log is late). */
  readonly maxLateMs: number;
  readonly #tenant: Tenant;
  readonly #segments: Segment[] = [];
  #count = 0;
  #first = 0;
  #growth: { startMs: number; perSecond: number; created: number; segment?: Segment } | undefined;

  constructor(options: LogGeneratorOptions) {
    this.seed = options.seed;
    this.lateShare = options.lateShare ?? 0;
    this.maxLateMs = this.lateShare > 0 ? (options.lateMs ?? 2500) : 0;
    this.#tenant = makeTenant(options.seed);
    const { count, startMs, endMs } = options;
    const segments = arrivalSegments(
      count,
      startMs,
      endMs,
      options.arrival ?? 'even',
      options.bursts ?? [],
    );
    for (const segment of segments) this.#push(segment);
  }

  /** Logs written so far, expired ones included: indexes run from 0 to `count - 1`. */
  get count(): number {
    return this.#count;
  }

  /** Index of the oldest log kept: the ones before it expired (see {@link expireBefore}). */
  get first(): number {
    return this.#first;
  }

  /**
   * Expires the logs whose id's time is before `ms` (an expired log never comes back). By the id's
   * time, not the date, so that the logs kept are always the ones from {@link first} on.
   */
  expireBefore(ms: number): void {
    this.#first = Math.max(this.#first, this.indexAtOrAfter(ms));
  }

  /** Appends `n` logs with id time `dateMs` (or the last log's, if later). */
  add(n: number, dateMs: number): void {
    const minMs = Math.max(dateMs, this.#lastIdMs());
    this.#push({ start: this.#count, count: n, baseMs: minMs, stepMs: 0, minMs });
  }

  /** From `startMs` on, a log is created every `1000 / perSecond` ms; see {@link grow}. */
  startGrowth(startMs: number, perSecond: number): void {
    this.#growth = perSecond > 0 ? { startMs, perSecond, created: 0 } : undefined;
  }

  /** Appends the logs created by growth up to `nowMs`, each dated at its creation time. */
  grow(nowMs: number): void {
    const growth = this.#growth;
    if (!growth) return;
    const due = Math.floor(((nowMs - growth.startMs) * growth.perSecond) / 1000) - growth.created;
    if (due <= 0) return;
    const stepMs = 1000 / growth.perSecond;
    const last = this.#segments[this.#segments.length - 1];
    if (growth.segment && growth.segment === last) {
      growth.segment.count += due;
      this.#count += due;
    } else {
      const baseMs = growth.startMs + (growth.created + 1) * stepMs;
      const segment = { start: this.#count, count: due, baseMs, stepMs, minMs: this.#lastIdMs() };
      this.#push(segment);
      growth.segment = segment;
    }
    growth.created += due;
  }

  /** Time (epoch ms) in the id of log `index`: when it was written. Never decreases with the index. */
  idMsAt(index: number): number {
    const segment = this.#segmentOf(index);
    const ms = Math.floor(segment.baseMs + (index - segment.start) * segment.stepMs);
    return Math.min(segment.maxMs ?? Infinity, Math.max(segment.minMs, ms));
  }

  /** How much earlier than its id's time log `index` is dated, in ms: 0, or 1 to `lateMs`. */
  latenessMsAt(index: number): number {
    if (this.maxLateMs === 0) return 0;
    const random = mulberry32(mix(this.seed ^ LATE_SALT, index));
    if (random() >= this.lateShare) return 0;
    return 1 + Math.floor(random() * this.maxLateMs);
  }

  /** `date` (epoch ms) of log `index`: its id's time, less its lateness. */
  dateMsAt(index: number): number {
    return this.idMsAt(index) - this.latenessMsAt(index);
  }

  /** The 56-digit `log_id` of log `index`. */
  idAt(index: number): string {
    const stamp = new Date(this.idMsAt(index)).toISOString().replace(/\D/g, '');
    return `900${stamp}${String(index).padStart(SEQUENCE_DIGITS, '0')}`;
  }

  /** Whether log `index` belongs to an attack burst (a failed login, `f` or `fu`). */
  isBurstAt(index: number): boolean {
    const segment = this.#segmentOf(index);
    return isBurstLog(segment, index - segment.start);
  }

  /** The `type` of log `index`, without building the rest of it. */
  typeAt(index: number): string {
    return this.#specAt(index, mulberry32(mix(this.seed, index))()).type;
  }

  #specAt(index: number, first: number) {
    return this.isBurstAt(index) ? burstSpecFor(first) : typeSpecFor(first);
  }

  /** Log `index`, built from scratch. */
  at(index: number): LogEvent {
    const random = mulberry32(mix(this.seed, index));
    const first = random();
    const dateMs = this.dateMsAt(index);
    const date = new Date(dateMs).toISOString();
    const id = this.idAt(index);
    const fields = buildFields(this.#tenant, this.#specAt(index, first), random, date);
    return { date, ...fields, type: fields.type as string, log_id: id, _id: id };
  }

  /** Index of the first log whose id is greater than `from` (string order); `count` if none. */
  indexAfter(from: string): number {
    if (/^900\d{53}$/.test(from)) {
      const index = Number(from.slice(-SEQUENCE_DIGITS));
      if (index < this.#count && this.idAt(index) === from) return index + 1;
    }
    return this.#search((index) => this.idAt(index) > from);
  }

  /**
   * Index of the first log whose id's time is at or after `ms`; `count` if none. Without late logs
   * that is the first log dated at or after `ms`; with them, no log before it is dated at or after
   * `ms`, and none from `indexAtOrAfter(ms + maxLateMs)` on is dated before `ms`.
   */
  indexAtOrAfter(ms: number): number {
    return this.#search((index) => this.idMsAt(index) >= ms);
  }

  /** Lowest index for which the monotonic `test` holds. */
  #search(test: (index: number) => boolean): number {
    let low = 0;
    let high = this.#count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (test(mid)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  #push(segment: Segment): void {
    if (segment.count <= 0) return;
    this.#segments.push(segment);
    this.#count += segment.count;
  }

  #lastIdMs(): number {
    return this.#count > 0 ? this.idMsAt(this.#count - 1) : -Infinity;
  }

  #segmentOf(index: number): Segment {
    if (!Number.isInteger(index) || index < 0 || index >= this.#count) {
      throw new RangeError(`Expected a log index from 0 to ${this.#count - 1}, got ${index}`);
    }
    let low = 0;
    let high = this.#segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if ((this.#segments[mid] as Segment).start <= index) low = mid;
      else high = mid - 1;
    }
    return this.#segments[low] as Segment;
  }
}
