import https from 'node:https';
import { ArgumentError } from '../../src/errors';
import { startFakeTenant } from '../../src/testing';
import type { FakeTenant, FakeTenantOptions } from '../../src/testing';
import { getLogs, getToken, manualClock, request, tokenBody } from '../support/https-client';

const tenants: FakeTenant[] = [];
async function start(options: FakeTenantOptions = {}): Promise<FakeTenant> {
  const tenant = await startFakeTenant({ logs: 300, ...options });
  tenants.push(tenant);
  return tenant;
}
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((tenant) => tenant.close()));
});

describe('startFakeTenant', () => {
  it('listens on 127.0.0.1 and describes itself', async () => {
    const tenant = await start();
    expect(tenant.port).toBeGreaterThan(0);
    expect(tenant.domain).toBe(`127.0.0.1:${tenant.port}`);
    expect(tenant.baseUrl).toBe(`https://127.0.0.1:${tenant.port}`);
    expect(tenant.clientId).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(tenant.clientSecret.length).toBeGreaterThanOrEqual(48);
    expect(tenant.ca).toContain('BEGIN CERTIFICATE');
    const other = await start();
    expect(other.clientSecret).not.toBe(tenant.clientSecret);
  });

  it.each([
    [{ logs: -1 }, 'logs'],
    [{ failRate: 2 }, 'failRate'],
    [{ rateLimit: { burst: 0, perSecond: 1 } }, 'rateLimit'],
    [{ rateLimit: { burst: 5, perSecond: 0 } }, 'rateLimit'],
    [{ latencyMs: -5 }, 'latencyMs'],
    [{ port: 70000 }, 'port'],
    [{ clientSecret: '' }, 'clientSecret'],
    [{ startDate: new Date(Date.now() + 60_000) }, 'startDate'],
    [{ startDate: 'not a date' }, 'startDate'],
  ] as [FakeTenantOptions, string][])('rejects %j naming `%s`', async (options, option) => {
    const error = await startFakeTenant(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as ArgumentError).option).toBe(option);
  });

  it('answers 404 for other paths and methods', async () => {
    const tenant = await start();
    expect((await request(tenant, '/api/v2/users')).status).toBe(404);
    expect((await request(tenant, '/oauth/token')).status).toBe(404);
  });
});

