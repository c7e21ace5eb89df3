import type { AccessToken, TokenCache } from './types';

/** The default {@link TokenCache}: keeps the token in memory for the life of the client. */
export class MemoryTokenCache implements TokenCache {
  private token: AccessToken | null = null;

  async getToken(): Promise<AccessToken | null> {
    return this.token;
  }

  async setToken(token: AccessToken | null): Promise<void> {
    this.token = token;
  }
}

/**
 * Hands out a valid access token: from the cache while it has more than `leewayMs` left, otherwise
 * from one shared in-flight request, so concurrent callers never fetch twice. A failed request is
 * not cached: the next caller tries again.
 */
export class TokenProvider {
  private inFlight: Promise<AccessToken> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<AccessToken>,
    private readonly cache: TokenCache,
    private readonly now: () => number,
    private readonly leewayMs: number,
  ) {}

  async getToken(): Promise<AccessToken> {
    const cached = await this.cache.getToken();
    if (cached?.token && cached.expiresAt - this.now() > this.leewayMs) return cached;
    return this.refresh();
  }

  /** Fetches a new token, joining the request already under way if there is one. */
  refresh(): Promise<AccessToken> {
    this.inFlight ??= (async () => {
      try {
        const token = await this.fetchToken();
        await this.cache.setToken(token);
        return token;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Drops `token` from the cache (a 401/403 said it is no longer good), unless it was replaced. */
  async invalidate(token: string): Promise<void> {
    const cached = await this.cache.getToken();
    if (!cached || cached.token === token) await this.cache.setToken(null);
  }
}
