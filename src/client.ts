import type { AxiosInstance, AxiosResponse } from 'axios';
import { DEFAULTS } from './defaults';
import { AbortError, ArgumentError, InvalidResponseError, TokenRequestError } from './errors';
import {
  createHttp,
  excerpt,
  networkError,
  parseJson,
  parseLimits,
  responseError,
  type HttpOptions,
} from './http';
import { scopedLogger } from './log';
import { isLogId, logIdOf, previousLogId } from './log-id';
import { Redactor } from './redact';
import { MemoryTokenCache, TokenProvider } from './token-provider';
import type { AccessToken, LogEvent, LogsPage, Logger, TokenCache } from './types';

/** Options of {@link LogsApiClient}. */
export interface LogsApiClientOptions extends HttpOptions {
  /** Tenant domain, e.g. `acme.eu.auth0.com`; may carry a port (`127.0.0.1:8443`). Always HTTPS. */
  domain: string;
  /** Client id of a machine-to-machine application with the `read:logs` scope. */
  clientId: string;
  /** Its client secret. Never logged, never part of an error. */
  clientSecret: string;
  /**
   * Where the access token is kept between calls.
   * @default an in-memory cache
   */
  tokenCache?: TokenCache;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Receives debug output besides the `auth0-log-tools:client` debug namespace. */
  logger?: Partial<Logger>;
}

/** Per-call options. */
export interface RequestOptions {
  /** Cancels the request; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Query of `GET /api/v2/logs`: `from`/`take`, or `q`/`page`/`per_page`/`sort`/`fields`... */
export type LogsQuery = Record<string, string | number | boolean | undefined | null>;

function requireString(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (value === undefined || value === null)
    throw new ArgumentError(`Must provide a valid \`${name}\``, name);
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ArgumentError(
      `Expected \`${name}\` to be a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeof value}`,
      name,
    );
  }
  return value.trim();
}

function normalizeDomain(raw: string): string {
  const domain = raw.replace(/^https:\/\//i, '').replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(domain) || /[/?#@\s]/.test(domain)) {
    throw new ArgumentError(
      `Expected \`domain\` to be a host name with an optional port, got "${raw}"`,
      'domain',
    );
  }
  return domain;
}

/**
 * Low-level client of the Auth0 Management API logs endpoint. Gets a client-credentials token,
 * caches it while it is valid, and fetches one page of logs per call.
 */
export class LogsApiClient {
  /** The tenant domain requests go to. */
  readonly domain: string;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly tokens: TokenProvider;
  private readonly redactor = new Redactor();
  private readonly log: Logger;

