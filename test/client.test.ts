import type { InternalAxiosRequestConfig } from 'axios';
import { LogsApiClient } from '../src/client';
import { ArgumentError, ManagementApiError, TokenRequestError } from '../src/errors';
import { createHttp } from '../src/auth0/http';
import { secretDigest } from '../src/auth0/token-provider';
import { logIdAt } from '../src/auth0/log-id';
import type { AccessToken, TokenCache } from '../src/types';
import { credentials, useTenant } from './support/tenant';

const tenant = useTenant({ logs: 1000, tokenTtlSeconds: 3600 });
const SECRET = 'not-the-real-secret-c0ffee';

/** A token cache that records what it is given. */
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

/** An axios instance that trusts the tenant and records every request it sends. */
function recordingHttp() {
  const http = createHttp({ ca: tenant().ca });
  const sent: InternalAxiosRequestConfig[] = [];
  http.interceptors.request.use((config) => {
    sent.push(config);
    return config;
  });
  return { http, sent };
}

describe('LogsApiClient options', () => {
  const valid = { domain: 'acme.auth0.com', clientId: 'id-123', clientSecret: SECRET };

  it('requires an options object', () => {
    for (const options of [undefined, null, 'acme.auth0.com']) {
      const error = catchSync(() => new LogsApiClient(options as never));
      expect(error).toBeInstanceOf(ArgumentError);
      expect((error as ArgumentError).option).toBe('options');
    }
  });

  it.each(['domain', 'clientId', 'clientSecret'])(
    'rejects an absent, non-string or empty `%s`, naming it and never echoing the secret',
    (name) => {
      for (const bad of [undefined, null, 42, {}, '', '   ']) {
        const error = catchSync(() => new LogsApiClient({ ...valid, [name]: bad }));
        expect(error).toBeInstanceOf(ArgumentError);
        expect((error as ArgumentError).option).toBe(name);
        expect((error as Error).message).toContain(`\`${name}\``);
        expect((error as Error).message).not.toContain(SECRET);
        expect((error as Error).message).not.toContain('42');
      }
    },
  );

  it.each([
    'http://acme.auth0.com',
    'ftp://acme.auth0.com',
    'acme.auth0.com/api',
    'user@acme.auth0.com',
  ])('rejects the domain %s', (domain) => {
    const error = catchSync(() => new LogsApiClient({ ...valid, domain }));
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as ArgumentError).option).toBe('domain');
  });

  it('accepts a domain with https:// or a trailing slash, and one with a port', () => {
    expect(new LogsApiClient({ ...valid, domain: 'https://acme.auth0.com/' }).domain).toBe(
      'acme.auth0.com',
    );
    expect(new LogsApiClient({ ...valid, domain: '127.0.0.1:8443' }).domain).toBe('127.0.0.1:8443');
  });

  it('rejects a non-positive timeout and a token cache without methods', () => {
    const timeout = catchSync(() => new LogsApiClient({ ...valid, timeoutMs: 0 }));
    expect((timeout as ArgumentError).option).toBe('timeoutMs');
    const cache = catchSync(() => new LogsApiClient({ ...valid, tokenCache: {} as TokenCache }));
    expect((cache as ArgumentError).option).toBe('tokenCache');
  });
});

