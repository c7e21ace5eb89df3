import { createServer as createHttpServer } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import axios from 'axios';
import { LogsApiClient } from '../src/client';
import { isPermanentError, isTokenRequestError } from '../src/errors';
import { isTransient } from '../src/pipeline/retry';
import { LogsApiStream } from '../src/stream';
import { credentials, useTenant } from './support/tenant';

const tenant = useTenant({ logs: 50 });
const noWait = { sleep: async () => {}, random: () => 0 };

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

/** Runs a stream with 3 retries; resolves the error it emits. */
function streamError(options: ConstructorParameters<typeof LogsApiStream>[0]): Promise<unknown> {
  const stream = new LogsApiStream({ maxRetries: 3, ...noWait, ...options });
  return new Promise((resolve) => {
    stream.on('error', resolve);
    stream.on('end', () => resolve('ended'));
    stream.on('data', () => resolve('data'));
    stream.next(10);
  });
}

describe('the client does not retry what cannot succeed', () => {
  it('a certificate that fails verification', async () => {
    const { ca: _ca, ...untrusting } = credentials(tenant());
    const before = tenant().stats().connections;
    const error = await streamError(untrusting);
    expect(isTokenRequestError(error)).toBe(true);
    expect(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']).toContain(
      (error as { code: string }).code,
    );
    expect(isPermanentError(error)).toBe(true);
    expect(isTransient(error)).toBe(false);
    expect(tenant().stats().connections - before).toBe(1);
  });

  it('a plain-HTTP server on the tenant port', async () => {
    let connections = 0;
    const plain = createHttpServer((_req, res) => res.end('hello'));
    plain.on('connection', () => connections++);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      const error = await streamError({
        domain: `127.0.0.1:${port}`,
        clientId: 'plain-client',
        clientSecret: 'plain-secret',
      });
      expect(isTokenRequestError(error)).toBe(true);
      expect((error as Error).message).toMatch(/wrong version number|EPROTO/i);
      expect(isPermanentError(error)).toBe(true);
      expect(connections).toBe(1);
    } finally {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('an unknown host', async () => {
    let lookups = 0;
    const agent = new https.Agent({
      lookup: ((hostname: string, _options: unknown, callback: (e: Error) => void) => {
        lookups++;
        const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
          hostname,
        });
        callback(error);
      }) as never,
    });
    const http = axios.create({
      httpsAgent: agent,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
    });
    const error = await streamError({
      domain: 'no-such-tenant.example.invalid',
      clientId: 'lost-client',
      clientSecret: 'lost-secret',
      http,
    });
    expect(isTokenRequestError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
    expect(isPermanentError(error)).toBe(true);
    expect(lookups).toBe(1);
  });

  it('keeps retrying a refused connection (a tenant restarting)', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const error = await failure(
      new LogsApiClient({
        domain: `127.0.0.1:${port}`,
        clientId: 'c',
        clientSecret: 'secret-x',
      }).getAccessToken(),
    );
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isPermanentError(error)).toBe(false);
    expect(isTransient(error)).toBe(true);
  });

  it.each([400, 403, 404, 409, 413, 422])('a %i from the logs endpoint', async (status) => {
    const client = new LogsApiClient(credentials(tenant()));
    await client.getAccessTokenCached();
    tenant().enqueue({ path: 'logs', status, body: { error: 'nope' } });
    const before = tenant().stats().logRequests;
    const error = await streamError({ client, checkpointId: tenant().logIdAt(0) });
    expect(error).toMatchObject({ status });
    expect(isPermanentError(error)).toBe(true);
    expect(tenant().stats().logRequests - before).toBe(1);
  });

  it.each([408, 429, 500, 503])('but retries a %i from the logs endpoint', async (status) => {
    const client = new LogsApiClient(credentials(tenant()));
    await client.getAccessTokenCached();
    tenant().enqueue({ path: 'logs', status, body: { error: 'later' } });
    const before = tenant().stats().logRequests;
    const result = await streamError({ client, checkpointId: tenant().logIdAt(0) });
    expect(result).toBe('data');
    expect(tenant().stats().logRequests - before).toBe(2);
  });

  it('renews the token on a 401 from the logs endpoint, and refuses bad credentials for good', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    await client.getAccessTokenCached();
    tenant().enqueue({ path: 'logs', status: 401, body: { error: 'Unauthorized' } });
    await expect(client.getLogs({ take: 1, from: tenant().logIdAt(0) })).resolves.toBeDefined();
    const bad = new LogsApiClient({ ...credentials(tenant()), clientSecret: 'wrong-secret' });
    const error = await failure(bad.getAccessToken());
    expect(isTokenRequestError(error)).toBe(true);
    expect(error).toMatchObject({ status: 401 });
    expect(isPermanentError(error)).toBe(true);
  });
});
