import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { AxiosResponse } from 'axios';
import { LogsApiClient } from '../../src/client';
import {
  AbortError,
  InvalidResponseError,
  ManagementApiError,
  TokenRequestError,
  isAbortError,
} from '../../src/errors';
import { createHttp, excerpt, limitsOf } from '../../src/auth0/http';
import { Redactor } from '../../src/util/redact';
import { credentials, useTenant } from '../support/tenant';

const tenant = useTenant({ logs: 300 });
const from = () => tenant().logIdAt(0);

function client(extra: Partial<ConstructorParameters<typeof LogsApiClient>[0]> = {}) {
  return new LogsApiClient({ ...credentials(tenant()), ...extra });
}

async function failure(promise: Promise<unknown>): Promise<ManagementApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error as ManagementApiError;
}

/** Runs `fn` while the tenant takes 2 s to answer anything. */
async function slow<T>(fn: () => Promise<T>): Promise<T> {
  tenant().setOptions({ latencyMs: 2000 });
  try {
    return await fn();
  } finally {
    tenant().setOptions({ latencyMs: 0 });
  }
}

/** Resolves once the tenant has received `count` logs requests. */
async function requested(count: number): Promise<void> {
  while (tenant().stats().logRequests < count) await new Promise((r) => setTimeout(r, 5));
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('API error bodies', () => {
  it('maps { error, error_description } to code and message', async () => {
    tenant().enqueue({
      path: 'logs',
      status: 400,
      body: { error: 'invalid_request', error_description: 'The from parameter is malformed' },
    });
    const error = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    // Unprefixed, as the original's; the body as the original's `err.response.text`.
    expect(error.message).toBe('The from parameter is malformed');
    expect(error.response).toEqual({
      status: 400,
      text: JSON.stringify({
        error: 'invalid_request',
        error_description: 'The from parameter is malformed',
      }),
    });
  });

  it('maps { errorCode, message } to code and message', async () => {
    tenant().enqueue({
      path: 'logs',
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        errorCode: 'invalid_paging',
        message: 'Bad page',
      },
    });
    const error = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(error).toMatchObject({ code: 'invalid_paging', status: 400 });
    expect(error.message).toContain('Bad page');
  });

  it('turns a reason phrase in `error` (no errorCode) into a snake_case code', async () => {
    tenant().enqueue({
      path: 'logs',
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'Query validation error' },
    });
    const error = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(error).toMatchObject({ code: 'bad_request', status: 400 });
    expect(error.message).toContain('Query validation error');
  });

  it('falls back to server_error / unknown_error and a body excerpt', async () => {
    tenant().enqueue({
      path: 'logs',
      status: 502,
      body: 'Bad gateway',
      headers: { 'content-type': 'text/plain' },
    });
    const server = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(server).toMatchObject({ code: 'server_error', status: 502 });
    expect(server.message).toBe('Bad Gateway: Bad gateway');
    expect(server.response).toEqual({ status: 502, text: 'Bad gateway' });
    tenant().enqueue({ path: 'logs', status: 418 });
    const other = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(other).toMatchObject({ code: 'unknown_error', status: 418 });
    expect(other.message).toBe("I'm a Teapot");
  });

  it('gives a 429 the Retry-After wait and the rate limits', async () => {
    tenant().enqueue({
      path: 'logs',
      status: 429,
      body: {
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Global limit has been reached',
      },
      headers: {
        'retry-after': '3',
        'x-ratelimit-limit': '10',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1700000000',
      },
    });
    const error = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(error).toMatchObject({
      code: 'too_many_requests',
      status: 429,
      retryAfterMs: 3000,
      limits: { limit: 10, remaining: 0, reset: 1700000000 },
    });
  });

  it('maps a 429 from the tenant rate limiter', async () => {
    const c = client();
    await c.getLogs({ from: from(), take: 1 });
    tenant().setOptions({ rateLimit: { burst: 1, perSecond: 0.2 } });
    try {
      await c.getLogs({ from: from(), take: 1 });
      const error = await failure(c.getLogs({ from: from(), take: 1 }));
      expect(error).toMatchObject({ code: 'too_many_requests', status: 429 });
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(5000);
      expect(error.limits).toMatchObject({ limit: 1, remaining: 0 });
    } finally {
      tenant().setOptions({ rateLimit: null });
    }
  });
});

describe('network failures', () => {
  it('keeps ECONNREFUSED when nothing listens', async () => {
    const port = await closedPort();
    const c = client({ domain: `127.0.0.1:${port}` });
    const error = await failure(c.getLogs({ per_page: 1 }));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', status: undefined });
    expect(error.message).toContain('ECONNREFUSED');
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('keeps ECONNRESET when the tenant hangs up', async () => {
    const c = client();
    await c.getLogs({ from: from(), take: 1 });
    tenant().enqueue({ path: 'logs', status: 200, hangUp: true });
    const error = await failure(c.getLogs({ from: from(), take: 1 }));
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error.code).toBe('ECONNRESET');
  });

  it('times out with ETIMEDOUT', async () => {
    const c = client({ timeoutMs: 100 });
    await c.getLogs({ from: from(), take: 1 });
    const started = Date.now();
    const error = await slow(() => failure(c.getLogs({ from: from(), take: 1 })));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatchObject({ name: 'ManagementApiError', code: 'ETIMEDOUT' });
    expect(error.message).toContain('timed out after 100 ms');
  });

  it('times out the token request too', async () => {
    const error = await slow(() => failure(client({ timeoutMs: 100 }).getAccessToken()));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ name: 'ManagementApiError', code: 'ETIMEDOUT' });
  });
});

