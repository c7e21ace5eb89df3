import { LogsApiClient } from '../src/client';
import { ArgumentError, ManagementApiError } from '../src/errors';
import { createHttp } from '../src/auth0/http';
import { OLDEST_FROM } from '../src/auth0/log-id';
import { LogsApiStream, type LogsApiStreamOptions } from '../src/stream';
import { startFakeTenant, type FakeTenant, type FakeTenantOptions } from '../src/testing';
import type { LogEvent, LogsPage } from '../src/types';
import { credentials, useTenant } from './support/tenant';

const shared = useTenant({ logs: 1000 });
const noWait = { sleep: async () => {}, random: () => 1 };

/** A tenant of its own, for tests that script answers or change limits. */
const own: FakeTenant[] = [];
async function ownTenant(options: FakeTenantOptions = {}): Promise<FakeTenant> {
  const tenant = await startFakeTenant({ logs: 300, ...options });
  own.push(tenant);
  return tenant;
}
afterEach(async () => {
  await Promise.all(own.splice(0).map((tenant) => tenant.close()));
});

function stream(tenant: FakeTenant, options: Partial<LogsApiStreamOptions> = {}) {
  return new LogsApiStream({ ...credentials(tenant), ...noWait, ...options });
}

/** A client whose requests are recorded as their query strings. */
function recordingClient(tenant: FakeTenant) {
  const http = createHttp({ ca: tenant.ca });
  const queries: URLSearchParams[] = [];
  http.interceptors.request.use((config) => {
    const url = new URL(config.url ?? '');
    if (url.pathname === '/api/v2/logs') queries.push(url.searchParams);
    return config;
  });
  return { client: new LogsApiClient({ ...credentials(tenant), http }), queries };
}

interface Run {
  pages: LogsPage[];
  logs: LogEvent[];
  error: unknown;
  ended: boolean;
}

/** Calls `next(take)` until the stream ends or fails, or `onData` returns false. */
function drain(s: LogsApiStream, take: number, onData: (page: LogsPage) => boolean = () => true) {
  return new Promise<Run>((resolve) => {
    const run: Run = { pages: [], logs: [], error: undefined, ended: false };
    s.on('data', (page) => {
      run.pages.push(page);
      run.logs.push(...page.logs);
      if (onData(page)) s.next(take);
      else resolve(run);
    });
    s.on('end', () => {
      run.ended = true;
      resolve(run);
    });
    s.on('error', (error) => {
      run.error = error;
      resolve(run);
    });
    s.next(take);
  });
}

const ids = (logs: LogEvent[]) => logs.map((log) => log.log_id);
const range = (tenant: FakeTenant, start: number, end: number) =>
  Array.from({ length: end - start }, (_, i) => tenant.logIdAt(start + i));

