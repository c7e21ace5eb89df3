import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import util from 'node:util';
import createDebug from 'debug';
import { LogsApiClient } from '../src/client';
import type { LogsApiClientOptions } from '../src/options/client';
import { createHttp } from '../src/auth0/http';
import { LogsProcessor } from '../src/processor';
import { LogsApiStream } from '../src/stream';
import type { FakeTenant } from '../src/testing';
import type { StorageContext, StoredState } from '../src/types';
import { credentials, memoryStorage, useTenant } from './support/tenant';

const CANARY = 'CANARY-SECRET-7f3a9c2e8b1d4f60a5c3e9b7d2f1a8c4';
const tenant = useTenant({ clientSecret: CANARY, logs: 300 });

/** Every access token the tenant issued (and any the test planted). */
const tokens = new Set<string>();
const secrets = () => [CANARY, ...tokens];
const debugOutput: string[] = [];
const loggerOutput: string[] = [];
const logger = {
  debug: (...args: unknown[]) => loggerOutput.push(util.format(...args)),
  info: (...args: unknown[]) => loggerOutput.push(util.format(...args)),
  error: (...args: unknown[]) => loggerOutput.push(util.format(...args)),
};

let restoreDebug = () => {};
beforeAll(() => {
  const namespaces = createDebug.disable();
  const log = createDebug.log;
  createDebug.enable('auth0-log-tools:*');
  createDebug.log = (...args: unknown[]) => debugOutput.push(util.format(...args));
  restoreDebug = () => {
    createDebug.log = log;
    createDebug.enable(namespaces);
  };
});
afterAll(() => restoreDebug());

/** The tenant's transport, recording every access token it hands out. */
function http(t: FakeTenant = tenant()) {
  const instance = createHttp({ ca: t.ca });
  instance.interceptors.response.use((response) => {
    const match = /"access_token"\s*:\s*"([^"]+)"/.exec(String(response.data));
    if (match?.[1]) tokens.add(match[1]);
    return response;
  });
  return instance;
}

function options(extra: Partial<LogsApiClientOptions> = {}): LogsApiClientOptions {
  return { ...credentials(tenant()), http: http(), logger, ...extra };
}

/** Asserts that no secret appears in `text`; failures name the leak without printing it. */
function expectClean(label: string, text: string): void {
  expect(tokens.size).toBeGreaterThan(0);
  const leaks = secrets()
    .filter((secret) => text.includes(secret))
    .map((secret) => (secret === CANARY ? 'the client secret' : `token ${secret.slice(0, 4)}...`));
  expect({ label, leaks }).toEqual({ label, leaks: [] });
}