describe('POST /oauth/token', () => {
  it('issues a bearer token for JSON and form bodies', async () => {
    const tenant = await start({ tokenTtlSeconds: 3600 });
    const json = await request(tenant, '/oauth/token', {
      method: 'POST',
      body: tokenBody(tenant),
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(200);
    expect(json.headers['x-ratelimit-limit']).toBe('50');
    const body = json.json();
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[\w-]{60,}$/),
      expires_in: 3600,
      scope: 'read:logs read:logs_users',
      token_type: 'Bearer',
    });
    const form = await request(tenant, '/oauth/token', {
      method: 'POST',
      body: new URLSearchParams(JSON.parse(tokenBody(tenant))).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(200);
    expect(form.json().access_token).not.toBe(body.access_token);
    expect(tenant.stats().tokenRequests).toBe(2);
  });

  it.each([
    [
      { client_secret: 'wrong' },
      401,
      { error: 'access_denied', error_description: 'Unauthorized' },
    ],
    [
      { client_id: 'someone-else' },
      401,
      { error: 'access_denied', error_description: 'Unauthorized' },
    ],
    [{ grant_type: 'password' }, 403, { error: 'unauthorized_client' }],
    [{ audience: 'https://example.com/other/' }, 403, { error: 'access_denied' }],
  ])('refuses %j with %i', async (changes, status, expected) => {
    const tenant = await start();
    const res = await request(tenant, '/oauth/token', {
      method: 'POST',
      body: tokenBody(tenant, changes),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(status);
    expect(res.json()).toMatchObject(expected);
    expect(res.text).not.toContain(tenant.clientSecret);
  });

  it('accepts any audience ending in /api/v2/ and rejects a body that is not a form', async () => {
    const tenant = await start();
    const body = tokenBody(tenant, { audience: 'https://tenant.eu.auth0.com/api/v2/' });
    const lenient = await request(tenant, '/oauth/token', { method: 'POST', body });
    expect(lenient.status).toBe(200);
    const garbage = await request(tenant, '/oauth/token', { method: 'POST', body: 'not json' });
    expect(garbage.status).toBe(400);
  });
});

describe('GET /api/v2/logs authentication', () => {
  it('answers 401 without a token, with an unknown token and with an expired one', async () => {
    const clock = manualClock();
    const tenant = await start({ now: clock.now, tokenTtlSeconds: 60 });
    const invalid = { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' };
    expect((await request(tenant, '/api/v2/logs')).json()).toMatchObject(invalid);
    const unknown = await getLogs(tenant, 'nope', {});
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toEqual({ ...invalid, errorCode: 'invalid_token' });
    expect(unknown.headers['x-ratelimit-remaining']).toBe('50');

    const token = await getToken(tenant);
    expect((await getLogs(tenant, token, {})).status).toBe(200);
    clock.advance(61_000);
    const expired = await getLogs(tenant, token, {});
    expect(expired.status).toBe(401);
    expect(expired.json().message).toBe('Expired token received for JSON Web Token validation');
    expect((await getLogs(tenant, await getToken(tenant), {})).status).toBe(200);
  });

  it('expireTokens() expires every token issued so far', async () => {
    const tenant = await start();
    const token = await getToken(tenant);
    tenant.expireTokens();
    expect((await getLogs(tenant, token, {})).status).toBe(401);
    expect((await getLogs(tenant, await getToken(tenant), {})).status).toBe(200);
    expect(tenant.stats().status).toEqual({ 200: 1, 401: 1 });
  });
});

describe('scripted responses', () => {
  it('answers the next matching requests in order, then goes back to normal', async () => {
    const tenant = await start();
    const token = await getToken(tenant);
    const html = '<html><body>Service Unavailable</body></html>';
    tenant.enqueue({
      path: 'logs',
      status: 503,
      body: html,
      headers: { 'content-type': 'text/html' },
    });
    tenant.enqueue({ path: 'logs', status: 200, body: '[{"log_id":"900' });
    tenant.enqueue({ path: 'token', status: 403, body: { error: 'access_denied' } });

    const first = await getLogs(tenant, token, {});
    expect([first.status, first.text, first.headers['content-type']]).toEqual([
      503,
      html,
      'text/html',
    ]);
    expect(first.headers['x-ratelimit-limit']).toBe('50');
    const truncated = await getLogs(tenant, token, {});
    expect(truncated.status).toBe(200);
    expect(() => truncated.json()).toThrow(SyntaxError);
    expect((await getLogs(tenant, token, {})).json()).toHaveLength(50);
    await expect(getToken(tenant)).rejects.toThrow('token request failed with 403');
    await expect(getToken(tenant)).resolves.toEqual(expect.any(String));
    expect(tenant.stats().status).toEqual({ 200: 2, 503: 1 });
  });

  it('can hang up, delay, and leave out the rate-limit headers', async () => {
    const tenant = await start();
    const token = await getToken(tenant);
    tenant.enqueue({ status: 200, hangUp: true });
    await expect(getLogs(tenant, token, {})).rejects.toThrow(/socket hang up|ECONNRESET/);
    tenant.enqueue({ status: 502, delayMs: 60, rateLimitHeaders: false });
    const started = Date.now();
    const res = await getLogs(tenant, token, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(res.status).toBe(502);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    expect(() => tenant.enqueue({ status: 1000 })).toThrow(ArgumentError);
  });

  it.each(['/oauth/token', '/api/v2/logs', 'Logs', ''])(
    'refuses enqueue({ path: %j }): it would wait for a request that never comes',
    async (path) => {
      const tenant = await start();
      let error: unknown;
      try {
        tenant.enqueue({ path: path as 'logs', status: 500 });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ArgumentError);
      expect((error as ArgumentError).option).toBe('path');
      expect((error as Error).message).toBe(
        `Expected \`path\` to be 'token' (POST /oauth/token), 'logs' (GET /api/v2/logs) or absent (either), got ${JSON.stringify(path)}`,
      );
      // nothing was queued: the next logs request is answered normally
      const token = await getToken(tenant);
      expect((await getLogs(tenant, token, {})).status).toBe(200);
    },
  );
});

describe('failures, latency and statistics', () => {
  it('fails logs requests at failRate using the injected random source', async () => {
    const draws = [0.1, 0.9, 0.2];
    const tenant = await start({ failRate: 0.5, random: () => draws.shift() ?? 0.99 });
    const token = await getToken(tenant);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await getLogs(tenant, token, {})).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
    tenant.setOptions({ failRate: 1 });
    const failed = await getLogs(tenant, token, {});
    expect(failed.json()).toMatchObject({ statusCode: 500, error: 'Internal Server Error' });
    expect(tenant.stats().status).toEqual({ 200: 2, 500: 3 });
  });

  it('counts connections: one with keep-alive, one per request without', async () => {
    const tenant = await start();
    const keepAlive = new https.Agent({ keepAlive: true, ca: tenant.ca });
    const token = await getToken(tenant, keepAlive);
    for (let i = 0; i < 4; i++) await getLogs(tenant, token, {}, keepAlive);
    expect(tenant.stats().connections).toBe(1);
    keepAlive.destroy();
    tenant.resetStats();
    for (let i = 0; i < 4; i++) await getLogs(tenant, token, {});
    expect(tenant.stats()).toMatchObject({ connections: 4, logRequests: 4, logsServed: 200 });
  });

  it('delays new connections by connectLatencyMs, so keep-alive pays it once', async () => {
    const tenant = await start({ connectLatencyMs: 80 });
    const keepAlive = new https.Agent({ keepAlive: true, ca: tenant.ca });
    // Lower bounds of elapsed time only (a delay is a floor whatever the machine's speed); that
    // keep-alive pays it once is read from the connections the tenant accepted, not from timing.
    let started = Date.now();
    for (let i = 0; i < 3; i++) await request(tenant, '/nowhere', { agent: keepAlive });
    const reused = Date.now() - started;
    const reusedConnections = tenant.stats().connections;
    started = Date.now();
    for (let i = 0; i < 3; i++) await request(tenant, '/nowhere');
    const fresh = Date.now() - started;
    keepAlive.destroy();
    expect(reused).toBeGreaterThanOrEqual(75);
    expect(fresh).toBeGreaterThanOrEqual(3 * 75);
    expect(reusedConnections).toBe(1);
    expect(tenant.stats().connections - reusedConnections).toBe(3);
  });

  it('delays responses by latencyMs and records concurrency', async () => {
    const tenant = await start();
    // 1 s: long enough that the four requests overlap at the tenant however slow the machine is
    // at opening their connections (60 ms was not, under load: 3 seen at once).
    tenant.setOptions({ latencyMs: 1_000 });
    const token = await getToken(tenant);
    const started = Date.now();
    await Promise.all([1, 2, 3, 4].map(() => getLogs(tenant, token, {})));
    expect(Date.now() - started).toBeGreaterThanOrEqual(995);
    expect(tenant.stats().maxConcurrentRequests).toBe(4);
  });

  it('closes promptly although a keep-alive connection is open', async () => {
    const tenant = await startFakeTenant({ logs: 10 });
    const keepAlive = new https.Agent({ keepAlive: true, ca: tenant.ca });
    await getToken(tenant, keepAlive);
    const started = Date.now();
    await tenant.close();
    await tenant.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(getToken(tenant, keepAlive)).rejects.toThrow();
    keepAlive.destroy();
  });
});

describe('log growth', () => {
  it('appends logs over time, dated when they were created', async () => {
    const clock = manualClock();
    const tenant = await start({ logs: 100, growth: 10, now: clock.now });
    const lastInitial = tenant.logIdAt(99);
    expect(tenant.logCount()).toBe(100);
    clock.advance(1_550);
    expect(tenant.logCount()).toBe(115);
    const token = await getToken(tenant);
    const logs = (await getLogs(tenant, token, { from: lastInitial, take: 100 })).json();
    expect(logs).toHaveLength(15);
    expect(logs[0].date).toBe(new Date(clock.now() - 1_550 + 100).toISOString());
    expect(logs[14].date).toBe(new Date(clock.now() - 50).toISOString());
    clock.advance(300);
    expect(tenant.logCount()).toBe(118);
    tenant.addLogs(5);
    expect(tenant.logAt(122).date).toBe(new Date(clock.now()).toISOString());
    clock.advance(200);
    expect(tenant.logCount()).toBe(125);
    const ids = Array.from({ length: 125 }, (_, i) => tenant.logIdAt(i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(125);
    expect(() => tenant.logAt(125)).toThrow(ArgumentError);
    expect(() => tenant.addLogs(-1)).toThrow(ArgumentError);
  });
});

describe('startFakeTenant endDate', () => {
  it('anchors the timeline: the same seed, dates and count give the same ids at any clock', async () => {
    const options = {
      logs: 50,
      seed: 4,
      startDate: '2026-01-01T00:00:00Z',
      endDate: '2026-01-02T00:00:00Z',
    };
    const early = await startFakeTenant({
      ...options,
      now: () => Date.parse('2026-01-02T00:00:00Z'),
    });
    const late = await startFakeTenant({
      ...options,
      now: () => Date.parse('2026-02-01T07:13:00.457Z'),
    });
    try {
      const ids = (t: typeof early) => Array.from({ length: 50 }, (_, i) => t.logIdAt(i));
      expect(ids(late)).toEqual(ids(early));
      expect(early.logAt(49).date).toBe('2026-01-02T00:00:00.000Z');
    } finally {
      await early.close();
      await late.close();
    }
  });

  it('rejects an endDate before startDate or after now, naming it', async () => {
    const now = () => Date.parse('2026-01-02T00:00:00Z');
    await expect(
      startFakeTenant({ startDate: '2026-01-01T00:00:00Z', endDate: '2025-12-31T00:00:00Z', now }),
    ).rejects.toThrow(/Expected `endDate` to be a valid date from `startDate` to now/);
    await expect(startFakeTenant({ endDate: '2026-01-03T00:00:00Z', now })).rejects.toThrow(
      /`endDate`/,
    );
  });
});