describe('answers that are not a JSON array of logs', () => {
  const cases: [string, string][] = [
    [
      'an HTML page',
      '<!DOCTYPE html><html><body><h1>Service Unavailable</h1>' +
        'x'.repeat(500) +
        '</body></html>',
    ],
    [
      'truncated JSON',
      '[{"log_id":"9001","date":"2024-01-01T00:00:00.000Z","type":"s"},{"log_id":"90',
    ],
    ['a JSON object', '{"message":"ok"}'],
    ['an object with logs, to a query without include_totals', '{"logs":[]}'],
    ['null', 'null'],
    ['an array of non-objects', '[1,2,3]'],
  ];
  it.each(cases)('rejects %s with invalid_response and a short excerpt', async (_, body) => {
    tenant().enqueue({ path: 'logs', status: 200, body, headers: { 'content-type': 'text/html' } });
    const error = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ code: 'invalid_response', status: 200 });
    expect(error.message).toContain(body.slice(0, 15));
    expect(error.message.length).toBeLessThan(260);
    expect(error.limits).toMatchObject({ limit: 50 });
  });

  it('takes the logs of an object only when the query asked for include_totals', async () => {
    const log = { log_id: from(), date: '2024-01-01T00:00:00.000Z', type: 's' };
    tenant().enqueue({
      path: 'logs',
      status: 200,
      body: JSON.stringify({ logs: [log], start: 0, limit: 1, length: 1, total: 1 }),
    });
    const page = await client().getLogs({ q: 'type:s', per_page: 1, include_totals: true });
    expect(page.logs).toEqual([log]);
  });

  it('says so for an empty body', async () => {
    tenant().enqueue({ path: 'logs', status: 200, body: '' });
    const error = await failure(client().getLogs({ from: from(), take: 1 }));
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(error.message).toContain('an empty body');
  });
});

describe('abort and keep-alive', () => {
  it('rejects with AbortError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = tenant().stats().logRequests;
    const error = await failure(client().getLogs({ per_page: 1 }, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortError);
    expect(isAbortError(error)).toBe(true);
    expect(error.code).toBe('aborted');
    expect(tenant().stats().logRequests).toBe(before);
  });

  it('aborts a request in flight', async () => {
    const c = client();
    await c.getLogs({ from: from(), take: 1 });
    const controller = new AbortController();
    const started = Date.now();
    const error = await slow(async () => {
      const pending = failure(c.getLogs({ from: from(), take: 1 }, { signal: controller.signal }));
      await requested(tenant().stats().logRequests + 1);
      controller.abort();
      return pending;
    });
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('serves many calls over one keep-alive connection', async () => {
    const c = client();
    tenant().resetStats();
    for (let i = 0; i < 15; i++) await c.getLogs({ from: tenant().logIdAt(i), take: 3 });
    const stats = tenant().stats();
    expect(stats.logRequests).toBe(15);
    expect(stats.tokenRequests).toBe(1);
    expect(stats.connections).toBe(1);
  });
});

describe('http helpers', () => {
  const response = (headers: Record<string, unknown>) => ({ headers }) as unknown as AxiosResponse;

  it('parses rate-limit headers as numbers, NaN when absent or blank', () => {
    expect(
      limitsOf(
        response({
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': ['3'],
          'x-ratelimit-reset': '17',
        }),
      ),
    ).toEqual({ limit: 10, remaining: 3, reset: 17 });
    const missing = limitsOf(response({ 'x-ratelimit-limit': ' ' }));
    expect(missing.limit).toBeNaN();
    expect(missing.remaining).toBeNaN();
    expect(missing.reset).toBeNaN();
  });

  it('makes short, single-line, redacted excerpts', () => {
    const redactor = new Redactor();
    redactor.add('super-secret-value');
    redactor.add('abc');
    const text = excerpt(
      `line one\n  super-secret-value abc Bearer eyJ.abc-def\n${'y'.repeat(300)}`,
      redactor,
    );
    expect(text).toMatch(/^line one \[REDACTED\] abc Bearer \[REDACTED\] y+\.\.\.$/);
    expect(text.length).toBe(123);
    expect(excerpt({ a: 1 }, redactor)).toBe('{"a":1}');
    expect(excerpt(undefined, redactor)).toBe('');
  });
});

describe('trusting a private CA', () => {
  const contextOf = (instance: ReturnType<typeof createHttp>) =>
    (instance.defaults.httpsAgent as { options: { secureContext?: unknown } }).options
      .secureContext;

  it('builds one secure context per CA for the whole process, and trusts with it', async () => {
    const first = createHttp({ ca: tenant().ca });
    const second = createHttp({ ca: [Buffer.from(tenant().ca)] });
    expect(contextOf(first)).toBeDefined();
    expect(contextOf(second)).toBe(contextOf(first));
    expect(contextOf(createHttp({ ca: `${tenant().ca}\n` }))).not.toBe(contextOf(first));
    const page = await client({ http: second }).getLogs({ take: 1, from: from() });
    expect(page.logs).toHaveLength(1);
  });

  it('keeps the default trust for a client given no CA', async () => {
    expect(contextOf(createHttp({}))).toBeUndefined();
    const { ca, ...withoutCa } = credentials(tenant());
    expect(ca).toBeDefined();
    const error = await failure(
      new LogsApiClient(withoutCa).getLogs({
        take: 1,
        from: from(),
      }),
    );
    expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
