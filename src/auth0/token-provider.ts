import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { DEFAULTS } from '../defaults';
import { TokenRequestError } from '../errors';
import { excerpt, parseJson, responseError } from './http';
import type { Redactor } from '../util/redact';
import type { AccessToken, Logger, TokenCache } from '../types';

/** The default {@link TokenCache}: keeps the token in memory for the life of the client. */
export class MemoryTokenCache implements TokenCache {
  #token: AccessToken | null = null;

  async getToken(): Promise<AccessToken | null> {
    return this.#token;
  }

  async setToken(token: AccessToken | null): Promise<void> {
    this.#token = token;
  }

  /** Never shows the token (`util.inspect`, `console.log`). */
  [inspect.custom](): string {
    return 'MemoryTokenCache {}';
  }
}

/** Whom a token was issued to: it is sent to this tenant, for this client, and nowhere else. */
export interface TokenOwner {
  domain: string;
  clientId: string;
}

/**
 * An {@link AccessToken} as the client stores it: with its owner, and the epoch ms it was issued at
 * (so that its lifetime, and the share of it kept as renewal leeway, is known).
 */
export interface OwnedAccessToken extends AccessToken, TokenOwner {
  issuedAt: number;
  /**
   * {@link secretDigest} of the client secret the token was issued for: a token cached under
   * another secret (a wrong or rotated one) is never used, so a changed secret is tried at once.
   */
  secretDigest?: string;
}

/**
 * A digest of the credentials a token was issued for: hex HMAC-SHA256 keyed by the client secret
 * over the domain and client id, first 32 hex digits. It tells secrets apart without holding or
 * revealing one (not reversible; without the secret it cannot even be checked against a guess).
 */
export function secretDigest(owner: TokenOwner, clientSecret: string): string {
  return createHmac('sha256', clientSecret)
    .update(`auth0-log-tools token\0${owner.domain}\0${owner.clientId}`)
    .digest('hex')
    .slice(0, 32);
}

function isOwned(
  token: AccessToken | null | undefined,
  owner: TokenOwner & { secretDigest: string },
): boolean {
  const t = token as Partial<OwnedAccessToken> | null | undefined;
  return (
    typeof t?.token === 'string' &&
    t.token.length > 0 &&
    typeof t.expiresAt === 'number' &&
    t.domain === owner.domain &&
    t.clientId === owner.clientId &&
    t.secretDigest === owner.secretDigest
  );
}

/**
 * Sends the token request and resolves its answer, whatever its status (`LogsApiClient` passes
 * its bounded sender). Rejects when no answer came: a `TokenRequestError` with the system code.
 */
export type SendTokenRequest = (request: AxiosRequestConfig) => Promise<AxiosResponse>;

/** Options of {@link TokenProvider}: the credentials, how to send, where to cache. */
export interface TokenProviderOptions {
  /** The tenant domain, e.g. `acme.eu.auth0.com`: `POST https://{domain}/oauth/token`. */
  domain: string;
  /** Client id of the application the token is requested for. */
  clientId: string;
  /** Its client secret; never in an error, a log line or `util.inspect`. */
  clientSecret: string;
  /** Sends the request. */
  send: SendTokenRequest;
  /** Where tokens are kept between calls (and processes). */
  cache: TokenCache;
  /** Told the secret and every token fetched or read from the cache; masks error messages. */
  redactor: Redactor;
  /** The local clock, in epoch ms: when a token was issued, and whether it is still fresh. */
  now: () => number;
  /**
   * The tenant's clock, in epoch ms, for the `Retry-After` of a 429 answer.
   * @default now
   */
  tenantNow?: () => number;
  /**
   * A token is renewed this long before it expires, in ms (or half-way through its lifetime when
   * that is shorter).
   * @default DEFAULTS.tokenLeewayMs (10000)
   */
  leewayMs?: number;
  /** Told `Requesting an access token for client ...` before each request. */
  log?: Logger;
}

