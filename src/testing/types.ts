import type { LogEvent } from '../types';

/** A token bucket: `burst` requests at once, refilled at `perSecond` requests per second. */
export interface RateLimitOptions {
  /** Size of the bucket; also sent as `x-ratelimit-limit`. */
  burst: number;
  /** Tokens added back per second (may be fractional, e.g. `0.5`). */
  perSecond: number;
}

/**
 * Ways the logs endpoint can misbehave, to test what a client trusts (backfill's checks). A
 * "synthesised" `from` is one that is not the id of a log the tenant holds.
 */
export interface LogsQuirks {
  /** Serve ids whose time digits do not decode: `900`, 17 zeros, the sequence. @default false */
  opaqueIds?: boolean;
  /** Answer a synthesised `from` from the oldest log, as a tenant ignoring it would. @default false */
  ignoreSynthesisedFrom?: boolean;
  /**
   * Answer a synthesised `from` starting this many logs below it (out of order at a seam); a
   * negative shift starts that many logs too late (logs skipped at a seam). @default 0
   */
  synthesisedFromShift?: number;
  /** Answer a synthesised `from` with this status (e.g. 400) instead of logs. @default undefined */
  synthesisedFromStatus?: number;
  /** Misbehave from the n-th request with a synthesised `from` on (1-based). @default 1 */
  fromRequest?: number;
  /** Synthesised-`from` requests seen so far (kept by the tenant). */
  seen?: number;
}

/** An attack burst; see {@link FakeTenantOptions.bursts}. */
export interface FakeTenantBurst {
  /** When it starts: an ISO date or epoch ms. */
  at: string | number | Date;
  /** Failed logins it writes (an integer, at least 1). */
  logs: number;
  /** Over how many seconds they are spread (more than 0). */
  seconds: number;
}

/** Options of {@link startFakeTenant}. Every option is optional. */
export interface FakeTenantOptions {
  /** Port to listen on; `0` picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. The certificate covers `127.0.0.1`, `::1` and `localhost`. @default '127.0.0.1' */
  host?: string;
  /** Logs that exist when the server starts. @default 1000 */
  logs?: number;
  /** New logs appended per second while the server runs, dated at their creation. @default 0 */
  growth?: number;
  /**
   * Time from a request's arrival (its body read) to its answer, in ms, the tenant's own work
   * included: the answer is built on arrival (rate-limit bucket, tokens, logs as they are then), and
   * sent when what is left of the delay has passed (at once when building took longer).
   * @default 0
   */
  latencyMs?: number;
  /** Delay before a new TCP connection reaches TLS, in ms (keep-alive clients pay it once). @default 0 */
  connectLatencyMs?: number;
  /**
   * Token bucket applied to `GET /api/v2/logs`. Without it every request passes, and the headers say
   * limit 50, remaining 50, reset now.
   * @default undefined
   * @example { burst: 10, perSecond: 2 }
   */
  rateLimit?: RateLimitOptions;
  /** Probability (0..1) of answering a logs request with a 500. @default 0 */
  failRate?: number;
  /** Random source for `failRate`. @default a PRNG seeded with `seed` */
  random?: () => number;
  /** Lifetime of issued access tokens, in seconds. @default 86400 */
  tokenTtlSeconds?: number;
  /** Client id accepted by `/oauth/token`. @default a random 32-character id */
  clientId?: string;
  /** Client secret accepted by `/oauth/token`. @default a random 64-character secret */
  clientSecret?: string;
  /** Date of the first log; initial logs are spread (see `arrival`) up to `endDate`. @default 2 days before start */
  startDate?: Date | string | number;
  /**
   * How the initial `logs` are spread from `startDate` to `endDate` (the first at `startDate`, the
   * last at `endDate`): `'even'`, one every `(endDate - startDate) / (logs - 1)` ms; or
   * `'realistic'`, as a real tenant writes them, busiest 9:00 to 17:00 UTC on weekdays, about a
   * twelfth of that at night and a quarter of a weekday on Saturdays and Sundays. Logs added by
   * `growth` and `addLogs` arrive as they always do.
   * @default 'even'
   */
  arrival?: 'even' | 'realistic';
  /**
   * Attack bursts on top of the `logs`: each writes about `logs` failed logins (`f` and `fu`)
   * spread evenly over `seconds` from `at` (an ISO date or epoch ms), within `startDate` to
   * `endDate`. A real tenant sees thousands a minute during credential stuffing.
   * @default []
   * @example [{ at: '2024-03-05T03:00:00Z', logs: 3000, seconds: 180 }]
   */
  bursts?: readonly FakeTenantBurst[];
  /**
   * Date of the last initial log. Pass it (with `startDate`) to get the same log ids on every start,
   * whatever the clock says (the demo anchors its tenant so). @default the start time (`now()`)
   */
  endDate?: Date | string | number;
  /** Seed of the generated logs: the same seed, dates and count give the same logs. @default 1 */
  seed?: number;
  /** Clock, in epoch ms. @default Date.now */
  now?: () => number;
  /** Ways the logs endpoint misbehaves (ids that do not decode, synthesised `from` ignored...). @default none */
  quirks?: LogsQuirks;
  /**
   * Share (0..1) of logs written late, as Auth0 writes some: such a log's `date` is 1 to `lateMs` ms
   * earlier than its id's time, so date order differs from `log_id` order (checkpoint paging is
   * ordered by `log_id` "to prevent skipping past records due to Auth0 system delays":
   * https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api). Which logs are
   * late, and by how much, follows from `seed`.
   * @default 0
   * @example { lateShare: 0.05, lateMs: 2500 }
   */
  lateShare?: number;
  /** Most a late log's `date` is earlier than its id's time, in ms (an integer, at least 1). @default 2500 */
  lateMs?: number;
  /**
   * Logs whose id's time is more than this many days before the tenant's clock (`now`) are gone,
   * also while a client runs (Auth0 keeps logs 1 to 30 days by plan:
   * https://auth0.com/docs/deploy-monitor/logs/log-data-retention). A `from` older than the oldest
   * log kept answers from the oldest kept, as Auth0 does; search finds only the logs kept.
   * @default Infinity (no log expires)
   */
  retentionDays?: number;
}