  constructor(options: LogsApiClientOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ArgumentError('Must provide an options object', 'options');
    }
    const raw = options as unknown as Record<string, unknown>;
    this.domain = normalizeDomain(requireString(raw, 'domain'));
    this.clientId = requireString(raw, 'clientId');
    this.clientSecret = requireString(raw, 'clientSecret');
    this.redactor.add(this.clientSecret);
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    if (!(this.timeoutMs > 0))
      throw new ArgumentError(
        `Expected \`timeoutMs\` to be a positive number, got ${String(options.timeoutMs)}`,
        'timeoutMs',
      );
    this.http = createHttp(options);
    this.now = options.now ?? Date.now;
    this.log = scopedLogger('client', options.logger);
    const cache = options.tokenCache ?? new MemoryTokenCache();
    if (typeof cache.getToken !== 'function' || typeof cache.setToken !== 'function') {
      throw new ArgumentError(
        'Expected `tokenCache` to have getToken() and setToken() methods',
        'tokenCache',
      );
    }
    this.tokens = new TokenProvider(
      () => this.getAccessToken(),
      cache,
      this.now,
      DEFAULTS.tokenLeewayMs,
    );
  }

  /** Requests a new access token (bypassing the cache). */
  async getAccessToken(): Promise<AccessToken> {
    this.log.debug(`Requesting an access token for client ${this.clientId}`);
    const response = await this.send('token', {
      method: 'POST',
      url: `https://${this.domain}/oauth/token`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      data: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: this.clientId,
        client_secret: this.clientSecret,
        audience: `https://${this.domain}/api/v2/`,
      }),
    });
    if (response.status < 200 || response.status >= 300) {
      throw responseError('token', response, this.redactor, this.now());
    }
    const body = parseJson(response.data) as
      { access_token?: unknown; expires_in?: unknown } | undefined;
    const token = body?.access_token;
    const expiresIn = Number(body?.expires_in);
    if (typeof token === 'string') this.redactor.add(token);
    if (typeof token !== 'string' || token.length === 0 || !Number.isFinite(expiresIn)) {
      throw new TokenRequestError(
        'invalid_token_response',
        `POST /oauth/token answered ${response.status} without an access_token and expires_in: ${excerpt(response.data, this.redactor)}`,
        { status: response.status },
      );
    }
    return { token, expiresAt: this.now() + expiresIn * 1000 };
  }

  /** An access token from the cache, or a new one when the cached one has 10 s or less left. */
  async getAccessTokenCached(): Promise<AccessToken> {
    const token = await this.tokens.getToken();
    this.redactor.add(token.token);
    return token;
  }

  /**
   * One `GET /api/v2/logs` call. A 401 (expired or revoked token) drops the cached token and
   * retries once with a new one; a 403 drops it and rejects. Resolves `{ logs, limits, link? }`:
   * `link` is the answer's raw `Link` header (Auth0's `<...>; rel="next"`), when it has one.
   */
  async getLogs(
    query: LogsQuery = {},
    options: RequestOptions = {},
  ): Promise<LogsPage & { link?: string }> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const url = `https://${this.domain}/api/v2/logs?${params.toString()}`;
    for (let attempt = 0; ; attempt++) {
      const { token } = await abortable(this.getAccessTokenCached(), options.signal);
      const response = await this.send(
        'logs',
        {
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        },
        options.signal,
      );
      if (response.status === 401 || response.status === 403) {
        await this.tokens.invalidate(token);
        if (response.status === 401 && attempt === 0) {
          this.log.debug('The access token was refused (401); fetching a new one');
          continue;
        }
      }
      if (response.status < 200 || response.status >= 300) {
        throw responseError('logs', response, this.redactor, this.now());
      }
      const body = parseJson(response.data);
      const logs = Array.isArray(body) ? body : (body as { logs?: unknown } | undefined)?.logs;
      if (!Array.isArray(logs) || !logs.every((log) => typeof log === 'object' && log !== null)) {
        throw new InvalidResponseError(
          'invalid_response',
          `GET /api/v2/logs answered ${response.status} with something other than a JSON array of logs: ${excerpt(response.data, this.redactor) || 'an empty body'}`,
          { status: response.status, limits: parseLimits(response) },
        );
      }
      // core: expose Auth0's `Link: <...>; rel="next"` header to the page source (src/pages.ts).
      const link: unknown = response.headers?.['link'];
      return {
        logs: logs as LogEvent[],
        limits: parseLimits(response),
        ...(typeof link === 'string' ? { link } : {}),
      };
    }
  }

  /**
   * The checkpoint from which paging yields the first log at or after `date` (search mode, oldest
   * first), or the newest log's id when none is that recent, or `null` on an empty tenant.
   */
  async findCheckpointAt(date: Date, options: RequestOptions = {}): Promise<string | null> {
    if (Number.isNaN(date.getTime()))
      throw new ArgumentError('Expected a valid date to start from', 'startFrom');
    const first = await this.getLogs(
      { q: `date:[${date.toISOString()} TO *]`, sort: 'date:1', per_page: 1, page: 0 },
      options,
    );
    const firstId = first.logs[0] && logIdOf(first.logs[0]);
    if (firstId) return previousLogId(firstId);
    const newest = await this.getLogs({ sort: 'date:-1', per_page: 1, page: 0 }, options);
    const newestId = newest.logs[0] && logIdOf(newest.logs[0]);
    return newestId && isLogId(newestId) ? newestId : null;
  }

  private async send(
    kind: 'token' | 'logs',
    config: Parameters<AxiosInstance['request']>[0],
    signal?: AbortSignal,
  ): Promise<AxiosResponse> {
    try {
      return await this.http.request({
        ...config,
        timeout: this.timeoutMs,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw new AbortError();
      const mapped = networkError(kind, error, this.redactor);
      if ((error as { code?: string }).code === 'ECONNABORTED') {
        throw networkError(
          kind,
          Object.assign(new Error(`timed out after ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
          this.redactor,
        );
      }
      throw mapped;
    }
  }
}

/**
 * Settles with `promise`, or rejects with an {@link AbortError} as soon as `signal` aborts. The
 * shared token request goes on for the other callers.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
