import { stringify } from 'node:querystring';
import { inspect, type InspectOptions } from 'node:util';
import {
  checkDate,
  CLIENT_OPTION_KEYS,
  resolveClientOptions,
  type LogsApiClientOptions,
} from './options/client';
import { warnUnknownOptions } from './options/unknown-options';
import { ArgumentError, InvalidResponseError } from './errors';
import { createHttp, excerpt, limitsOf, parseJson, responseError } from './auth0/http';
import { beforeDeadline, createSend, type Send } from './auth0/send';
import { scopedLogger } from './util/log';
import { logIdAt } from './auth0/log-id';
import { invalid, signalOption } from './options/check';
import { TenantClock } from './auth0/rate-limits';
import { Redactor } from './util/redact';
import { MemoryTokenCache, TokenProvider } from './auth0/token-provider';
import type { AccessToken, LogEvent, LogsPage, Logger } from './types';
import type { LogsQuery, RequestOptions } from './auth0/types';
import { abortable } from './util/signals';

/**
 * The query string, in the caller's parameter order and encoded as Node's `querystring` does (as
 * the original did, `q=` for an empty `q` included), so a mock written for the original's requests
 * matches. `undefined` and `null` values are left out.
 */
function queryString(query: unknown): string {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) {
    throw new ArgumentError(
      `Expected \`query\` to be an object of query parameters, got ${query === null ? 'null' : Array.isArray(query) ? 'an array' : typeof query}`,
      'query',
    );
  }
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ArgumentError(
        `Expected \`query.${key}\` to be a string, number or boolean, got ${typeof value}`,
        'query',
      );
    }
    params[key] = String(value);
  }
  return stringify(params);
}

/**
 * Low-level client of the Auth0 Management API logs endpoint. Gets a client-credentials token,
 * caches it while it is valid, and fetches one page of logs per call. `util.inspect`,
 * `console.log` and `JSON.stringify` show only its domain and client id.
 */
export class LogsApiClient {
  /** The tenant domain requests go to. */
  readonly domain: string;
  /** Client id of the application the token is requested for. */
  readonly clientId: string;
  readonly #now: () => number;
  readonly #clock: TenantClock;
  readonly #send: Send;
  readonly #tokens: TokenProvider;
  readonly #redactor = new Redactor();
  readonly #log: Logger;