describe('LogsApiClient tokens', () => {
  it('posts the client-credentials grant for the tenant audience and resolves { token, expiresAt }', async () => {
    const { http, sent } = recordingHttp();
    const now = Date.now();
    const client = new LogsApiClient({ ...credentials(tenant()), http, now: () => now });
    const token = await client.getAccessToken();
    expect(token).toEqual({ token: expect.any(String), expiresAt: now + 3600 * 1000 });
    expect(token.token.length).toBeGreaterThan(20);
    expect(sent).toHaveLength(1);
    const request = sent[0]!;
    expect(request.method).toBe('post');
    expect(request.url).toBe(`https://${tenant().domain}/oauth/token`);
    expect(JSON.parse(request.data as string)).toEqual({
      grant_type: 'client_credentials',
      client_id: tenant().clientId,
      client_secret: tenant().clientSecret,
      audience: `https://${tenant().domain}/api/v2/`,
    });
    // The tenant accepts it: the token works on the logs endpoint.
    const cache = recordingCache();
    const owner = { domain: tenant().domain, clientId: tenant().clientId };
    const owned = { ...token, ...owner, secretDigest: secretDigest(owner, tenant().clientSecret) };
    await cache.setToken(owned);
    const reuse = new LogsApiClient({ ...credentials(tenant()), tokenCache: cache });
    const before = tenant().stats().tokenRequests;
    await expect(reuse.getLogs({ take: 1, from: tenant().logIdAt(0) })).resolves.toBeDefined();
    expect(tenant().stats().tokenRequests).toBe(before);
  });

  it('reuses a token with more than 10 s left and renews it otherwise', async () => {
    let clock = Date.now();
    const client = new LogsApiClient({ ...credentials(tenant()), now: () => clock });
    const before = tenant().stats().tokenRequests;
    const first = await client.getAccessTokenCached();
    clock = first.expiresAt - 10_001;
    expect((await client.getAccessTokenCached()).token).toBe(first.token);
    await client.getLogs({ from: tenant().logIdAt(0), take: 1 });
    expect(tenant().stats().tokenRequests - before).toBe(1);
    clock = first.expiresAt - 10_000;
    const second = await client.getAccessTokenCached();
    expect(second.token).not.toBe(first.token);
    expect(tenant().stats().tokenRequests - before).toBe(2);
  });

  it('caches the token in memory by default: two calls, one token request', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const before = tenant().stats();
    await client.getLogs({ from: tenant().logIdAt(0), take: 2 });
    await client.getLogs({ from: tenant().logIdAt(2), take: 2 });
    const after = tenant().stats();
    expect(after.tokenRequests - before.tokenRequests).toBe(1);
    expect(after.logRequests - before.logRequests).toBe(2);
  });

  it('uses a custom token cache, which another client can share', async () => {
    const cache = recordingCache();
    const before = tenant().stats().tokenRequests;
    await new LogsApiClient({ ...credentials(tenant()), tokenCache: cache }).getLogs({
      per_page: 1,
    });
    expect(cache.sets).toEqual([
      {
        token: expect.any(String),
        expiresAt: expect.any(Number),
        issuedAt: expect.any(Number),
        domain: tenant().domain,
        clientId: tenant().clientId,
        secretDigest: secretDigest(
          { domain: tenant().domain, clientId: tenant().clientId },
          tenant().clientSecret,
        ),
      },
    ]);
    await new LogsApiClient({ ...credentials(tenant()), tokenCache: cache }).getLogs({
      per_page: 1,
    });
    expect(tenant().stats().tokenRequests - before).toBe(1);
  });

  it('shares one token request between concurrent calls', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const before = tenant().stats();
    const pages = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.getLogs({ from: tenant().logIdAt(i), take: 1 })),
    );
    expect(pages.map((p) => p.logs[0]?.log_id)).toEqual(
      Array.from({ length: 6 }, (_, i) => tenant().logIdAt(i + 1)),
    );
    expect(tenant().stats().tokenRequests - before.tokenRequests).toBe(1);
    expect(tenant().stats().logRequests - before.logRequests).toBe(6);
  });

  it('does not cache a failed token request', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const before = tenant().stats().tokenRequests;
    tenant().enqueue({ path: 'token', status: 503, body: { error: 'temporarily_unavailable' } });
    const error = await client.getLogs({ per_page: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 503, code: 'temporarily_unavailable' });
    await expect(client.getLogs({ per_page: 1 })).resolves.toMatchObject({
      logs: [expect.any(Object)],
    });
    expect(tenant().stats().tokenRequests - before).toBe(2);
  });

  it('rejects wrong credentials with a 401 `unauthorized` error instead of hanging', async () => {
    const client = new LogsApiClient({ ...credentials(tenant()), clientSecret: SECRET });
    const error = await client.getLogs({ per_page: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toBeInstanceOf(ManagementApiError);
    // The original's name: code that checks `err.name === 'ManagementApiError'` keeps working.
    expect(error).toMatchObject({ name: 'ManagementApiError', code: 'unauthorized', status: 401 });
    expect((error as Error).message).toMatch(/^Invalid credentials/);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('rejects a 200 token answer without an access token', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    tenant().enqueue({ path: 'token', status: 200, body: { token_type: 'Bearer' } });
    await expect(client.getAccessToken()).rejects.toMatchObject({
      name: 'ManagementApiError',
      code: 'invalid_token_response',
      status: 200,
    });
  });
});

describe('LogsApiClient.getLogs', () => {
  it('resolves a checkpoint page with numeric rate limits', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const page = await client.getLogs({ from: tenant().logIdAt(9), take: 5 });
    expect(page.logs.map((log) => log.log_id)).toEqual([10, 11, 12, 13, 14].map(tenant().logIdAt));
    expect(page.logs[0]).toEqual(tenant().logAt(10));
    expect(page.limits).toEqual({
      limit: 50,
      remaining: 50,
      reset: expect.any(Number),
    });
    expect(Number.isFinite(page.limits.reset)).toBe(true);
  });

  it('passes search queries through and accepts the include_totals shape', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const page = await client.getLogs({ per_page: 3, page: 0, sort: 'date:1', q: undefined });
    expect(page.logs.map((log) => log.log_id)).toEqual([0, 1, 2].map(tenant().logIdAt));
    const totals = await client.getLogs({ per_page: 2, sort: 'date:1', include_totals: true });
    expect(totals.logs.map((log) => log.log_id)).toEqual([0, 1].map(tenant().logIdAt));
  });

  it('drops a token the API refuses with 401, fetches a new one and retries once', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    await client.getLogs({ per_page: 1 });
    const first = await client.getAccessTokenCached();
    tenant().expireTokens();
    const before = tenant().stats();
    const page = await client.getLogs({ from: tenant().logIdAt(0), take: 1 });
    expect(page.logs[0]?.log_id).toBe(tenant().logIdAt(1));
    const after = tenant().stats();
    expect(after.tokenRequests - before.tokenRequests).toBe(1);
    expect(after.logRequests - before.logRequests).toBe(2);
    expect((await client.getAccessTokenCached()).token).not.toBe(first.token);
  });

  it('rejects with `unauthorized` when the new token is refused too', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const before = tenant().stats();
    const unauthorized = { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' };
    tenant().enqueue({ path: 'logs', status: 401, body: unauthorized });
    tenant().enqueue({ path: 'logs', status: 401, body: unauthorized });
    const error = await client.getLogs({ per_page: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
    expect((error as Error).message).toContain('Invalid token');
    const after = tenant().stats();
    expect(after.tokenRequests - before.tokenRequests).toBe(2);
    expect(after.logRequests - before.logRequests).toBe(2);
  });

  it('clears the cached token on 403 and rejects without retrying', async () => {
    const cache = recordingCache();
    const client = new LogsApiClient({ ...credentials(tenant()), tokenCache: cache });
    await client.getLogs({ per_page: 1 });
    const before = tenant().stats();
    tenant().enqueue({
      path: 'logs',
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Insufficient scope, expected any of: read:logs',
        errorCode: 'insufficient_scope',
      },
    });
    const error = await client.getLogs({ per_page: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ManagementApiError',
      code: 'insufficient_scope',
      status: 403,
    });
    expect((error as Error).message).toContain('Insufficient scope');
    expect(cache.sets.at(-1)).toBeNull();
    expect(tenant().stats().logRequests - before.logRequests).toBe(1);
    await client.getLogs({ per_page: 1 });
    expect(tenant().stats().tokenRequests - before.tokenRequests).toBe(1);
  });

  it('surfaces the tenant rejecting a take above 100', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    await expect(client.getLogs({ from: tenant().logIdAt(0), take: 101 })).rejects.toMatchObject({
      code: 'invalid_query_string',
      status: 400,
    });
  });
});

