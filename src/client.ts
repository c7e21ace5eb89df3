import { stringify } from 'node:querystring';
import { inspect, type InspectOptions } from 'node:util';
import type { AxiosInstance, AxiosResponse } from 'axios';
import {
  checkDate,
  MAX_TIMEOUT_MS,
  resolveClientOptions,
  type LogsApiClientOptions,
} from './options/client';
import { DEFAULTS } from './defaults';
import {
  AbortError,
  ArgumentError,
  DEADLINE_CODE,
  InvalidResponseError,
  ManagementApiError,
  TokenRequestError,
} from './errors';
import {
  createHttp,
  excerpt,
  headersOf,
  limitsOf,
  markPermanent,
  networkError,
  parseJson,
  responseError,
} from './auth0/http';
import { scopedLogger } from './util/log';
import { isLogId, logIdOf, previousLogId } from './auth0/log-id';
import { signalOption } from './options/resolve';
import { TenantClock } from './auth0/rate-limits';
import { Redactor } from './util/redact';
import { MemoryTokenCache, TokenProvider } from './auth0/token-provider';
import type { AccessToken, LogEvent, LogsPage, Logger } from './types';
import type { LogsQuery, RequestOptions } from './auth0/types';
import { abortable, eitherSignal } from './util/signals';

export type { LogsApiClientOptions } from './options/client';
export type { LogsAnswer, LogsQuery, RequestOptions } from './auth0/types';

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
  readonly #clientSecret: string;
  readonly #http: AxiosInstance;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #now: () => number;
  readonly #clock: TenantClock;
  readonly #tokens: TokenProvider;
  readonly #redactor = new Redactor();
  readonly #log: Logger;

  /** @throws {ArgumentError} naming the option, for a missing or bad value. */
  constructor(options: LogsApiClientOptions) {
    const o = resolveClientOptions(options);
    this.domain = o.domain;
    this.clientId = o.clientId;
    this.#clientSecret = o.clientSecret;
    this.#redactor.addBasic(o.clientId, o.clientSecret);
    this.#timeoutMs = o.timeoutMs;
    this.#maxResponseBytes = o.maxResponseBytes;
    this.#http = createHttp(o.http ? { http: o.http } : o.ca === undefined ? {} : { ca: o.ca });
    this.#now = o.now;
    this.#clock = new TenantClock(o.now);
    this.#log = scopedLogger('client', o.logger);
    this.#tokens = new TokenProvider(
      () => this.getAccessToken(),
      o.tokenCache ?? new MemoryTokenCache(),
      this.#now,
      DEFAULTS.tokenLeewayMs,
      { domain: this.domain, clientId: this.clientId },
      (token) => this.#redactor.add(token),
    );
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
  async getAccessToken(): Promise<AccessToken> {
    this.#log.debug(`Requesting an access token for client ${this.clientId}`);
    const response = await this.#send('token', {
      method: 'POST',
      url: `https://${this.domain}/oauth/token`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      data: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: this.clientId,
        client_secret: this.#clientSecret,
        audience: `https://${this.domain}/api/v2/`,
      }),
    });
    if (response.status < 200 || response.status >= 300) {
      throw responseError('token', response, this.#redactor, this.#clock.now());
    }
    const body = parseJson(response.data) as
      { access_token?: unknown; expires_in?: unknown } | undefined;
    const token = body?.access_token;
    if (typeof token === 'string') this.#redactor.add(token);
    const given = body?.expires_in;
    const expiresIn =
      given === undefined || given === null ? undefined : Number(given as string | number);
    if (
      typeof token !== 'string' ||
      token.length === 0 ||
      (expiresIn !== undefined && !Number.isFinite(expiresIn))
    ) {
      throw new TokenRequestError(
        'invalid_token_response',
        `POST /oauth/token answered ${response.status} without an access_token and a numeric expires_in: ${excerpt(response.data, this.#redactor)}`,
        { status: response.status },
      );
    }
    const lifetime = expiresIn === undefined ? DEFAULTS.assumedTokenLifetimeMs : expiresIn * 1000;
    return { token, expiresAt: this.#now() + lifetime };
  }

  /**
   * An access token of this tenant and client from the cache, or a new one when the cached one is
   * within the renewal leeway (10 s, or half its lifetime when shorter) of expiring.
   */
  async getAccessTokenCached(): Promise<AccessToken> {
    const token = await this.#tokens.getToken();
    this.#redactor.add(token.token);
    return token;
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
      const { token } = await this.#beforeDeadline(
        abortable(this.getAccessTokenCached(), options.signal),
        options.deadline,
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
      // Auth0's `Link: <...>; rel="next"`, for the page source (src/pages.ts) to follow.
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
   * The checkpoint from which paging yields the first log at or after `date` (search mode, oldest
   * first), or the newest log's id when none is that recent, or `null` on an empty tenant.
   * @param date a `Date` or an ISO 8601 string (`'2026-01-01'`, `'2026-01-01T12:00:00Z'`; without an
   *   offset, UTC).
   * @throws {ArgumentError} (rejects) naming `date` for anything else.
   */
  async findCheckpointAt(
    date: Date | string,
    options: RequestOptions = {},
  ): Promise<string | null> {
    const at = checkDate(date, 'date');
    signalOption(options?.signal);
    const first = await this.getLogs(
      { q: `date:[${at.toISOString()} TO *]`, sort: 'date:1', per_page: 1, page: 0 },
      options,
    );
    const firstId = first.logs[0] && logIdOf(first.logs[0]);
    if (firstId) return previousLogId(firstId);
    const newest = await this.getLogs({ sort: 'date:-1', per_page: 1, page: 0 }, options);
    const newestId = newest.logs[0] && logIdOf(newest.logs[0]);
    return newestId && isLogId(newestId) ? newestId : null;
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

  /**
   * Settles with `promise`, or rejects with `ETIMEDOUT` when `deadline` (epoch ms) comes first: a
   * caller never waits past it for the shared token request, which goes on for the others.
   */
  async #beforeDeadline<T>(promise: Promise<T>, deadline: number | undefined): Promise<T> {
    if (deadline === undefined) return promise;
    const left = deadline - this.#now();
    const late = (why: string) =>
      markPermanent(
        networkError(
          'token',
          Object.assign(new Error(why), { code: DEADLINE_CODE }),
          this.#redactor,
        ),
      );
    if (!(left >= 1)) {
      promise.catch(() => undefined);
      throw late('no time left before the deadline');
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(late("the run's deadline came while waiting for the access token")),
        Math.min(left, MAX_TIMEOUT_MS),
      );
    });
    try {
      return await Promise.race([promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one request, bounded as a whole (headers and body) by `timeoutMs` or what is left until
   * `deadline`, and its body by `maxResponseBytes`. Records the answer's `Date` for the tenant clock.
   */
  async #send(
    kind: 'token' | 'logs',
    config: Parameters<AxiosInstance['request']>[0],
    options: RequestOptions = {},
  ): Promise<AxiosResponse> {
    const { signal, deadline } = options;
    if (signal?.aborted) throw new AbortError();
    const sentAt = this.#now();
    const left = deadline === undefined ? Infinity : deadline - sentAt;
    const budget = Math.min(this.#timeoutMs, left);
    const timeoutError = (why: string, code = 'ETIMEDOUT') =>
      networkError(kind, Object.assign(new Error(why), { code }), this.#redactor);
    if (!(budget >= 1)) throw deadlineError(kind, this.#redactor);
    const timeout = AbortSignal.timeout(Math.floor(budget));
    try {
      const response = await this.#http.request({
        ...config,
        timeout: 0,
        maxContentLength: this.#maxResponseBytes,
        signal: signal ? eitherSignal(signal, timeout) : timeout,
      });
      this.#clock.observe(headersOf(response)('date'), sentAt, this.#now());
      return response;
    } catch (error) {
      if (signal?.aborted) throw new AbortError();
      if (timeout.aborted) {
        throw budget < this.#timeoutMs
          ? markPermanent(
              timeoutError(
                `the run's deadline came ${Math.floor(budget)} ms into the request`,
                DEADLINE_CODE,
              ),
            )
          : timeoutError(`timed out after ${this.#timeoutMs} ms (\`timeoutMs\`)`);
      }
      if (/maxContentLength size of/.test((error as Error).message ?? '')) {
        const what = kind === 'token' ? 'POST /oauth/token' : 'GET /api/v2/logs';
        throw markPermanent(
          new (kind === 'token' ? TokenRequestError : ManagementApiError)(
            'response_too_large',
            `${what} answered with a body over ${this.#maxResponseBytes} bytes (\`maxResponseBytes\`)`,
          ),
        );
      }
      throw networkError(kind, error, this.#redactor);
    }
  }
}

function deadlineError(kind: 'token' | 'logs', redactor: Redactor) {
  return markPermanent(
    networkError(
      kind,
      Object.assign(new Error('no time left before the deadline'), { code: DEADLINE_CODE }),
      redactor,
    ),
  );
}