  /** @throws {ArgumentError} naming the option, for a missing or bad value. */
  constructor(options: LogsApiClientOptions) {
    const o = resolveClientOptions(options);
    warnUnknownOptions('LogsApiClient', options, CLIENT_OPTION_KEYS);
    this.domain = o.domain;
    this.clientId = o.clientId;
    this.#redactor.addBasic(o.clientId, o.clientSecret);
    this.#now = o.now;
    this.#clock = new TenantClock(o.now);
    this.#log = scopedLogger('client', o.logger);
    this.#send = createSend({
      http: createHttp(o.http ? { http: o.http } : o.ca === undefined ? {} : { ca: o.ca }),
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.maxResponseBytes,
      now: o.now,
      clock: this.#clock,
      redactor: this.#redactor,
    });
    this.#tokens = new TokenProvider({
      domain: o.domain,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      send: (request) => this.#send('token', request),
      cache: o.tokenCache ?? new MemoryTokenCache(),
      redactor: this.#redactor,
      now: o.now,
      tenantNow: () => this.#clock.now(),
      log: this.#log,
    });
  }

  /**
   * The tenant's time in epoch ms, estimated from the `Date` header of its answers (the client's
   * `now` until one arrives). Waits for `x-ratelimit-reset` are computed against it:
   * `rateLimitWait(limits, client.tenantNow())`.
   */
  tenantNow(): number {
    return this.#clock.now();
  }

  /**
   * Requests a new access token (bypassing the cache). An answer without `expires_in` is accepted
   * and its token assumed to live `DEFAULTS.assumedTokenLifetimeMs` (1 h; a 401 renews it sooner).
   */
  getAccessToken(): Promise<AccessToken> {
    return this.#tokens.requestToken();
  }

  /**
   * An access token of this tenant and client from the cache, or a new one when the cached one is
   * within the renewal leeway (10 s, or half its lifetime when shorter) of expiring.
   */
  getAccessTokenCached(): Promise<AccessToken> {
    return this.#tokens.getToken();
  }

  /**
   * One `GET /api/v2/logs` call. A 401 (expired or revoked token) drops the cached token and
   * retries once with a new one; a 403 drops it and rejects. Resolves `{ logs, limits, link? }`:
   * `link` is the answer's raw `Link` header (Auth0's `<...>; rel="next"`), when it has one.
   * @throws {ArgumentError} (rejects) when `query` is not an object of scalar values.
   */
  async getLogs(
    query: LogsQuery = {},
    options: RequestOptions = {},
  ): Promise<LogsPage & { link?: string }> {
    // checked before any request, so a bad signal starts no token request left unawaited
    const signal = signalOption(options?.signal);
    const deadline = options?.deadline;
    const onAnswer = typeof options?.onAnswer === 'function' ? options.onAnswer : undefined;
    options = { ...(signal ? { signal } : {}), ...(deadline === undefined ? {} : { deadline }) };
    const url = `https://${this.domain}/api/v2/logs?${queryString(query)}`;
    for (let attempt = 0; ; attempt++) {
      const { token } = await beforeDeadline(
        abortable(this.#tokens.getToken(), options.signal),
        options.deadline,
        this.#now,
        this.#redactor,
      );
      const response = await this.#send(
        'logs',
        {
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        },
        options,
      );
      if (response.status === 401 || response.status === 403) {
        await this.#tokens.invalidate(token);
        if (response.status === 401 && attempt === 0) {
          this.#log.debug('The access token was refused (401); fetching a new one');
          continue;
        }
      }
      if (response.status < 200 || response.status >= 300) {
        throw responseError('logs', response, this.#redactor, this.#clock.now());
      }
      // Auth0's `Link: <...>; rel="next"`, for the page source (src/pipeline/pages.ts) to follow.
      const link: unknown = response.headers?.['link'];
      const limits = limitsOf(response);
      if (onAnswer) {
        try {
          await onAnswer({
            ...(typeof link === 'string' ? { link } : {}),
            limits,
            empty: typeof response.data === 'string' && /^\s*\[\s*\]\s*$/.test(response.data),
          });
        } catch (error) {
          this.#log.debug(`onAnswer threw: ${this.#redactor.redact(String(error))}`);
        }
      }
      const body = parseJson(response.data);
      // Auth0 answers an object (`{ logs, start, limit, length, total }`) only to a search that asks
      // for `include_totals`; any other 2xx body that is not an array is not a page of logs
      const totals = String(query.include_totals) === 'true';
      const logs = Array.isArray(body)
        ? body
        : totals
          ? (body as { logs?: unknown } | null | undefined)?.logs
          : undefined;
      if (!Array.isArray(logs) || !logs.every((log) => typeof log === 'object' && log !== null)) {
        throw new InvalidResponseError(
          'invalid_response',
          `GET /api/v2/logs answered ${response.status} with something other than a JSON array of logs: ${excerpt(response.data, this.#redactor) || 'an empty body'}`,
          { status: response.status, limits },
        );
      }
      return {
        logs: logs as LogEvent[],
        limits,
        ...(typeof link === 'string' ? { link } : {}),
      };
    }
  }

  /**
   * The checkpoint from which paging yields the logs written at or after `date`: an id synthesised
   * from the date (`900`, `yyyyMMddHHmmss` UTC, 39 zeros; see `logIdAt`), which Auth0's `from`
   * answers with the logs whose ids are above it, in `log_id` order. No request: it depends neither
   * on the date order of a search (Auth0 writes some logs late, dated seconds before logs with
   * smaller ids) nor on the tenant holding a log at that date. Every log dated at or after `date`
   * follows it, with perhaps a few written late and dated up to seconds earlier. A date older than
   * the oldest log kept starts at the oldest kept; a future one at the logs written from then on.
   * @param date a `Date` or an ISO 8601 string (`'2026-01-01'`, `'2026-01-01T12:00:00Z'`; without an
   *   offset, UTC), from 1970 to 9999.
   * @throws {ArgumentError} (rejects) naming `date` for anything else, or `signal` for a bad one.
   */
  async findCheckpointAt(date: Date | string, options: RequestOptions = {}): Promise<string> {
    const at = checkDate(date, 'date');
    signalOption(options?.signal);
    try {
      return logIdAt(at.getTime());
    } catch {
      throw invalid('date', 'a date from 1970 to 9999', date);
    }
  }

  /**
   * `text` with this client's secret and every access token it has fetched or read from its cache
   * replaced by `[REDACTED]` (and any `Bearer` token or URL credentials): for strings that leave the
   * library, such as a run's status.
   */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  /** Only what is safe to print: the domain and client id. */
  toJSON(): { domain: string; clientId: string } {
    return { domain: this.domain, clientId: this.clientId };
  }

  /** `util.inspect` / `console.log` show {@link toJSON}: no secret, no token. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `LogsApiClient ${inspect(this.toJSON(), options)}`;
  }
}
