import { LogsApiClient } from '../src/client';
import { DEFAULTS } from '../src/defaults';
import type { AccessToken, TokenCache } from '../src/types';
import { json, logId, startHttpsServer, type LocalServer } from './support/https-server';

/** A tenant that issues tokens with `expiresIn` (absent when undefined) and records bearers. */
function tokenTenant(name: string) {
  const state = {
    expiresIn: 86400 as number | undefined,
    issued: [] as string[],
    bearers: [] as string[],
    server: undefined as LocalServer | undefined,
  };
  beforeAll(async () => {
    state.server = await startHttpsServer((req, res) => {
      if (req.url === '/oauth/token') {
        const token = `${name}-token-${state.issued.length + 1}`;
        state.issued.push(token);
        const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer' };
        if (state.expiresIn !== undefined) body['expires_in'] = state.expiresIn;
        return json(res, 200, body);
      }
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      state.bearers.push(bearer);
      if (!state.issued.includes(bearer)) {
        return json(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' });
      }
      json(res, 200, [{ log_id: logId(1), date: '2026-01-01T00:00:00.000Z', type: 's' }]);
    });
  });
  afterAll(() => state.server?.close());
  beforeEach(() => {
    state.expiresIn = 86400;
    state.issued.length = 0;
    state.bearers.length = 0;
  });
  return state;
}

function recordingCache(): TokenCache & { sets: (AccessToken | null)[] } {
  let current: AccessToken | null = null;
  const sets: (AccessToken | null)[] = [];
  return {
    sets,
    getToken: async () => current,
    setToken: async (token) => {
      sets.push(token);
      current = token;
    },
  };
}

const a = tokenTenant('tenant-a');
const b = tokenTenant('tenant-b');
const NOW = Date.parse('2026-06-01T00:00:00Z');

function clientOf(
  tenant: typeof a,
  extra: Partial<ConstructorParameters<typeof LogsApiClient>[0]> = {},
) {
  const server = tenant.server;
  if (!server) throw new Error('server not started');
  return new LogsApiClient({
    domain: server.domain,
    ca: server.ca,
    clientId: 'the-client',
    clientSecret: 'the-secret',
    now: () => NOW,
    ...extra,
  });
}

describe('tokens that live no longer than the renewal leeway', () => {
  it.each([0, -5, 5])(
    'a token with expires_in %i serves 11 pages: 1 token request, 1 cache write',
    async (expiresIn) => {
      a.expiresIn = expiresIn;
      const cache = recordingCache();
      const client = clientOf(a, { tokenCache: cache });
      for (let i = 0; i < 11; i++) await client.getLogs({ take: 1, from: logId(0) });
      expect(a.issued).toHaveLength(1);
      expect(cache.sets).toHaveLength(1);
      expect(a.bearers).toEqual(Array(11).fill(a.issued[0]));
    },
  );

  it('a token answer without expires_in is accepted and assumed to live 1 hour', async () => {
    a.expiresIn = undefined;
    const client = clientOf(a);
    await expect(client.getAccessToken()).resolves.toEqual({
      token: 'tenant-a-token-1',
      expiresAt: NOW + DEFAULTS.assumedTokenLifetimeMs,
    });
    expect(DEFAULTS.assumedTokenLifetimeMs).toBe(3_600_000);
    await client.getLogs({ take: 1 });
    await client.getLogs({ take: 1 });
    expect(a.issued).toHaveLength(2);
  });
});

describe('a cached token belongs to one tenant and client', () => {
  it("never sends tenant A's cached token to tenant B", async () => {
    const cache = recordingCache();
    await clientOf(a, { tokenCache: cache }).getLogs({ take: 1 });
    const tokenOfA = a.issued[0];
    expect(cache.sets.at(-1)).toMatchObject({
      token: tokenOfA,
      domain: a.server?.domain,
      clientId: 'the-client',
    });
    await clientOf(b, { tokenCache: cache }).getLogs({ take: 1 });
    expect(b.bearers).toEqual([b.issued[0]]);
    expect(b.bearers).not.toContain(tokenOfA);
  });

  it('nor to another client of the same tenant, nor one stored without its owner', async () => {
    const cache = recordingCache();
    await clientOf(a, { tokenCache: cache }).getLogs({ take: 1 });
    await clientOf(a, { tokenCache: cache, clientId: 'another-client' }).getLogs({ take: 1 });
    expect(a.issued).toHaveLength(2);
    expect(a.bearers).toEqual(a.issued);
    await cache.setToken({ token: 'legacy-token-of-someone', expiresAt: NOW + 3_600_000 });
    await clientOf(b, { tokenCache: cache }).getLogs({ take: 1 });
    expect(b.bearers).toEqual(b.issued);
  });
});
