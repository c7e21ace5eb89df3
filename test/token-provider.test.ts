import { MemoryTokenCache, TokenProvider } from '../src/token-provider';
import type { AccessToken } from '../src/types';

function setup(now = 1_000_000) {
  let clock = now;
  let issued = 0;
  let fail = false;
  const fetchToken = jest.fn(async (): Promise<AccessToken> => {
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error('token endpoint down');
    issued += 1;
    return { token: `token-${issued}`, expiresAt: clock + 60_000 };
  });
  const cache = new MemoryTokenCache();
  const provider = new TokenProvider(fetchToken, cache, () => clock, 10_000);
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