describe('LogsApiStream paging', () => {
  it('walks the tenant from a checkpoint in order, without gaps or duplicates, then ends', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(99) });
    const run = await drain(s, 100);
    expect(run.error).toBeUndefined();
    expect(run.ended).toBe(true);
    expect(ids(run.logs)).toEqual(range(t, 100, 1000));
    expect(run.pages.map((p) => p.logs.length)).toEqual(Array(9).fill(100));
    for (const page of run.pages) {
      expect(page.limits).toEqual({ limit: 50, remaining: 50, reset: expect.any(Number) });
    }
    expect(s.lastCheckpoint).toBe(t.logIdAt(999));
    expect(s.status.end).toBeInstanceOf(Date);
    expect(s.status.stopReason).toBe('caught_up');
    expect(s.isEnded).toBe(true);
  });

  it('serves next(250) with three requests of at most 100 logs', async () => {
    const t = shared();
    const { client, queries } = recordingClient(t);
    const s = new LogsApiStream({ client, checkpointId: t.logIdAt(9), ...noWait });
    const run = await drain(s, 250, () => false);
    expect(run.pages).toHaveLength(1);
    expect(ids(run.logs)).toEqual(range(t, 10, 260));
    expect(queries.map((q) => q.get('take'))).toEqual(['100', '100', '50']);
    expect(queries.map((q) => q.get('from'))).toEqual([
      t.logIdAt(9),
      t.logIdAt(109),
      t.logIdAt(209),
    ]);
  });

  it('starts without a checkpoint at the oldest logs, in checkpoint mode from an id below every log', async () => {
    const t = shared();
    const { client, queries } = recordingClient(t);
    const s = new LogsApiStream({ client, ...noWait });
    const run = await drain(s, 150, () => false);
    expect(ids(run.logs)).toEqual(range(t, 0, 150));
    // The original's checkpoint parameters, in its order; never a search sorted by date.
    expect([...queries[0]!]).toEqual([
      ['take', '100'],
      ['from', OLDEST_FROM],
      ['q', ''],
      ['sort', 'date:1'],
    ]);
    expect([...queries[1]!]).toEqual([
      ['take', '50'],
      ['from', t.logIdAt(99)],
      ['q', ''],
      ['sort', 'date:1'],
    ]);
    expect(s.status.startCheckpoint).toBeNull();
  });

  it('keeps only the wanted types and still moves the checkpoint past filtered logs', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(499), types: ['s', 'f'] });
    const run = await drain(s, 100);
    const expected = range(t, 500, 1000).filter((_, i) =>
      ['s', 'f'].includes(t.logAt(500 + i).type),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(run.logs)).toEqual(expected);
    expect(s.lastCheckpoint).toBe(t.logIdAt(999));
  });

  it('advances the checkpoint over pages whose logs are all filtered out', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(899), types: ['+no_such_type'] });
    const run = await drain(s, 50);
    // As the original: a page whose logs were all filtered out is a `data` event with no logs.
    expect(run.pages.map((p) => p.logs.length)).toEqual([0, 0]);
    expect(run.ended).toBe(true);
    expect(s.lastCheckpoint).toBe(t.logIdAt(999));
    const pages = [];
    for await (const page of stream(t, {
      checkpointId: t.logIdAt(949),
      types: ['+no_such_type'],
    }).pages(25)) {
      pages.push(page);
    }
    expect(pages.map((p) => [p.logs.length, p.fetched, p.checkpoint])).toEqual([
      [0, 25, t.logIdAt(974)],
      [0, 25, t.logIdAt(999)],
    ]);
  });

  it('ends on an empty page without emitting data', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(999) });
    const run = await drain(s, 100);
    expect(run).toMatchObject({ pages: [], ended: true, error: undefined });
    expect(s.lastCheckpoint).toBe(t.logIdAt(999));
  });

  it('ends on done(): no more requests; done() and every later next() get one end each', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(0) });
    const ends = jest.fn();
    s.on('end', ends);
    const before = t.stats().logRequests;
    const run = await drain(s, 10, () => {
      s.done();
      return true;
    });
    s.next(10);
    s.done();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(run.pages).toHaveLength(1);
    // done() once (the second call is a no-op), then one `end` for each of the two next() calls.
    expect(ends).toHaveBeenCalledTimes(3);
    expect(s.status.stopReason).toBe('aborted');
    expect(t.stats().logRequests - before).toBe(1);
  });

  it('tracks lastCheckpoint, previousCheckpoint, batchSaved() and logsProcessed', async () => {
    const t = shared();
    const start = t.logIdAt(19);
    const s = stream(t, { checkpointId: start });
    expect(s.status).toMatchObject({ startCheckpoint: start, logsProcessed: 0, end: null });
    const seen: [string | null, string | null, number][] = [];
    await drain(s, 10, () => {
      seen.push([s.previousCheckpoint, s.lastCheckpoint, s.status.logsProcessed]);
      s.batchSaved();
      return seen.length < 3;
    });
    expect(seen).toEqual([
      [start, t.logIdAt(29), 0],
      [t.logIdAt(29), t.logIdAt(39), 10],
      [t.logIdAt(39), t.logIdAt(49), 20],
    ]);
    expect(s.status.logsProcessed).toBe(30);
    expect(s.previousCheckpoint).toBe(t.logIdAt(49));
  });

  it('pages(): yields pages of up to 100 with their checkpoint, then ends the stream', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(749) });
    const pages = [];
    for await (const page of s.pages(500)) pages.push(page);
    expect(pages.map((p) => p.fetched)).toEqual([100, 100, 50]);
    expect(pages.map((p) => p.checkpoint)).toEqual([849, 949, 999].map(t.logIdAt));
    expect(s.status).toMatchObject({ logsProcessed: 250, stopReason: 'caught_up' });
    expect(s.lastCheckpoint).toBe(t.logIdAt(999));
    expect(ids(pages.flatMap((p) => p.logs))).toEqual(range(t, 750, 1000));
    expect(s.isEnded).toBe(true);
    expect(s.status.end).toBeInstanceOf(Date);
  });
});

