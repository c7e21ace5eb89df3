// The token provider's own `POST /oauth/token`: what it sends, what it makes of the answer, and
// the cache and the shared request around it.
import { inspect } from 'node:util';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { DEFAULTS } from '../../src/defaults';
import { isTokenRequestError, isPermanentError } from '../../src/errors';
import { MemoryTokenCache, TokenProvider, secretDigest } from '../../src/auth0/token-provider';
import { Redactor } from '../../src/util/redact';

const SECRET = 'client-secret-of-sixty-four-characters-0123456789abcdefghijklmnop';

function answer(status: number, body: unknown): AxiosResponse {
  return {
    status,
    data: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {},
  } as AxiosResponse;
}

/** A provider whose requests are answered by `answers` in turn (after `delayMs`), and recorded. */
function setup(answers: Array<AxiosResponse | Error>, delayMs = 0) {
  let clock = 1_700_000_000_000;
  const sent: AxiosRequestConfig[] = [];
  const send = jest.fn(async (request: AxiosRequestConfig) => {
    sent.push(request);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const next = answers[Math.min(sent.length, answers.length) - 1];
    if (next instanceof Error) throw next;
    return next as AxiosResponse;
  });
  const cache = new MemoryTokenCache();
  const redactor = new Redactor();
  const debug: string[] = [];
  const provider = new TokenProvider({
    domain: 'acme.eu.auth0.com',
    clientId: 'client-1',
    clientSecret: SECRET,
    send,
    cache,
    redactor,
    now: () => clock,
    log: {
      debug: (line: string) => debug.push(line),
      info: () => undefined,
      error: () => undefined,
    },
  });
  return {
    provider,
    send,
    sent,
    cache,
    redactor,
    debug,
    tick: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

const issued = (token: string, expiresIn: unknown = 86_400) =>
  answer(200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' });

describe('TokenProvider: its own request', () => {
  it('sends the client credentials grant to the tenant', async () => {
    const t = setup([issued('token-1')]);
    await t.provider.requestToken();
    expect(t.sent).toHaveLength(1);
    const request = t.sent[0] as AxiosRequestConfig;
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://acme.eu.auth0.com/oauth/token',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    expect(JSON.parse(request.data as string)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: SECRET,
      audience: 'https://acme.eu.auth0.com/api/v2/',
    });
    expect(t.debug).toEqual(['Requesting an access token for client client-1']);
  });

  it('resolves the token and when it expires, without caching it', async () => {
    const t = setup([issued('token-1', 3600)]);
    await expect(t.provider.requestToken()).resolves.toEqual({
      token: 'token-1',
      expiresAt: t.now() + 3_600_000,
    });
    expect(await t.cache.getToken()).toBeNull();
  });

  it('assumes the default lifetime when the answer has no expires_in', async () => {
    const t = setup([answer(200, { access_token: 'token-1' })]);
    const token = await t.provider.requestToken();
    expect(token.expiresAt).toBe(t.now() + DEFAULTS.assumedTokenLifetimeMs);
  });

  it.each([
    ['no access_token', { expires_in: 60 }],
    ['an empty access_token', { access_token: '', expires_in: 60 }],
    ['a non-numeric expires_in', { access_token: 'token-1', expires_in: 'soon' }],
    ['a body that is not JSON', 'oops'],
  ])('refuses an answer with %s (invalid_token_response)', async (_label, body) => {
    const t = setup([answer(200, body)]);
    const error = await t.provider.getToken().catch((e: unknown) => e);
    expect(isTokenRequestError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_token_response', status: 200 });
    expect((error as Error).message).toMatch(
      /^POST \/oauth\/token answered 200 without an access_token and a numeric expires_in: /,
    );
    expect((error as Error).message).not.toContain('token-1');
    expect(await t.cache.getToken()).toBeNull();
  });

  it('maps a 401 to a permanent "Invalid credentials" error without the secret, and does not cache it', async () => {
    const t = setup([
      answer(401, { error: 'access_denied', error_description: `Unauthorized ${SECRET}` }),
      issued('token-2'),
    ]);
    const error = await t.provider.getToken().catch((e: unknown) => e);
    expect(isTokenRequestError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
    expect((error as Error).message).toBe('Invalid credentials: Unauthorized [REDACTED]');
    expect(isPermanentError(error)).toBe(true);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    // the failure is forgotten: the next caller sends again
    expect((await t.provider.getToken()).token).toBe('token-2');
    expect(t.send).toHaveBeenCalledTimes(2);
  });

  it('passes on the error of a request that got no answer, and tries again next time', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const t = setup([down, issued('token-2')]);
    await expect(t.provider.getToken()).rejects.toBe(down);
    expect((await t.provider.getToken()).token).toBe('token-2');
  });

  it('caches the token with its owner and issue time, the stored shape', async () => {
    const t = setup([issued('token-1', 60)]);
    const token = await t.provider.getToken();
    const stored = {
      issuedAt: t.now(),
      token: 'token-1',
      expiresAt: t.now() + 60_000,
      domain: 'acme.eu.auth0.com',
      clientId: 'client-1',
      secretDigest: secretDigest({ domain: 'acme.eu.auth0.com', clientId: 'client-1' }, SECRET),
    };
    expect(token).toEqual(stored);
    expect(await t.cache.getToken()).toEqual(stored);
  });

  it('uses the cached token while fresh, and sends again inside the leeway and once expired', async () => {
    const t = setup([issued('token-1', 60), issued('token-2', 60), issued('token-3', 60)]);
    expect((await t.provider.getToken()).token).toBe('token-1');
    t.tick(49_999);
    expect((await t.provider.getToken()).token).toBe('token-1');
    expect(t.send).toHaveBeenCalledTimes(1);
    t.tick(1);
    expect((await t.provider.getToken()).token).toBe('token-2');
    t.tick(120_000);
    expect((await t.provider.getToken()).token).toBe('token-3');
    expect(t.send).toHaveBeenCalledTimes(3);
  });

  it('sends one request for concurrent callers, and forgets it once it settles', async () => {
    const t = setup([issued('token-1', 60), issued('token-2', 60)], 10);
    const tokens = await Promise.all(Array.from({ length: 8 }, () => t.provider.getToken()));
    expect(new Set(tokens.map((x) => x.token))).toEqual(new Set(['token-1']));
    expect(t.send).toHaveBeenCalledTimes(1);
    await t.provider.invalidate('token-1');
    expect((await t.provider.getToken()).token).toBe('token-2');
    expect(t.send).toHaveBeenCalledTimes(2);
  });

  it('tells its redactor the secret and every token, and never shows them', async () => {
    const t = setup([issued('token-of-the-tenant-1')]);
    await t.provider.getToken();
    expect(t.redactor.redact(`a ${SECRET} b token-of-the-tenant-1`)).toBe(
      'a [REDACTED] b [REDACTED]',
    );
    expect(inspect(t.provider, { depth: 5, showHidden: true })).toBe('TokenProvider {}');
  });
});
