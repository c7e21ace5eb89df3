import type { LogEvent } from '../types';
import { buildFields, makeTenant, mix, mulberry32, typeSpecFor } from './log-catalog';
import type { Tenant } from './log-catalog';

/** Options of {@link LogGenerator}. */
export interface LogGeneratorOptions {
  /** Seed of every random field. */
  seed: number;
  /** Logs that exist from the start. */
  count: number;
  /** Date (epoch ms) of the first log. */
  startMs: number;
  /** Date (epoch ms) of the last initial log; the initial logs are spread evenly in between. */
  endMs: number;
}

/** A run of logs whose dates follow `max(minMs, floor(baseMs + k * stepMs))` for k = 0, 1, ... */
interface Segment {
  start: number;
  count: number;
  baseMs: number;
  stepMs: number;
  minMs: number;
}

const SEQUENCE_DIGITS = 36;

/**
 * Computes log `i` from `i` and the seed whenever asked: nothing but a few date segments is stored,
 * so millions of logs cost no memory. Ids (`900` + `yyyyMMddHHmmssSSS` + 36-digit index) strictly
 * increase with the index, as do dates (never decrease).
 */
export class LogGenerator {
  readonly seed: number;
  readonly #tenant: Tenant;
  readonly #segments: Segment[] = [];
  #count = 0;
  #growth: { startMs: number; perSecond: number; created: number; segment?: Segment } | undefined;

  constructor(options: LogGeneratorOptions) {
    this.seed = options.seed;
    this.#tenant = makeTenant(options.seed);
    const { count, startMs, endMs } = options;
    const stepMs = count > 1 ? (endMs - startMs) / (count - 1) : 0;
    this.#push({ start: 0, count, baseMs: startMs, stepMs, minMs: startMs });
  }

  /** Logs that exist now. */
  get count(): number {
    return this.#count;
  }

  /** Appends `n` logs dated `dateMs` (or the last log's date, if later). */
  add(n: number, dateMs: number): void {
    const minMs = Math.max(dateMs, this.#lastDateMs());
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
      const segment = { start: this.#count, count: due, baseMs, stepMs, minMs: this.#lastDateMs() };
      this.#push(segment);
      growth.segment = segment;
    }
    growth.created += due;
  }

  /** Date (epoch ms) of log `index`. */
  dateMsAt(index: number): number {
    const segment = this.#segmentOf(index);
    return Math.max(
      segment.minMs,
      Math.floor(segment.baseMs + (index - segment.start) * segment.stepMs),
    );
  }

  /** The 56-digit `log_id` of log `index`. */
  idAt(index: number): string {
    const stamp = new Date(this.dateMsAt(index)).toISOString().replace(/\D/g, '');
    return `900${stamp}${String(index).padStart(SEQUENCE_DIGITS, '0')}`;
  }

  /** The `type` of log `index`, without building the rest of it. */
  typeAt(index: number): string {
    return typeSpecFor(mulberry32(mix(this.seed, index))()).type;
  }

  /** Log `index`, built from scratch. */
  at(index: number): LogEvent {
    const random = mulberry32(mix(this.seed, index));
    const first = random();
    const dateMs = this.dateMsAt(index);
    const date = new Date(dateMs).toISOString();
    const id = this.idAt(index);
    const fields = buildFields(this.#tenant, first, random, date);
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

  /** Index of the first log dated at or after `ms`; `count` if none. */
  indexAtOrAfter(ms: number): number {
    return this.#search((index) => this.dateMsAt(index) >= ms);
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

  #lastDateMs(): number {
    return this.#count > 0 ? this.dateMsAt(this.#count - 1) : -Infinity;
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
