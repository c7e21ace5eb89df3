import type { AxiosResponse } from 'axios';
import {
  MemoryTokenCache,
  TokenProvider,
  secretDigest,
  type SendTokenRequest,
  type TokenOwner,
} from '../../src/auth0/token-provider';
import { Redactor } from '../../src/util/redact';
import type { AccessToken, TokenCache } from '../../src/types';

/** The answer of `POST /oauth/token` that issues `token`, living `expiresInMs` from `now`. */
function issued(token: string, expiresInMs: number): AxiosResponse {
  return {
    status: 200,
    data: JSON.stringify({ access_token: token, expires_in: expiresInMs / 1000 }),
    headers: {},
  } as AxiosResponse;
}

/** A provider that sends its token request with `send`. */
function provide(
  send: SendTokenRequest,
  cache: TokenCache,
  now: () => number,
  leewayMs: number,
  owner: TokenOwner = { domain: 'tenant.auth0.com', clientId: 'client-0' },
  redactor = new Redactor(),
): TokenProvider {
  return new TokenProvider({
    ...owner,
    clientSecret: 'the-secret',
    send,
    cache,
    redactor,
    now,
    leewayMs,
  });
}

function setup(now = 1_000_000) {
  let clock = now;
  let count = 0;
  let fail = false;
  const fetchToken = jest.fn(async (): Promise<AxiosResponse> => {
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error('token endpoint down');
    count += 1;
    return issued(`token-${count}`, 60_000);
  });
  const cache = new MemoryTokenCache();
  const provider = provide(fetchToken, cache, () => clock, 10_000);
  return {
    provider,
    cache,
    fetchToken,
    tick: (ms: number) => (clock += ms),
    setFail: (value: boolean) => (fail = value),
  };
}