/** Every way an error gets printed or stored. */
function expectErrorClean(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  const e = error as Error;
  const inspect = (value: unknown) => util.inspect(value, { depth: 10, showHidden: true });
  expectClean('message', e.message);
  expectClean('stack', String(e.stack));
  expectClean('inspect', inspect(e));
  expectClean('JSON', JSON.stringify(e));
  expectClean('String(cause)', String(e.cause));
  expectClean('inspect(cause)', inspect(e.cause));
  expectClean('JSON(cause)', JSON.stringify(e.cause) ?? '');
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

/** A client that holds a token, and that token. */
async function clientWithToken(extra: Partial<LogsApiClientOptions> = {}) {
  const client = new LogsApiClient(options(extra));
  const { token } = await client.getAccessTokenCached();
  expect(tokens.has(token)).toBe(true);
  return { client, token };
}

/** A body that echoes what the client sent, as a careless proxy or error page might. */
const echo = (token?: string) =>
  `client_secret=${CANARY}` + (token ? ` Authorization: Bearer ${token} token=${token}` : '');
const from = () => tenant().logIdAt(0);

describe('the client secret and access tokens never leak from client errors', () => {
  it('on ECONNREFUSED', async () => {
    await clientWithToken();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new LogsApiClient(options({ domain: `127.0.0.1:${port}` }));
    const error = await rejection(client.getLogs({ per_page: 1 }));
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expectErrorClean(error);
  });

  it('on a 401 from the token endpoint that echoes the request', async () => {
    await clientWithToken();
    tenant().enqueue({
      path: 'token',
      status: 401,
      body: { error: 'access_denied', error_description: `Unauthorized: ${echo()}` },
    });
    const error = await rejection(new LogsApiClient(options()).getLogs({ per_page: 1 }));
    expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
    // The body, as the original's err.response.text, with the echoed secret replaced.
    expect((error as { response?: { text: string } }).response?.text).toContain(
      'client_secret=[REDACTED]',
    );
    expectErrorClean(error);
  });

  it('on a token answer that has an access token but an unreadable expiry', async () => {
    const planted = 'CANARY-TOKEN-b41c9e2f7a3d5e8c1f6a0b9d';
    tokens.add(planted);
    tenant().enqueue({
      path: 'token',
      status: 200,
      body: { access_token: planted, expires_in: 'soon' },
    });
    const error = await rejection(new LogsApiClient(options()).getAccessToken());
    expect(error).toMatchObject({ code: 'invalid_token_response' });
    expectErrorClean(error);
  });

  it.each([401, 403, 429, 500, 503])(
    'on a %i from the logs endpoint that echoes the request',
    async (status) => {
      const { client, token } = await clientWithToken();
      const body = { error: 'echo', error_description: echo(token), message: echo(token) };
      tenant().enqueue({ path: 'logs', status, body, headers: { 'retry-after': '1' } });
      if (status === 401)
        tenant().enqueue({ path: 'logs', status, body: `<pre>${echo(token)}</pre>` });
      const error = await rejection(client.getLogs({ from: from(), take: 1 }));
      expect(error).toMatchObject({ status });
      expectErrorClean(error);
    },
  );

  it.each([
    ['an HTML page', (token: string) => `<html><body>Proxy error ${echo(token)}</body></html>`],
    [
      'a truncated body',
      (token: string) => `[{"log_id":"1","details":{"a":"${token}","b":"${CANARY}`,
    ],
    [
      'a JSON object',
      (token: string) => JSON.stringify({ headers: { authorization: `Bearer ${token}` } }),
    ],
  ])('on %s answered with 200', async (_, body) => {
    const { client, token } = await clientWithToken();
    tenant().enqueue({
      path: 'logs',
      status: 200,
      body: body(token),
      headers: { 'content-type': 'text/html' },
    });
    const error = await rejection(client.getLogs({ from: from(), take: 1 }));
    expect(error).toMatchObject({ code: 'invalid_response' });
    expectErrorClean(error);
  });

  it('on a timeout, a hang-up and an abort', async () => {
    const { client } = await clientWithToken({ timeoutMs: 80 });
    const slow = async (fn: () => Promise<unknown>) => {
      tenant().setOptions({ latencyMs: 1000 });
      try {
        return await fn();
      } finally {
        tenant().setOptions({ latencyMs: 0 });
      }
    };
    const timeout = await slow(() => rejection(client.getLogs({ from: from(), take: 1 })));
    expect(timeout).toMatchObject({ code: 'ETIMEDOUT' });
    expectErrorClean(timeout);

    tenant().enqueue({ path: 'logs', status: 200, hangUp: true });
    const hangUp = await rejection(client.getLogs({ from: from(), take: 1 }));
    expect(hangUp).toMatchObject({ code: 'ECONNRESET' });
    expectErrorClean(hangUp);

    const controller = new AbortController();
    const aborted = await slow(async () => {
      const before = tenant().stats().logRequests;
      const pending = rejection(
        client.getLogs({ from: from(), take: 1 }, { signal: controller.signal }),
      );
      while (tenant().stats().logRequests === before) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      return pending;
    });
    expect(aborted).toMatchObject({ name: 'AbortError' });
    expectErrorClean(aborted);
  });

  it('in a stream error after retries', async () => {
    const { client, token } = await clientWithToken();
    for (let i = 0; i < 2; i++)
      tenant().enqueue({ path: 'logs', status: 500, body: { message: echo(token) } });
    const stream = new LogsApiStream({
      client,
      checkpointId: from(),
      maxRetries: 1,
      sleep: async () => {},
      logger,
    });
    const error = await new Promise((resolve) => {
      stream.on('error', resolve);
      stream.on('end', () => resolve('ended without an error'));
      stream.next(10);
    });
    expect(error).toMatchObject({ status: 500 });
    expectErrorClean(error);
  });
});

describe('the client secret and access tokens never leak from processor runs', () => {
  const processor = (storage: StorageContext, extra: object = {}) =>
    new LogsProcessor(storage, { ...options(), maxRetries: 0, sleep: async () => {}, ...extra });

  function expectStatusClean(status: unknown, storage: { current: StoredState | undefined }) {
    expectClean('run status', JSON.stringify(status));
    expectClean('stored history', JSON.stringify(storage.current?.logs ?? []));
  }

  it('when the handler fails', async () => {
    const storage = memoryStorage();
    const result = await processor(storage, { batchSize: 50, maxRunTimeSeconds: 5 }).run(
      async () => {
        throw new Error('the sink refused the batch');
      },
    );
    expect(result.status.skipped?.length).toBeGreaterThan(0);
    expect(JSON.stringify(result.status)).toContain('the sink refused the batch');
    expectStatusClean(result.status, storage);
  });

  it.each(['skip', 'stop'] as const)(
    "when the handler's own error quotes the secret and the token (onBatchFailure '%s')",
    async (onBatchFailure) => {
      const storage = memoryStorage();
      const result = await processor(storage, { batchSize: 50, onBatchFailure }).run(async () => {
        const token = [...tokens].at(-1) ?? '';
        throw new Error(`dest down secret=${CANARY} token=${token}`);
      });
      expect(result.status.error).toMatch(/dest down secret=\[REDACTED\] token=\[REDACTED\]/);
      if (onBatchFailure === 'skip')
        expect(result.status.skipped?.[0]?.reason).toContain('secret=[REDACTED]');
      expectStatusClean(result.status, storage);
    },
  );

  it('when fetching fails with an answer that echoes the secrets', async () => {
    const { token } = await clientWithToken();
    const storage = memoryStorage({
      logs_access_token: { token, expiresAt: Date.now() + 3600_000 },
    });
    tenant().enqueue({
      path: 'logs',
      status: 500,
      body: { error: 'boom', error_description: echo(token) },
    });
    const result = await processor(storage).run(() => undefined);
    expect(result.status.error).toContain('client_secret=[REDACTED]');
    expectStatusClean(result.status, storage);
  });

  it('when the answer puts a secret in its error code', async () => {
    const { token } = await clientWithToken();
    const storage = memoryStorage({
      logs_access_token: { token, expiresAt: Date.now() + 3600_000 },
    });
    tenant().enqueue({ path: 'logs', status: 400, body: { error: 'bad', errorCode: token } });
    const result = await processor(storage).run(() => undefined);
    // masked before the code is normalised (lowercase, underscores)
    expect(result.status.errorCode).toBe('redacted');
    expect(JSON.stringify(result.status).toLowerCase()).not.toContain(token.toLowerCase());
    expectStatusClean(result.status, storage);
  });

  it('when the storage write fails with an error that carries the document', async () => {
    const storage = memoryStorage();
    const failing = {
      read: storage.read,
      write: async (data: StoredState) => {
        // Like an HTTP client's error: the request it failed to send, body and all.
        throw Object.assign(new Error('storage service answered 507 Insufficient Storage'), {
          config: { data: JSON.stringify(data) },
        });
      },
    };
    const error = await rejection(processor(failing).run(() => undefined));
    expect(error).toMatchObject({ name: 'StorageError', code: 'storage_write_failed' });
    expect((error as Error).cause).toMatchObject({ message: expect.stringContaining('507') });
    expectErrorClean(error);
  });
});

describe('the client secret is never echoed by an option error', () => {
  // the secret pasted into the wrong option: the message quotes the value, masked
  const options = { domain: 'acme.auth0.com', clientId: 'client-1', clientSecret: CANARY };
  const pasted = [
    ['timeoutMs', { timeoutMs: CANARY }],
    ['startFrom', { startFrom: CANARY }],
    ['batchSize', { batchSize: CANARY }],
  ] as const;

  it.each(pasted.slice(0, 1))('by the client (%s)', (option, wrong) => {
    let error: unknown;
    try {
      new LogsApiClient({ ...options, ...wrong } as LogsApiClientOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'ArgumentError', option });
    expect(util.inspect(error)).not.toContain(CANARY);
  });

  it.each(pasted)('by the processor and its run (%s)', async (option, wrong) => {
    const processor = new LogsProcessor(memoryStorage(), { ...options, ...wrong } as never);
    expect(processor.optionsError).toMatchObject({ option });
    expect(util.inspect(processor.optionsError)).not.toContain(CANARY);
    const { status } = await processor.run(async () => {});
    expect(status.error).toContain(option);
    expect(JSON.stringify(status)).not.toContain(CANARY);
  });

  it('by the stream (checkpointId)', () => {
    let error: unknown;
    try {
      new LogsApiStream({ ...options, checkpointId: CANARY } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'ArgumentError', option: 'checkpointId' });
    expect(util.inspect(error)).not.toContain(CANARY);
  });
});

describe('debug and logger output', () => {
  it('was captured and holds no secret', () => {
    expect(debugOutput.join('\n')).toContain('auth0-log-tools:client');
    expect(loggerOutput.length).toBeGreaterThan(0);
    expectClean('debug output', debugOutput.join('\n'));
    expectClean('logger output', loggerOutput.join('\n'));
  });
});