/** Events in arrival order, with a marker between turns of the event loop. */
function eventLog(s: LogsApiStream) {
  const events: string[] = [];
  s.on('data', (page) => events.push(`data ${page.logs.length}`));
  s.on('end', () => events.push('end'));
  s.on('error', (error) => events.push(`error ${(error as Error).message}`));
  const settle = async (count: number) => {
    for (let i = 0; i < 10_000 && events.length < count; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    // A few more turns: anything emitted late would show up here.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    return [...events];
  };
  return { events, settle };
}

describe('LogsApiStream contract: one event per next()', () => {
  it('answers a short page with data only, and the next next() with end', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(969) });
    const { settle } = eventLog(s);
    s.next(100);
    expect(await settle(1)).toEqual(['data 30']);
    s.next(100);
    expect(await settle(2)).toEqual(['data 30', 'end']);
    s.next(100);
    expect(await settle(3)).toEqual(['data 30', 'end', 'end']);
    expect(s.status).toMatchObject({ stopReason: 'caught_up' });
  });

  it('answers every queued next() once, in order', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(899) });
    const { settle } = eventLog(s);
    for (let i = 0; i < 4; i++) s.next(50);
    expect(await settle(4)).toEqual(['data 50', 'data 50', 'end', 'end']);
  });

  it('leaves lastCheckpoint where it was when the second request of next(200) fails', async () => {
    const t = await ownTenant();
    t.enqueue({
      path: 'logs',
      status: 200,
      body: [t.logAt(1), t.logAt(2)].concat(Array.from({ length: 98 }, (_, i) => t.logAt(3 + i))),
    });
    t.enqueue({
      path: 'logs',
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'nope' },
    });
    const s = stream(t, { checkpointId: t.logIdAt(0) });
    const { settle } = eventLog(s);
    s.next(200);
    const events = await settle(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^error /);
    expect(s.lastCheckpoint).toBe(t.logIdAt(0));
    expect(s.status).toMatchObject({ logsProcessed: 0, stopReason: 'failed' });
    // as the original: the stream did not end; the next next() asks again from lastCheckpoint
    expect(s.isEnded).toBe(false);
    s.next(200);
    expect(await settle(2)).toEqual([events[0], 'data 200']);
    expect(s.lastCheckpoint).toBe(t.logIdAt(200));
    expect(s.status.stopReason).toBeUndefined();
    s.done();
    expect(await settle(3)).toEqual([events[0], 'data 200', 'end']);
    expect(s.status.stopReason).toBe('aborted');
  });

  it('is async-iterable itself; pages() counts logsProcessed and refuses pages(0) at once', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(849) });
    const sizes: number[] = [];
    for await (const page of s) sizes.push(page.logs.length);
    expect(sizes).toEqual([100, 50]);
    expect(s.status.logsProcessed).toBe(150);
    expect(s.previousCheckpoint).toBe(t.logIdAt(999));
    expect(() => stream(t).pages(0)).toThrow(expect.objectContaining({ option: 'take' }));
  });

  it('ignores `types` given as an object, as the original did', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(949), types: { s: true } as never });
    const run = await drain(s, 100);
    expect(ids(run.logs)).toEqual(range(t, 950, 1000));
  });

  it('refuses an unknown type code naming `types` and the nearest code; +code names a new one', () => {
    const t = shared();
    expect(() => stream(t, { types: ['S'] })).toThrow(
      expect.objectContaining({
        option: 'types',
        message: expect.stringContaining('`S` is not an Auth0 log type; did you mean `s`?'),
      }),
    );
    expect(() => stream(t, { types: ['+brand_new_type'] })).not.toThrow();
  });
});

