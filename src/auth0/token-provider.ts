import { inspect } from 'node:util';
import type { AccessToken, TokenCache } from '../types';

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
}

function isOwned(token: AccessToken | null | undefined, owner: TokenOwner): boolean {
  const t = token as Partial<OwnedAccessToken> | null | undefined;
  return (
    typeof t?.token === 'string' &&
    t.token.length > 0 &&
    typeof t.expiresAt === 'number' &&
    t.domain === owner.domain &&
    t.clientId === owner.clientId
  );
}

/**
 * Hands out a valid access token: from the cache while it is fresh, otherwise from one shared
 * in-flight request, so concurrent callers never fetch twice. A failed request is not cached: the
 * next caller tries again.
 *
 * A cached token is used only when it was stored for the same domain and client id (a token of
 * another tenant, or one stored without its owner, is fetched anew). It is fresh until `leewayMs`
 * before it expires, or half-way through its lifetime when that is shorter (a 5 s token serves
 * 2.5 s instead of being renewed before every request). A token issued already expired (`expires_in`
 * 0 or negative) serves until the API refuses it with a 401, which renews it.
 */
export class TokenProvider {
  #inFlight: Promise<AccessToken> | undefined;
  readonly #fetchToken: () => Promise<AccessToken>;
  readonly #cache: TokenCache;
  readonly #now: () => number;
  readonly #leewayMs: number;
  readonly #owner: TokenOwner;
  readonly #seen: (token: string) => void;

  constructor(
    fetchToken: () => Promise<AccessToken>,
    cache: TokenCache,
    now: () => number,
    leewayMs: number,
    owner: TokenOwner = { domain: '', clientId: '' },
    /** Told every token read from the cache, used or not, so that errors can redact it. */
    seen: (token: string) => void = () => undefined,
  ) {
    this.#seen = seen;
    this.#fetchToken = fetchToken;
    this.#cache = cache;
    this.#now = now;
    this.#leewayMs = leewayMs;
    this.#owner = { domain: owner.domain, clientId: owner.clientId };
  }

  async getToken(): Promise<AccessToken> {
    const cached = await this.#cache.getToken();
    if (typeof cached?.token === 'string') this.#seen(cached.token);
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

  /** Fetches a new token, joining the request already under way if there is one. */
  refresh(): Promise<AccessToken> {
    this.#inFlight ??= (async () => {
      try {
        const fetched = await this.#fetchToken();
        const token: OwnedAccessToken = {
          issuedAt: this.#now(),
          ...fetched,
          domain: this.#owner.domain,
          clientId: this.#owner.clientId,
        };
        await this.#cache.setToken(token);
        return token;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  /** Drops `token` from the cache (a 401/403 said it is no longer good), unless it was replaced. */
  async invalidate(token: string): Promise<void> {
    const cached = await this.#cache.getToken();
    if (!cached || cached.token === token) await this.#cache.setToken(null);
  }

  /** Never shows the cache or its token. */
  [inspect.custom](): string {
    return 'TokenProvider {}';
  }
}
