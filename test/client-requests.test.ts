import type { ServerResponse } from 'node:http';
import { LogsApiClient } from '../src/client';
import { isPermanentError } from '../src/errors';
import { json, logId, startHttpsServer, type LocalServer } from './support/https-server';

/**
 * A tenant whose logs endpoint misbehaves as `mode` says: `drip` sends headers and then one body
 * byte every 100 ms for ever; `big` sends a body of `size` bytes with a content-length; `stream`
 * sends chunks for ever without one; `ok` answers one log.
 */
let mode: 'drip' | 'big' | 'stream' | 'ok' = 'ok';
let size = 0;
let logRequests = 0;
let tokenDelayMs = 0;
const open = new Set<NodeJS.Timeout>();

function drip(res: ServerResponse, chunk: string, everyMs: number) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('[');
  const timer = setInterval(() => {
    if (res.destroyed) return void clearInterval(timer);
    res.write(chunk);
  }, everyMs);
  open.add(timer);
  res.on('close', () => clearInterval(timer));
}

let server: LocalServer;
beforeAll(async () => {
  server = await startHttpsServer((req, res) => {
    if (req.url === '/oauth/token') {
      const answer = () =>
        json(res, 200, { access_token: 'requests-test-token', expires_in: 86400 });
      if (tokenDelayMs === 0) return answer();
      const timer = setTimeout(answer, tokenDelayMs);
      open.add(timer);
      return;
    }
    logRequests++;
    if (mode === 'drip') return drip(res, ' ', 100);
    if (mode === 'stream') return drip(res, ' '.repeat(4096), 1);
    if (mode === 'big') return json(res, 200, [{ log_id: logId(1), pad: 'x'.repeat(size) }]);
    json(res, 200, [{ log_id: logId(1), date: '2026-01-01T00:00:00.000Z', type: 's' }]);
  });
});
afterAll(async () => {
  for (const timer of open) clearInterval(timer);
  await server.close();
});
beforeEach(() => {
  mode = 'ok';
  logRequests = 0;
  tokenDelayMs = 0;
});

const client = (extra = {}) =>
  new LogsApiClient({
    domain: server.domain,
    ca: server.ca,
    clientId: 'requests-client',
    clientSecret: 'requests-secret',
    ...extra,
  });

describe('every request ends', () => {
  it('bounds the whole request, body included, by timeoutMs (a body that drips a byte at a time)', async () => {
    mode = 'drip';
    const c = client({ timeoutMs: 400 });
    await c.getAccessToken();
    const error = await c.getLogs({ take: 1, from: logId(0) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ManagementApiError', code: 'ETIMEDOUT' });
    expect((error as Error).message).toContain('timed out after 400 ms (`timeoutMs`)');
    // The server keeps sending a byte every 100 ms: an idle timeout of 400 ms never fires.
    expect(isPermanentError(error)).toBe(false);
  });

  it("ends a request at the run's deadline, before timeoutMs", async () => {
    mode = 'drip';
    let now = 1_000_000;
    const c = client({ timeoutMs: 60_000, now: () => now });
    await c.getAccessToken();
    const error = await c
      .getLogs({ take: 1, from: logId(0) }, { deadline: now + 300 })
      .catch((e: unknown) => e);
    // Its own code, marked permanent: the page source stops with max_run_time instead of failing.
    expect(error).toMatchObject({ code: 'run_deadline', permanent: true });
    expect((error as Error).message).toContain("the run's deadline");
    expect(logRequests).toBe(1);
    // Past the deadline, no request starts at all.
    now += 1000;
    const late = await c
      .getLogs({ take: 1, from: logId(0) }, { deadline: now - 1 })
      .catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'run_deadline', permanent: true });
    expect((late as Error).message).toContain('no time left before the deadline');
    expect(logRequests).toBe(1);
  });

  it('does not wait past the deadline for the access token', async () => {
    tokenDelayMs = 5_000;
    const c = client({ timeoutMs: 60_000 });
    const error = await c
      .getLogs({ take: 1 }, { deadline: Date.now() + 200 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'run_deadline', permanent: true });
    expect((error as Error).message).toContain('waiting for the access token');
    expect(logRequests).toBe(0);
  });

  it('an abort wins over the timeout and the deadline', async () => {
    mode = 'drip';
    const c = client({ timeoutMs: 60_000 });
    await c.getAccessToken();
    const controller = new AbortController();
    const pending = c.getLogs(
      { take: 1 },
      { signal: controller.signal, deadline: Date.now() + 60_000 },
    );
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('maxResponseBytes', () => {
  it('fails a body over the limit with a clear, permanent error', async () => {
    mode = 'big';
    size = 5000;
    const error = await client({ maxResponseBytes: 1000 })
      .getLogs({ take: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ManagementApiError', code: 'response_too_large' });
    expect((error as Error).message).toBe(
      'GET /api/v2/logs answered with a body over 1000 bytes (`maxResponseBytes`)',
    );
    expect(isPermanentError(error)).toBe(true);
  });

  it('stops reading an endless body without a content-length as soon as it passes the limit', async () => {
    mode = 'stream';
    const error = await client({ maxResponseBytes: 64 * 1024 })
      .getLogs({ take: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'response_too_large' });
  });

  it('accepts a body within the limit', async () => {
    mode = 'big';
    size = 500;
    const page = await client({ maxResponseBytes: 1000 }).getLogs({ take: 1 });
    expect(page.logs).toHaveLength(1);
  });
});

describe('on Node 20.0 to 20.2 (no AbortSignal.any)', () => {
  const any = Object.getOwnPropertyDescriptor(AbortSignal, 'any');
  beforeAll(() => {
    Reflect.deleteProperty(AbortSignal, 'any');
  });
  afterAll(() => {
    if (any) Object.defineProperty(AbortSignal, 'any', any);
  });

  it('still ends a request on abort and on timeout', async () => {
    expect(typeof (AbortSignal as { any?: unknown }).any).toBe('undefined');
    mode = 'drip';
    const c = client({ timeoutMs: 300 });
    await c.getAccessToken();
    const timedOut = await c
      .getLogs({ take: 1 }, { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: 'ETIMEDOUT' });
    const controller = new AbortController();
    controller.abort();
    await expect(c.getLogs({ take: 1 }, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