describe('TokenProvider', () => {
  it('reuses a cached token while it has more than the leeway left', async () => {
    const t = setup();
    expect((await t.provider.getToken()).token).toBe('token-1');
    t.tick(49_000);
    expect((await t.provider.getToken()).token).toBe('token-1');
    expect(t.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('renews a token inside the leeway or expired', async () => {
    const t = setup();
    await t.provider.getToken();
    t.tick(50_001);
    expect((await t.provider.getToken()).token).toBe('token-2');
    t.tick(120_000);
    expect((await t.provider.getToken()).token).toBe('token-3');
  });

  it('shares one in-flight request between concurrent callers', async () => {
    const t = setup();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => t.provider.getToken()));
    expect(new Set(tokens.map((x) => x.token))).toEqual(new Set(['token-1']));
    expect(t.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('does not cache a failure: the next caller tries again', async () => {
    const t = setup();
    t.setFail(true);
    await expect(t.provider.getToken()).rejects.toThrow('token endpoint down');
    t.setFail(false);
    expect((await t.provider.getToken()).token).toBe('token-1');
    expect(t.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('invalidates only the token that was refused', async () => {
    const t = setup();
    await t.provider.getToken();
    await t.provider.invalidate('some-other-token');
    expect((await t.cache.getToken())?.token).toBe('token-1');
    await t.provider.invalidate('token-1');
    expect(await t.cache.getToken()).toBeNull();
  });
});

describe('TokenProvider with short-lived tokens', () => {
  function shortLived(lifetimeMs: number) {
    let clock = 5_000_000;
    const fetchToken = jest.fn(async (): Promise<AxiosResponse> =>
      issued(`token-${fetchToken.mock.calls.length}`, lifetimeMs),
    );
    const cache = new MemoryTokenCache();
    const setToken = jest.spyOn(cache, 'setToken');
    const provider = provide(fetchToken, cache, () => clock, 10_000, owner);
    return { provider, fetchToken, setToken, tick: (ms: number) => (clock += ms) };
  }
  const owner = { domain: 'acme.auth0.com', clientId: 'client-1' };

  it.each([0, -5_000, 5_000])(
    'uses a token whose lifetime (%i ms) is within the leeway for the requests it can serve',
    async (lifetimeMs) => {
      const t = shortLived(lifetimeMs);
      for (let i = 0; i < 11; i++) expect((await t.provider.getToken()).token).toBe('token-1');
      expect(t.fetchToken).toHaveBeenCalledTimes(1);
      expect(t.setToken).toHaveBeenCalledTimes(1);
    },
  );

  it('renews a 5 s token half-way through its life', async () => {
    const t = shortLived(5_000);
    await t.provider.getToken();
    t.tick(2_400);
    expect((await t.provider.getToken()).token).toBe('token-1');
    t.tick(200);
    expect((await t.provider.getToken()).token).toBe('token-2');
  });

  it('keeps the usual 10 s leeway for a long-lived token', async () => {
    const t = shortLived(3_600_000);
    await t.provider.getToken();
    t.tick(3_600_000 - 10_001);
    expect((await t.provider.getToken()).token).toBe('token-1');
    t.tick(1);
    expect((await t.provider.getToken()).token).toBe('token-2');
  });
});

describe('TokenProvider owners', () => {
  const owner = { domain: 'acme.auth0.com', clientId: 'client-1' };
  const far = Date.now() + 3_600_000;

  it.each([
    [
      'another tenant',
      {
        token: 'other-tenant-token',
        expiresAt: far,
        domain: 'evil.auth0.com',
        clientId: 'client-1',
        issuedAt: 0,
      },
    ],
    [
      'another client',
      {
        token: 'other-client-token',
        expiresAt: far,
        domain: 'acme.auth0.com',
        clientId: 'client-2',
        issuedAt: 0,
      },
    ],
    ['no owner (stored by an older version)', { token: 'legacy-token', expiresAt: far }],
  ])('never hands out a cached token of %s', async (_label, cached) => {
    const cache = new MemoryTokenCache();
    await cache.setToken(cached);
    const seen: string[] = [];
    const redactor = new Redactor();
    const add = redactor.add.bind(redactor);
    jest.spyOn(redactor, 'add').mockImplementation((t) => {
      if (t) seen.push(t);
      add(t);
    });
    const fetchToken = jest.fn(async () => issued('fresh-token', far - Date.now()));
    const provider = provide(fetchToken, cache, Date.now, 10_000, owner, redactor);
    expect((await provider.getToken()).token).toBe('fresh-token');
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(await cache.getToken()).toMatchObject({ token: 'fresh-token', ...owner });
    // It was read, so errors can still redact it.
    expect(seen).toContain(cached.token);
  });

  it('reuses a cached token of the same tenant, client and secret', async () => {
    const cache = new MemoryTokenCache();
    await cache.setToken({
      token: 'mine',
      expiresAt: far,
      issuedAt: far - 86_400_000,
      ...owner,
      secretDigest: secretDigest(owner, 'the-secret'),
    } as AccessToken);
    const fetchToken = jest.fn(async () => issued('fresh-token', far - Date.now()));
    const provider = provide(fetchToken, cache, Date.now, 10_000, owner);
    expect((await provider.getToken()).token).toBe('mine');
    expect(fetchToken).not.toHaveBeenCalled();
  });

  it.each([
    ['issued for another secret', secretDigest(owner, 'the-old-secret')],
    ['stored without a secret digest (an older version)', undefined],
  ])('fetches anew over a cached token %s', async (_, digest) => {
    const cache = new MemoryTokenCache();
    await cache.setToken({
      token: 'issued-for-another-secret',
      expiresAt: far,
      issuedAt: far - 86_400_000,
      ...owner,
      ...(digest === undefined ? {} : { secretDigest: digest }),
    } as AccessToken);
    const fetchToken = jest.fn(async () => issued('fresh-token', far - Date.now()));
    const provider = provide(fetchToken, cache, Date.now, 10_000, owner);
    expect((await provider.getToken()).token).toBe('fresh-token');
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('keys the secret by an HMAC that is neither the secret nor shared across secrets', () => {
    const digest = secretDigest(owner, 'the-secret');
    expect(digest).toMatch(/^[0-9a-f]{32}$/);
    expect(digest).not.toContain('the-secret');
    expect(secretDigest(owner, 'the-secret')).toBe(digest);
    expect(secretDigest(owner, 'the-secreT')).not.toBe(digest);
    expect(secretDigest({ ...owner, clientId: 'other' }, 'the-secret')).not.toBe(digest);
  });
});
