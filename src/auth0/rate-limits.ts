import { DEFAULTS } from '../defaults';
import type { RateLimits } from '../types';

/**
 * Rate limits and every wait computed from them, in one place. Facts (Auth0's "Management API rate
 * limits" page): every answer carries `x-ratelimit-limit`, `x-ratelimit-remaining` and
 * `x-ratelimit-reset` (epoch seconds in the tenant's clock at which the bucket is full again); a 429
 * may carry `Retry-After` (seconds, or an HTTP date), and on burst limits its reset can be "now".
 * Waits are computed in the tenant's time ({@link TenantClock}) and capped at
 * `DEFAULTS.maxRetryDelayMs` (30 s), after which the caller looks at the state again.
 */

/** Header lookup: the lower-case name's value, or `undefined`. */
export type HeaderGetter = (name: string) => string | undefined;

/** Rate-limit headers as numbers; `NaN` where a header is missing or not a number. */
export function parseLimits(header: HeaderGetter): RateLimits {
  const num = (name: string) => {
    const raw = header(name);
    return raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  };
  return {
    limit: num('x-ratelimit-limit'),
    remaining: num('x-ratelimit-remaining'),
    reset: num('x-ratelimit-reset'),
  };
}

/**
 * How long until the bucket holds one request again, in ms: the time until it is full (by the
 * tenant's clock) shared by the requests it refills (it refills evenly), at most `maxWaitMs`; 1 s
 * without a usable reset header.
 * @param tenantNow the tenant's time in epoch ms (`client.tenantNow()`), not the local clock.
 */
export function rateLimitWait(
  limits: RateLimits,
  tenantNow: number,
  maxWaitMs: number = DEFAULTS.maxRetryDelayMs,
): number {
  if (!Number.isFinite(limits.reset)) return Math.min(1000, maxWaitMs);
  const toFull = Math.max(0, limits.reset * 1000 - tenantNow);
  const size = Number.isFinite(limits.limit) && limits.limit >= 1 ? limits.limit : 1;
  const missing = Math.max(
    1,
    size - Math.max(0, Number.isFinite(limits.remaining) ? limits.remaining : 0),
  );
  return Math.min(maxWaitMs, Math.ceil(toFull / missing));
}

/**
 * The wait a 429 asks for, in ms from the moment it was received: `Retry-After` (seconds, or an HTTP
 * date read in the tenant's clock), else {@link rateLimitWait} from its `x-ratelimit-*` headers.
 * `undefined` when it says nothing usable. Not capped: {@link retryWait} caps it.
 */
export function askedWait(
  retryAfter: string | undefined,
  limits: RateLimits,
  tenantNow: number,
): number | undefined {
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - tenantNow);
  }
  if (Number.isFinite(limits.reset)) return rateLimitWait(limits, tenantNow, Infinity);
  return undefined;
}

/** What a backoff needs: its bounds and a random source in [0, 1). */
export interface BackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/**
 * Exponential backoff with full jitter for retry `attempt` (1-based): a random wait from 0 to
 * `minDelayMs * 2^(attempt-1)`, capped at `maxDelayMs`.
 */
export function backoffStep(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(options.random() * ceiling);
}

/**
 * The wait before retry `attempt` (1-based): what the server asked for (`retryAfterMs` on the error),
 * but never shorter than the backoff step and never longer than `maxDelayMs`.
 */
export function retryWait(error: unknown, attempt: number, options: BackoffOptions): number {
  const step = backoffStep(attempt, options);
  const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const wait = typeof asked === 'number' && Number.isFinite(asked) ? Math.max(asked, step) : step;
  return Math.min(Math.max(wait, 0), options.maxDelayMs);
}

/** The range of offsets (tenant minus local clock) one answer allows. */
interface OffsetBounds {
  low: number;
  high: number;
}

const SAMPLES = 16;

/**
 * Estimates the tenant's clock from the `Date` header of its answers, so that waits computed from
 * `x-ratelimit-reset` and `Retry-After` hold whatever the local clock says. `Date` has whole seconds:
 * an answer received at local `receivedAt` for a request sent at `sentAt` shows that the offset lies
 * in `[date - receivedAt, date + 1000 - sentAt)`. The estimate is the largest lower bound of the last
 * 16 answers: never ahead of the tenant, so a wait for its reset is never too short. When an answer
 * contradicts the others (the tenant's clock was stepped), the older answers are dropped.
 */
export class TenantClock {
  readonly #now: () => number;
  #samples: OffsetBounds[] = [];

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Records one answer's `Date` header; ignores a missing or unreadable one. */
  observe(date: string | undefined, sentAt: number, receivedAt: number): void {
    const at = date === undefined ? Number.NaN : Date.parse(date);
    if (!Number.isFinite(at)) return;
    const sample = { low: at - receivedAt, high: at + 1000 - Math.min(sentAt, receivedAt) };
    const low = Math.max(...this.#samples.map((s) => s.low));
    const high = Math.min(...this.#samples.map((s) => s.high));
    if (sample.high <= low || sample.low >= high) this.#samples = [];
    this.#samples.push(sample);
    if (this.#samples.length > SAMPLES) this.#samples.shift();
  }

  /** Tenant minus local clock, in ms; 0 before any answer with a `Date` header. */
  offsetMs(): number {
    return this.#samples.length ? Math.max(...this.#samples.map((s) => s.low)) : 0;
  }

  /** The tenant's time, in epoch ms. */
  now(): number {
    return this.#now() + this.offsetMs();
  }
}