/**
 * Hands out a valid access token of one tenant and client: from the cache while it is fresh,
 * otherwise from one shared `POST /oauth/token` (client credentials grant) that it sends itself, so
 * concurrent callers never fetch twice. The request is forgotten once it settles: a failure is not
 * cached, and the next caller tries again.
 *
 * A cached token is used only when it was stored for the same domain, client id and client secret
 * (its {@link secretDigest}): a token of another tenant, one stored without its owner, or one
 * issued for another secret (a wrong or rotated `clientSecret`) is fetched anew, so bad credentials
 * fail at once instead of riding on a token that is still fresh. It is fresh until `leewayMs`
 * before it expires, or half-way through its lifetime when that is shorter (a 5 s token serves
 * 2.5 s instead of being renewed before every request). A token issued already expired (`expires_in`
 * 0 or negative) serves until the API refuses it with a 401, which renews it.
 */
export class TokenProvider {
  #inFlight: Promise<AccessToken> | undefined;
  readonly #owner: TokenOwner & { secretDigest: string };
  readonly #clientSecret: string;
  readonly #send: SendTokenRequest;
  readonly #cache: TokenCache;
  readonly #redactor: Redactor;
  readonly #now: () => number;
  readonly #tenantNow: () => number;
  readonly #leewayMs: number;
  readonly #log: Logger | undefined;

  constructor(options: TokenProviderOptions) {
    const owner = { domain: options.domain, clientId: options.clientId };
    this.#owner = { ...owner, secretDigest: secretDigest(owner, options.clientSecret) };
    this.#clientSecret = options.clientSecret;
    this.#send = options.send;
    this.#cache = options.cache;
    this.#redactor = options.redactor;
    this.#now = options.now;
    this.#tenantNow = options.tenantNow ?? options.now;
    this.#leewayMs = options.leewayMs ?? DEFAULTS.tokenLeewayMs;
    this.#log = options.log;
    this.#redactor.addBasic(options.clientId, options.clientSecret);
  }

  /** A fresh token: the cached one, or a new one (see the class). */
  async getToken(): Promise<AccessToken> {
    const cached = await this.#cache.getToken();
    if (typeof cached?.token === 'string') this.#redactor.add(cached.token);
    if (cached && isOwned(cached, this.#owner) && this.#isFresh(cached)) return cached;
    return this.refresh();
  }

  #isFresh(token: AccessToken): boolean {
    const issuedAt = (token as Partial<OwnedAccessToken>).issuedAt;
    const lifetime = typeof issuedAt === 'number' ? token.expiresAt - issuedAt : Infinity;
    if (!(lifetime > 0)) return true;
    const leeway = Math.min(this.#leewayMs, lifetime / 2);
    return token.expiresAt - this.#now() > leeway;
  }

  /** Fetches a new token and caches it, joining the request already under way if there is one. */
  refresh(): Promise<AccessToken> {
    this.#inFlight ??= (async () => {
      try {
        const fetched = await this.requestToken();
        const token: OwnedAccessToken = {
          issuedAt: this.#now(),
          ...fetched,
          domain: this.#owner.domain,
          clientId: this.#owner.clientId,
          secretDigest: this.#owner.secretDigest,
        };
        await this.#cache.setToken(token);
        return token;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  /**
   * Sends one `POST /oauth/token` (neither shared nor cached) and resolves its token. An answer
   * without `expires_in` is accepted and its token assumed to live `DEFAULTS.assumedTokenLifetimeMs`
   * (1 h; a 401 renews it sooner).
   * @throws {TokenRequestError} (rejects) for a non-2xx answer (`Invalid credentials` for a 401),
   *   one without a token (`invalid_token_response`), or no answer.
   */
  async requestToken(): Promise<AccessToken> {
    const { domain, clientId } = this.#owner;
    this.#log?.debug(`Requesting an access token for client ${clientId}`);
    const response = await this.#send({
      method: 'POST',
      url: `https://${domain}/oauth/token`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      data: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: this.#clientSecret,
        audience: `https://${domain}/api/v2/`,
      }),
    });
    if (response.status < 200 || response.status >= 300) {
      throw responseError('token', response, this.#redactor, this.#tenantNow());
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
   * Drops `token` from the cache, unless it was replaced: the API refused it (a 401 or 403), so the
   * next {@link getToken} requests a new one.
   */
  async invalidate(token: string): Promise<void> {
    const cached = await this.#cache.getToken();
    if (!cached || cached.token === token) await this.#cache.setToken(null);
  }

  /** Never shows the credentials, the cache or its token. */
  [inspect.custom](): string {
    return 'TokenProvider {}';
  }
}
