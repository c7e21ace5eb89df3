import type { LogsQuery, RequestOptions } from '../../src/auth0/types';
import { AbortError, ManagementApiError } from '../../src/errors';
import { LogGenerator, type LogGeneratorOptions } from '../../src/testing/log-generator';
import type { LogEvent, LogsPage, RateLimits } from '../../src/types';

/**
 * Simulated time for tests of several cursors: `sleep` registers a timer, and `run` moves the clock
 * to the next timer only once every pending promise has settled, so a run of minutes of tenant time
 * takes milliseconds and does not depend on the machine's speed.
 */
export class SimClock {
  #now: number;
  #seq = 0;
  readonly #timers: { at: number; seq: number; resolve: () => void }[] = [];

  constructor(startMs: number) {
    this.#now = startMs;
  }

  readonly now = (): number => this.#now;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((done) => {
      // a sleep that ends removes its abort listener: the signal is the run's, shared by every
      // cursor's sleeps, and would otherwise gather one listener per sleep
      const onAbort = () => {
        const at = this.#timers.indexOf(timer);
        if (at !== -1) this.#timers.splice(at, 1);
        done();
      };
      const resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        done();
      };
      const timer = { at: this.#now + ms, seq: this.#seq++, resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** Settles `promise`, firing timers in time order whenever nothing else can move. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      if (settled) return promise;
      if (this.#timers.length === 0) throw new Error('Simulated run is stuck: no timer pending');
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const at = (this.#timers[0] as { at: number }).at;
      this.#now = Math.max(this.#now, at);
      while (this.#timers.length && (this.#timers[0] as { at: number }).at <= at)
        (this.#timers.shift() as { resolve: () => void }).resolve();
    }
  }
}

/** Options of {@link simTenant}. */
export interface SimTenantOptions {
  clock: SimClock;
  /** Its logs, as the fake tenant generates them. */
  logs: LogGeneratorOptions;
  /** Time from a request to its answer, in simulated ms. */
  latencyMs: number;
  /** A token bucket on the logs requests: `burst` at once, refilled at `perSecond`. */
  rateLimit?: { burst: number; perSecond: number };
}

/**
 * An in-memory tenant in simulated time: answers `from` with the logs whose id is greater, as
 * Auth0 does (each log only its `log_id`, with an empty `date`), `latencyMs` after the request, with the rate-limit headers of its bucket (a 429 when
 * the bucket is empty). Counts requests and 429s.
 */
export function simTenant(o: SimTenantOptions) {
  const generator = new LogGenerator(o.logs);
  const { clock } = o;
  const bucket = o.rateLimit;
  let tokens = bucket?.burst ?? Infinity;
  let filledAt = clock.now();
  const stats = { requests: 0, rateLimited: 0 };
  const limits = (): RateLimits => {
    if (!bucket) return { limit: 50, remaining: 50, reset: Math.floor(clock.now() / 1000) };
    const toFullMs = ((bucket.burst - tokens) / bucket.perSecond) * 1000;
    return {
      limit: bucket.burst,
      remaining: Math.floor(tokens),
      reset: Math.ceil((clock.now() + toFullMs) / 1000),
    };
  };
  return {
    stats,
    ids: () => Array.from({ length: generator.count }, (_, i) => generator.idAt(i)),
    tenantNow: clock.now,
    async getLogs(query: LogsQuery, options: RequestOptions): Promise<LogsPage> {
      stats.requests += 1;
      if (bucket) {
        tokens = Math.min(
          bucket.burst,
          tokens + ((clock.now() - filledAt) * bucket.perSecond) / 1000,
        );
        filledAt = clock.now();
      }
      const refused = tokens < 1;
      if (!refused) tokens -= 1;
      const answered = limits();
      const take = Number(query.take ?? query.per_page);
      const from = typeof query.from === 'string' ? query.from : undefined;
      const start = from === undefined ? 0 : generator.indexAfter(from);
      const logs: LogEvent[] = [];
      // the id is all a cursor reads (a whole generated log costs ~80 µs: too slow for 10,000s)
      for (let i = start; i < Math.min(generator.count, start + take); i++)
        logs.push({ log_id: generator.idAt(i), date: '', type: 's' });
      await clock.sleep(o.latencyMs, options.signal);
      if (options.signal?.aborted) throw new AbortError();
      if (refused) {
        stats.rateLimited += 1;
        throw new ManagementApiError('too_many_requests', 'Too Many Requests', {
          status: 429,
          limits: answered,
          retryAfterMs: Math.ceil(1000 / (bucket?.perSecond ?? 1)),
        });
      }
      return { logs, limits: answered };
    },
  };
}
