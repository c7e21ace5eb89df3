import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULTS } from '../src/defaults';
import { ABORTED_WARNING, LogsProcessor } from '../src/processor';
import { LogsApiStream } from '../src/stream';
import type { LogsProcessorOptions } from '../src/options/processor';
import type { StopRequest, WaitEvent } from '../src/types';
import { credentials, memoryStorage, useTenant } from './support/tenant';

const tenant = useTenant({ logs: 30, startDate: Date.now() - 3600_000 });
const old = useTenant({ logs: 20, startDate: Date.now() - 30 * 86_400_000 });

/** A simulated clock: `sleep` moves it, nothing waits on the wall clock. */
function simulatedTime() {
  let clock = Date.now();
  const slept: number[] = [];
  return {
    slept,
    now: () => clock,
    sleep: async (ms: number) => {
      slept.push(ms);
      clock += ms;
    },
  };
}

function processor(options: Partial<LogsProcessorOptions> = {}, storage = memoryStorage()) {
  const time = simulatedTime();
  const waits: WaitEvent[] = [];
  const p = new LogsProcessor(storage, {
    ...credentials(tenant()),
    now: time.now,
    sleep: time.sleep,
    random: () => 0,
    maxRunTimeSeconds: 3600,
    onWait: (event) => waits.push(event),
    ...options,
  });
  return { p, storage, waits, slept: time.slept };
}

/** A handler that acknowledges every batch (a `jest.fn()` would count as one taking a callback). */
const ok = async () => undefined;

beforeEach(() => tenant().resetStats());

describe('status.errorCode: the failing error as a typed code', () => {
  it('a refused token request (401): unauthorized, from the token request, status 401', async () => {
    tenant().enqueue({
      path: 'token',
      status: 401,
      body: { error: 'access_denied', error_description: 'Unauthorized' },
    });
    const { p, storage } = processor({ maxRetries: 0 });
    const { status } = await p.run(ok);
    expect(status.error).toMatch(/^Invalid credentials/);
    expect(status).toMatchObject({
      errorCode: 'unauthorized',
      errorSource: 'token',
      errorStatus: 401,
      stopReason: 'failed',
    });
    expect(storage.current?.logs?.at(-1)).toMatchObject({
      error: status.error,
      errorCode: 'unauthorized',
      errorSource: 'token',
      errorStatus: 401,
    });
  });

  it('a 403 for the logs: insufficient_scope, from the logs request, status 403', async () => {
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
    const { p } = processor({ maxRetries: 0 });
    const { status } = await p.run(ok);
    expect(status).toMatchObject({
      error: 'Insufficient scope, expected any of: read:logs',
      errorCode: 'insufficient_scope',
      errorSource: 'logs',
      errorStatus: 403,
      permanent: true,
    });
  });

  it('a tenant that refuses connections: the system code ECONNREFUSED, no status', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { p } = processor({ domain: `127.0.0.1:${port}`, maxRetries: 0 });
    const { status } = await p.run(ok);
    expect(status.errorCode).toBe('ECONNREFUSED');
    expect(status.errorSource).toBe('token');
    expect(status).not.toHaveProperty('errorStatus');
  });

  it('a failing handler: handler_failed, from the handler', async () => {
    const { p } = processor({ maxRetries: 0, onBatchFailure: 'stop' });
    const { status } = await p.run(() => Promise.reject(new Error('disk full')));
    expect(status).toMatchObject({ errorCode: 'handler_failed', errorSource: 'handler' });
    expect(status.error).toContain('disk full');
  });

  it('a bad option: invalid_argument, from the options', async () => {
    const { p } = processor({ batchSize: 0 });
    const { status } = await p.run(ok);
    expect(status).toMatchObject({ errorCode: 'invalid_argument', errorSource: 'options' });
  });

  it('a run that succeeds carries none', async () => {
    const { p } = processor();
    const { status } = await p.run(ok);
    expect(status.error).toBeUndefined();
    expect(status).not.toHaveProperty('errorCode');
    expect(status).not.toHaveProperty('errorSource');
  });
});