/** Options that {@link FakeTenant.setOptions} can change while the server runs. */
export interface FakeTenantRuntimeOptions {
  latencyMs?: number;
  connectLatencyMs?: number;
  failRate?: number;
  /** `null` removes the rate limit. Setting it refills the bucket. */
  rateLimit?: RateLimitOptions | null;
  /** Replaces the quirks; `null` removes them. */
  quirks?: LogsQuirks | null;
}

/**
 * A canned answer, consumed (first in, first out) by the next request to `path` before normal
 * handling. The body is sent as is (strings) or as JSON (objects); `content-type` defaults to
 * `application/json`.
 * @example { path: 'logs', status: 503, body: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } }
 */
export interface ScriptedResponse {
  /**
   * Which endpoint's next request gets it: `'token'` (`POST /oauth/token`) or `'logs'`
   * (`GET /api/v2/logs`); without it, the next request to either. Any other value (a URL path such
   * as `'/oauth/token'`) throws an `ArgumentError` naming `path`.
   */
  path?: 'token' | 'logs';
  status: number;
  body?: string | object;
  /** Extra headers; they override the rate-limit headers. */
  headers?: Record<string, string>;
  /** Send the rate-limit headers (without taking a token). @default true */
  rateLimitHeaders?: boolean;
  /** Extra delay before this answer, in ms, added to `latencyMs`. @default 0 */
  delayMs?: number;
  /** Destroy the connection after the delay instead of answering (a socket hang up). @default false */
  hangUp?: boolean;
}

/** Counters since start or the last {@link FakeTenant.resetStats}. */
export interface FakeTenantStats {
  /** Requests to `/oauth/token`. */
  tokenRequests: number;
  /** Requests to `/api/v2/logs`. */
  logRequests: number;
  /** Logs responses per HTTP status. */
  status: Record<number, number>;
  /** Logs requests answered 429. */
  rateLimited: number;
  /** New TCP connections accepted. */
  connections: number;
  /** Most requests in progress at once. */
  maxConcurrentRequests: number;
  /** Logs sent in 200 answers. */
  logsServed: number;
}

/** A running fake tenant; see {@link startFakeTenant}. */
export interface FakeTenant {
  /** `host:port`, as the library's `domain` option expects it, e.g. `127.0.0.1:40123`. */
  readonly domain: string;
  /** `https://` + {@link domain}. */
  readonly baseUrl: string;
  readonly port: number;
  readonly clientId: string;
  /** The secret `/oauth/token` accepts. Test-only; do not print it. */
  readonly clientSecret: string;
  /** PEM of the CA that signed the server certificate: trust it in the client. */
  readonly ca: string;
  stats(): FakeTenantStats;
  resetStats(): void;
  /** Stops listening and destroys every connection, keep-alive ones included. */
  close(): Promise<void>;
  /** Logs written so far (including growth so far, and the expired ones): indexes run 0 to `logCount() - 1`. */
  logCount(): number;
  /** Index of the oldest log kept (0 without `retentionDays`): the logs before it expired. */
  firstKeptIndex(): number;
  /** Appends `n` logs written now (by the tenant's clock; `lateShare` of them dated earlier). */
  addLogs(n: number): void;
  /** The log at `index` (0 = oldest), exactly as the API serves it. */
  logAt(index: number): LogEvent;
  /** The `log_id` of the log at `index`. */
  logIdAt(index: number): string;
  /** Every token issued so far is expired from now on (the API answers 401). */
  expireTokens(): void;
  /** Queues a canned answer; see {@link ScriptedResponse}. */
  enqueue(response: ScriptedResponse): void;
  /** Changes latency, failure rate or rate limit while running. */
  setOptions(options: FakeTenantRuntimeOptions): void;
}