describe('LogsApiStream rate limits, retries and run time', () => {
  it('ends with a warning when the bucket is empty and waitOnRateLimit is false', async () => {
    const t = await ownTenant({ rateLimit: { burst: 2, perSecond: 0.01 } });
    const s = stream(t, { checkpointId: t.logIdAt(0) });
    const run = await drain(s, 250);
    expect(ids(run.logs)).toEqual(range(t, 1, 201));
    expect(run.ended).toBe(true);
    expect(run.pages.at(-1)?.limits.remaining).toBe(0);
    expect(s.status.warning).toMatch(/rate limit/i);
    expect(s.status.stopReason).toBe('rate_limit');
    expect(t.stats()).toMatchObject({ logRequests: 2, rateLimited: 0 });
  });

  it('waits for the bucket when waitOnRateLimit is true', async () => {
    // One simulated clock for the tenant's bucket and the stream: only the stream's waits move it,
    // so the bucket is empty after two requests however long they take on this machine.
    let clock = Date.UTC(2026, 0, 1);
    const t = await ownTenant({ rateLimit: { burst: 2, perSecond: 1 }, now: () => clock });
    const waits: number[] = [];
    const s = stream(t, {
      checkpointId: t.logIdAt(0),
      waitOnRateLimit: true,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const run = await drain(s, 299);
    expect(ids(run.logs)).toEqual(range(t, 1, 300));
    expect(s.status.warning).toBeUndefined();
    expect(waits.length).toBeGreaterThan(0);
    expect(t.stats().rateLimited).toBe(0);
  });

  it('retries failed fetches up to maxRetries, then emits error', async () => {
    const t = await ownTenant();
    for (let i = 0; i < 3; i++)
      t.enqueue({ path: 'logs', status: 503, body: { error: 'unavailable' } });
    const s = stream(t, { checkpointId: t.logIdAt(0), maxRetries: 2 });
    const run = await drain(s, 10);
    expect(run.error).toBeInstanceOf(ManagementApiError);
    expect(run.error).toMatchObject({ status: 503, code: 'unavailable' });
    expect(run.ended).toBe(false);
    expect(s.isEnded).toBe(false);
    expect(s.status.stopReason).toBe('failed');
    expect(t.stats().logRequests).toBe(3);
    s.done();
    expect(s.isEnded).toBe(true);
    expect(s.status.stopReason).toBe('failed');
  });

  it('recovers when a retry succeeds, and does not retry a 400', async () => {
    const t = await ownTenant();
    t.enqueue({ path: 'logs', status: 500 });
    t.enqueue({ path: 'logs', status: 200, body: '<html>oops</html>' });
    const s = stream(t, { checkpointId: t.logIdAt(0), maxRetries: 2 });
    const first = await drain(s, 10, () => false);
    expect(ids(first.logs)).toEqual(range(t, 1, 11));
    expect(t.stats().logRequests).toBe(3);
    t.enqueue({ path: 'logs', status: 400, body: { error: 'bad_request' } });
    const second = await drain(stream(t, { checkpointId: t.logIdAt(0), maxRetries: 5 }), 10);
    expect(second.error).toMatchObject({ status: 400 });
    expect(t.stats().logRequests).toBe(4);
  });

  it('waits as long as a 429 asks (Retry-After) before retrying', async () => {
    const t = await ownTenant();
    t.enqueue({ path: 'logs', status: 429, headers: { 'retry-after': '2' } });
    const waits: number[] = [];
    const s = stream(t, { checkpointId: t.logIdAt(0), sleep: async (ms) => void waits.push(ms) });
    const run = await drain(s, 10, () => false);
    expect(ids(run.logs)).toEqual(range(t, 1, 11));
    expect(waits).toEqual([2000]);
    expect(t.stats().status).toEqual({ 200: 1, 429: 1 });
  });

  it('stops retrying when the next wait would pass the run time', async () => {
    const t = await ownTenant();
    for (let i = 0; i < 10; i++) t.enqueue({ path: 'logs', status: 500 });
    let clock = Date.now();
    const waits: number[] = [];
    const s = stream(t, {
      checkpointId: t.logIdAt(0),
      maxRetries: 10,
      maxRunTimeSeconds: 1,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const run = await drain(s, 10);
    expect(run.error).toMatchObject({ status: 500 });
    // Full jitter with random() = 1: 250 + 500 ms fit in 1 s, the next 1000 ms would not.
    expect(waits).toEqual([250, 500]);
    expect(t.stats().logRequests).toBe(3);
  });

  it('does not start a request the average response time says cannot finish', async () => {
    const t = shared();
    let clock = Date.now();
    const http = createHttp({ ca: t.ca });
    http.interceptors.response.use((response) => {
      clock += 300;
      return response;
    });
    const client = new LogsApiClient({ ...credentials(t), http, now: () => clock });
    await client.getAccessTokenCached();
    const s = new LogsApiStream({
      client,
      checkpointId: t.logIdAt(0),
      maxRunTimeSeconds: 1,
      now: () => clock,
      ...noWait,
    });
    const before = t.stats().logRequests;
    const run = await drain(s, 10);
    // Each request "takes" 300 ms: after three, 100 ms are left, less than the average.
    expect(run.ended).toBe(true);
    expect(t.stats().logRequests - before).toBe(3);
    expect(ids(run.logs)).toEqual(range(t, 1, 31));
  });
});

describe('LogsApiStream abort and errors', () => {
  it('ends quietly when the signal is aborted before a request', async () => {
    const t = shared();
    const controller = new AbortController();
    controller.abort();
    const before = t.stats().logRequests;
    const run = await drain(
      stream(t, { checkpointId: t.logIdAt(0), signal: controller.signal }),
      10,
    );
    expect(run).toMatchObject({ ended: true, error: undefined, pages: [] });
    expect(t.stats().logRequests).toBe(before);
  });

  it('ends quietly when the signal aborts a request in flight', async () => {
    const t = await ownTenant();
    const controller = new AbortController();
    const s = stream(t, { checkpointId: t.logIdAt(0), signal: controller.signal });
    const started = Date.now();
    const run = await drain(s, 10, () => {
      t.setOptions({ latencyMs: 3000 });
      const abortOnArrival = setInterval(() => {
        if (t.stats().logRequests < 2) return;
        clearInterval(abortOnArrival);
        controller.abort();
      }, 5);
      return true;
    });
    expect(run).toMatchObject({ ended: true, error: undefined });
    expect(run.pages).toHaveLength(1);
    expect(t.stats().logRequests).toBe(2);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('cuts a rate-limit wait short when the signal aborts (default sleep)', async () => {
    const t = await ownTenant({ rateLimit: { burst: 1, perSecond: 0.05 } });
    const controller = new AbortController();
    const s = new LogsApiStream({
      ...credentials(t),
      checkpointId: t.logIdAt(0),
      waitOnRateLimit: true,
      maxRunTimeSeconds: 60,
      signal: controller.signal,
    });
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const run = await drain(s, 200);
    expect(run).toMatchObject({ ended: true, error: undefined });
    expect(ids(run.logs)).toEqual(range(t, 1, 101));
    expect(s.status.warning).toBeUndefined();
    expect(t.stats().logRequests).toBe(1);
    // The bucket refills in 20 s: a wait that the abort did not cut short would take that long.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('pages() throws the fetch error once its retries are spent', async () => {
    const t = await ownTenant();
    t.enqueue({ path: 'logs', status: 500 });
    t.enqueue({ path: 'logs', status: 500 });
    const s = stream(t, { checkpointId: t.logIdAt(0), maxRetries: 1 });
    const consume = async () => {
      for await (const page of s.pages()) void page;
    };
    await expect(consume()).rejects.toMatchObject({ status: 500 });
    expect(s.isEnded).toBe(true);
  });

  it('emits an ArgumentError for a take that is not a positive integer', async () => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(0) });
    const error = await new Promise((resolve) => {
      s.on('error', resolve);
      s.next(0);
    });
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as ArgumentError).option).toBe('take');
  });

  it.each<[unknown, string]>([
    ['50', 'got "50"'],
    [1.5, 'got 1.5'],
    [null, 'got null'],
  ])('shows a bad take %j as it was given (a string in quotes)', async (take, shown) => {
    const t = shared();
    const s = stream(t, { checkpointId: t.logIdAt(0) });
    const error = await new Promise<unknown>((resolve) => {
      s.on('error', resolve);
      s.next(take as number);
    });
    expect((error as Error).message).toBe(`Expected \`take\` to be a positive integer, ${shown}`);
  });

  it.each([
    [{ checkpointId: 'abc' }, 'checkpointId'],
    [{ checkpointId: 42 }, 'checkpointId'],
    [{ types: ['S'] }, 'types'],
    [{ checkpointId: '1'.repeat(55) }, 'checkpointId'],
    [{ checkpointId: '1'.repeat(57) }, 'checkpointId'],
    [{ maxRetries: 101 }, 'maxRetries'],
    [{ types: [1] }, 'types'],
    [{ maxRetries: -1 }, 'maxRetries'],
    [{ maxRetries: 1.5 }, 'maxRetries'],
    [{ maxRunTimeSeconds: 0 }, 'maxRunTimeSeconds'],
    [{ domain: undefined }, 'domain'],
  ])('rejects %j with an ArgumentError naming `%s`', (options, option) => {
    let error: unknown;
    try {
      new LogsApiStream({ ...credentials(shared()), ...(options as object) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as ArgumentError).option).toBe(option);
  });

  it('requires an options object', () => {
    expect(() => new LogsApiStream(undefined as never)).toThrow(ArgumentError);
  });
});