describe('onWait: every wait of the pipeline, with its reason and length', () => {
  it('rate_limit: the bucket is empty, waiting for it (capped), on simulated time', async () => {
    const t = tenant();
    t.enqueue({
      path: 'logs',
      status: 200,
      body: [t.logAt(0), t.logAt(1)],
      headers: {
        'x-ratelimit-limit': '1',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      },
    });
    const { p, waits, slept } = processor({ batchSize: 100 });
    const { status } = await p.run(ok);
    expect(status.error).toBeUndefined();
    expect(waits).toContainEqual({ reason: 'rate_limit', ms: DEFAULTS.maxRetryDelayMs });
    expect(slept).toContain(DEFAULTS.maxRetryDelayMs);
  });

  it('retry: a 429 asking for 3 s is tried again after 3000 ms', async () => {
    tenant().enqueue({ path: 'logs', status: 429, headers: { 'retry-after': '3' } });
    const { p, waits, slept } = processor();
    const { status } = await p.run(ok);
    expect(status.error).toBeUndefined();
    expect(status.logsProcessed).toBe(30);
    expect(waits).toEqual([{ reason: 'retry', ms: 3000 }]);
    expect(slept).toEqual([3000]);
  });

  it('handler_retry: a batch the handler failed is sent again after the backoff', async () => {
    let calls = 0;
    const handler = async () => {
      calls += 1;
      if (calls === 1) throw new Error('busy');
    };
    const { p, waits } = processor({ random: () => 0.5 });
    const { status } = await p.run(handler);
    expect(status.error).toBeUndefined();
    expect(waits).toEqual([
      { reason: 'handler_retry', ms: Math.round(0.5 * DEFAULTS.minRetryDelayMs) },
    ]);
  });

  it('a hook that throws does not fail the run', async () => {
    tenant().enqueue({ path: 'logs', status: 429, headers: { 'retry-after': '1' } });
    const { p } = processor({
      onWait: () => {
        throw new Error('display broke');
      },
    });
    const { status } = await p.run(ok);
    expect(status.error).toBeUndefined();
    expect(status.logsProcessed).toBe(30);
  });

  it('is refused when not a function, naming it', async () => {
    const { p } = processor({ onWait: 'yes' as never });
    const { status } = await p.run(ok);
    expect(status.error).toContain('`onWait`');
  });
});

describe('status.warnings: the warnings as a list, status.warning joined', () => {
  it('lists each warning with its code; the joined string is as before', async () => {
    const controller = new AbortController();
    const storage = memoryStorage();
    const p = new LogsProcessor(storage, {
      ...credentials(old()),
      batchSize: 5,
      sleep: async () => undefined,
      onProgress: () => controller.abort(),
    });
    const { status } = await p.run(ok, { signal: controller.signal });
    expect(status.warnings?.map((w) => w.code)).toEqual(['aborted', 'outdated_logs']);
    expect(status.warnings?.[0]?.message).toBe(ABORTED_WARNING);
    expect(status.warnings?.[1]?.message).toMatch(
      /^The newest log shipped is more than a week old/,
    );
    expect(status.warning).toBe(status.warnings?.map((w) => w.message).join(' '));
    expect(storage.current?.logs?.at(-1)).toMatchObject({
      warning: status.warning,
      warnings: status.warnings,
    });
  });
});

describe("abort(reason): the caller's stop reason is the run's", () => {
  async function stoppedWith(reason?: unknown) {
    const controller = new AbortController();
    const storage = memoryStorage();
    const p = new LogsProcessor(storage, {
      ...credentials(tenant()),
      batchSize: 10,
      sleep: async () => undefined,
      onProgress: () => controller.abort(reason),
    });
    const { status } = await p.run(ok, { signal: controller.signal });
    return { status, stored: storage.current?.logs?.at(-1) };
  }

  it('a StopRequest { stopReason: caught_up } is recorded as caught up, without a warning', async () => {
    const { status, stored } = await stoppedWith({ stopReason: 'caught_up' } satisfies StopRequest);
    expect(status.stopReason).toBe('caught_up');
    expect(status.logsProcessed).toBe(10);
    expect(status).not.toHaveProperty('warning');
    expect(stored).toMatchObject({ stopReason: 'caught_up', logsProcessed: 10 });
    expect(stored).not.toHaveProperty('warning');
  });

  it("a StopRequest's warning replaces the default one", async () => {
    const request: StopRequest = { stopReason: 'aborted', warning: 'Stopped: the reader left.' };
    const { status, stored } = await stoppedWith(request);
    expect(status.stopReason).toBe('aborted');
    expect(status.warnings).toEqual([{ code: 'aborted', message: 'Stopped: the reader left.' }]);
    expect(stored).toMatchObject({ stopReason: 'aborted', warning: 'Stopped: the reader left.' });
  });

  it('any other reason records aborted with the default warning, as before', async () => {
    for (const reason of [undefined, new Error('shutdown'), { stopReason: 'failed' }]) {
      const { status, stored } = await stoppedWith(reason);
      expect(status.stopReason).toBe('aborted');
      expect(status.warning).toBe(ABORTED_WARNING);
      expect(stored).toMatchObject({ stopReason: 'aborted', warning: ABORTED_WARNING });
    }
  });
});

describe('LogsApiStream onWait', () => {
  // its own tenant: a request an aborted run above started ahead (from the first page's Link)
  // and cancelled may still reach the shared one, and take the canned 429
  const own = useTenant({ logs: 30, startDate: Date.now() - 3600_000 });
  it('reports the retry of a 429 with its wait, on simulated time', async () => {
    own().enqueue({ path: 'logs', status: 429, headers: { 'retry-after': '2' } });
    const time = simulatedTime();
    const waits: WaitEvent[] = [];
    const stream = new LogsApiStream({
      ...credentials(own()),
      now: time.now,
      sleep: time.sleep,
      random: () => 0,
      onWait: (event) => waits.push(event),
    });
    const page = await new Promise<unknown>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
      stream.next(10);
    });
    expect(page).toMatchObject({ logs: expect.any(Array) });
    expect(waits).toEqual([{ reason: 'retry', ms: 2000 }]);
    expect(time.slept).toEqual([2000]);
  });
});
