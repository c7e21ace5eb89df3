import { integerOption, numberOption } from '../options/check';
import type { RateLimitOptions } from './types';

/** The outcome of one request against the bucket, with the headers to send. */
export interface RateLimitDecision {
  allowed: boolean;
  /** `x-ratelimit-limit`. */
  limit: number;
  /** `x-ratelimit-remaining`: whole tokens left after this request. */
  remaining: number;
  /** `x-ratelimit-reset`: epoch seconds (ceil) at which the bucket is full again. */
  reset: number;
  /** `Retry-After` in whole seconds (at least 1) until one token is available; 0 when allowed. */
  retryAfter: number;
}

/** Headers sent when no rate limit is configured, as a tenant with plenty of room would. */
const UNLIMITED = 50;

/** Throws an `ArgumentError` unless `options` is a usable bucket. */
export function validateRateLimit(options: RateLimitOptions, name = 'rateLimit'): void {
  const { burst, perSecond } = options;
  integerOption(
    name,
    burst,
    undefined,
    { min: 1, max: Infinity },
    { shown: `${name}.burst`, strict: true },
  );
  numberOption(
    name,
    perSecond,
    undefined,
    { min: 0, max: Infinity, above: true },
    {
      shown: `${name}.perSecond`,
    },
  );
}

/** The token bucket applied to `/api/v2/logs`. Without options every request is allowed. */
export class TokenBucket {
  #options: RateLimitOptions | undefined;
  #tokens = 0;
  #updatedAt = 0;
  readonly #now: () => number;

  constructor(options: RateLimitOptions | undefined, now: () => number) {
    this.#now = now;
    this.configure(options);
  }

  /** Replaces the limits and refills the bucket. `undefined` removes the limit. */
  configure(options: RateLimitOptions | undefined): void {
    if (options) validateRateLimit(options);
    this.#options = options && { burst: options.burst, perSecond: options.perSecond };
    this.#tokens = options?.burst ?? 0;
    this.#updatedAt = this.#now();
  }

  /** Takes one token if there is one. */
  take(): RateLimitDecision {
    return this.#decide(true);
  }

  /** The current headers, without taking a token. */
  peek(): RateLimitDecision {
    return this.#decide(false);
  }

  #decide(consume: boolean): RateLimitDecision {
    const now = this.#now();
    const options = this.#options;
    if (!options) {
      const reset = Math.ceil(now / 1000);
      return { allowed: true, limit: UNLIMITED, remaining: UNLIMITED, reset, retryAfter: 0 };
    }
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    // Rounded so that float drift never turns a whole token into 0.9999999.
    const refilled = Math.round((this.#tokens + elapsed * options.perSecond) * 1e9) / 1e9;
    this.#tokens = Math.min(options.burst, refilled);
    this.#updatedAt = now;

    const allowed = this.#tokens >= 1;
    if (allowed && consume) this.#tokens -= 1;
    const tokens = this.#tokens;
    const fullAt = now + ((options.burst - tokens) / options.perSecond) * 1000;
    const retryAfter = allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / options.perSecond));
    return {
      allowed,
      limit: options.burst,
      remaining: Math.floor(tokens),
      reset: Math.ceil(fullAt / 1000),
      retryAfter,
    };
  }
}
