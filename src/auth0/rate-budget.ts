import type { RequestBudget } from '../pipeline/types';
import { rateLimitWait } from './rate-limits';
import type { RateLimits } from '../types';
import { reportWait, type WaitListener } from '../util/wait';

/** Options of {@link SharedRateLimits}. */
export interface SharedRateLimitsOptions {
  /** Local clock, epoch ms. */
  now: () => number;
  /** The tenant's clock (`client.tenantNow()`), epoch ms; `x-ratelimit-reset` is in it. */
  tenantNow: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before every wait for the bucket, with reason `rate_limit`. */
  onWait?: WaitListener | undefined;
}

/**
 * One rate-limit bucket for several cursors (backfill). Estimates the tokens the tenant's bucket
 * holds from the latest answer's `x-ratelimit-remaining`, plus what the bucket refilled since (at
 * the rate its `x-ratelimit-reset` implies, see `rateLimitWait`), minus every request still in
 * flight (some of which that answer may already count: the estimate errs low). A request starts
 * only when the estimate holds a whole token, so cursors never spend one token together: that keeps
 * 429s rare however many cursors read.
 */
export class SharedRateLimits implements RequestBudget {
  readonly #o: SharedRateLimitsOptions;
  #limits: RateLimits | undefined;
  #at = 0;
  #perTokenMs = 0;
  #inFlight = 0;
  /** Requests started, for the run's figures. */
  requests = 0;

  constructor(options: SharedRateLimitsOptions) {
    this.#o = options;
  }

  /** Records an answer's limits without a reservation (a request sent by other means). */
  observe(limits: RateLimits): void {
    if (!Number.isFinite(limits.remaining)) return;
    this.#limits = limits;
    this.#at = this.#o.now();
    // A bucket below its size refills; a reset already past means it is full again at once.
    this.#perTokenMs =
      limits.remaining < limits.limit ? Math.max(1, rateLimitWait(limits, this.#o.tenantNow())) : 0;
  }

  done(limits?: RateLimits): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (limits) this.observe(limits);
  }

  /** Tokens the bucket holds now, by the estimate; `Infinity` before any answer. */
  available(): number {
    const limits = this.#limits;
    if (!limits) return Infinity;
    const refilled = this.#perTokenMs > 0 ? (this.#o.now() - this.#at) / this.#perTokenMs : 0;
    const size = Number.isFinite(limits.limit) ? limits.limit : Infinity;
    return Math.min(size, limits.remaining + refilled) - this.#inFlight;
  }

  /**
   * Requests per second the bucket refills, by the latest answer's headers; `Infinity` before any
   * answer, or while the bucket is full (its refill rate does not show then).
   */
  refillPerSecond(): number {
    return this.#perTokenMs > 0 ? 1000 / this.#perTokenMs : Infinity;
  }

  async reserve(options: {
    deadline: number;
    wait: boolean;
    signal?: AbortSignal | undefined;
  }): Promise<'rate_limit' | 'aborted' | undefined> {
    for (;;) {
      if (options.signal?.aborted) return 'aborted';
      const available = this.available();
      if (available >= 1) {
        this.#inFlight += 1;
        this.requests += 1;
        return undefined;
      }
      const perToken = this.#perTokenMs > 0 ? this.#perTokenMs : 1000;
      const wait = Math.max(1, Math.ceil((1 - available) * perToken));
      if (!options.wait || this.#o.now() + wait > options.deadline) return 'rate_limit';
      reportWait(this.#o.onWait, 'rate_limit', wait);
      await this.#o.sleep(wait, options.signal);
    }
  }
}