describe('LogsApiClient.findCheckpointAt', () => {
  it('synthesises the id from which paging yields the first log at or after a date, with no request', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const before = tenant().stats();
    const checkpoint = await client.findCheckpointAt(new Date(tenant().logAt(500).date));
    const after = tenant().stats();
    expect(after.logRequests).toBe(before.logRequests);
    expect(after.tokenRequests).toBe(before.tokenRequests);
    expect(checkpoint).toBe(logIdAt(Date.parse(tenant().logAt(500).date)));
    const page = await client.getLogs({ from: checkpoint, take: 2 });
    expect(page.logs.map((log) => log.log_id)).toEqual([500, 501].map(tenant().logIdAt));
  });

  it('gives a date after every log an id that pages nothing yet', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const future = new Date(Date.now() + 3600_000);
    const checkpoint = await client.findCheckpointAt(future);
    expect(checkpoint).toBe(logIdAt(future.getTime()));
    expect((await client.getLogs({ from: checkpoint, take: 10 })).logs).toEqual([]);
  });

  it('gives a date before every log the oldest log, and rejects an invalid date', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const checkpoint = await client.findCheckpointAt(new Date(0));
    expect(checkpoint).toBe(`900${'19700101000000'}${'0'.repeat(39)}`);
    const page = await client.getLogs({ from: checkpoint, take: 1 });
    expect(page.logs.map((log) => log.log_id)).toEqual([tenant().logIdAt(0)]);
    await expect(client.findCheckpointAt(new Date('nope'))).rejects.toBeInstanceOf(ArgumentError);
    await expect(client.findCheckpointAt(new Date(Date.UTC(10000, 0, 1)))).rejects.toMatchObject({
      name: 'ArgumentError',
      option: 'date',
    });
  });
});

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('LogsApiClient abort during the token request', () => {
  const slow = useTenant({ logs: 10 });

  it('rejects at once with AbortError while the shared token request goes on', async () => {
    const client = new LogsApiClient(credentials(slow()));
    slow().enqueue({
      path: 'token',
      status: 200,
      delayMs: 3000,
      body: { access_token: 'slow-token-value-123', expires_in: 3600 },
    });
    const controller = new AbortController();
    const aborted = client.getLogs(
      { take: 1, from: slow().logIdAt(0) },
      { signal: controller.signal },
    );
    const other = client.getLogs({ take: 1, from: slow().logIdAt(0) });
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', code: 'aborted' });
    // It did not wait for the shared token request, which the tenant answers after 3 s (a wide
    // margin, so that a loaded machine cannot make it look as if it waited).
    expect(Date.now() - started).toBeLessThan(1500);
    // The canned token is unknown to the tenant: the other caller gets a 401, renews, and succeeds.
    await expect(other).resolves.toMatchObject({
      logs: [expect.objectContaining({ log_id: slow().logIdAt(1) })],
    });
  });
});
