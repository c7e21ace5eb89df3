import { LogsApiClient } from '../../src/client';
import { InvalidResponseError } from '../../src/errors';
import { createHttp } from '../../src/auth0/http';
import { checkPage, linkedFrom, logPages } from '../../src/pipeline/pages';
import type { CheckedPage, PagesStop } from '../../src/pipeline/types';
import { LogsProcessor } from '../../src/processor';
import type { LogsProcessorOptions } from '../../src/options/processor';
import type { RetryPolicy } from '../../src/pipeline/retry';
import { LogsApiStream } from '../../src/stream';
import type { FakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const TOTAL = 1000;
const tenant = useTenant({ logs: TOTAL });
const noWait = { sleep: async () => undefined, random: () => 0 };
const limits = { limit: 50, remaining: 49, reset: 0 };

function processor(storage = memoryStorage(), options: Partial<LogsProcessorOptions> = {}) {
  return new LogsProcessor(storage, { ...credentials(tenant()), ...noWait, ...options });
}

/** Logs `start` to `end - 1` exactly as the tenant serves them. */
const slice = (start: number, end: number): LogEvent[] =>
  Array.from({ length: end - start }, (_, i) => tenant().logAt(start + i));
const ids = (logs: LogEvent[]) => logs.map((l) => l.log_id as string);
const idRange = (start: number, end: number) => ids(slice(start, end));

/** A client whose logs requests are recorded as their query strings. */
function recordingClient(t: FakeTenant) {
  const http = createHttp({ ca: t.ca });
  const queries: Record<string, string>[] = [];
  http.interceptors.request.use((config) => {
    const url = new URL(config.url ?? '');
    if (url.pathname === '/api/v2/logs') queries.push(Object.fromEntries(url.searchParams));
    return config;
  });
  return { client: new LogsApiClient({ ...credentials(t), http }), queries };
}

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    now: Date.now,
    sleep: async () => undefined,
    random: () => 0,
    retries: 0,
    minDelayMs: 0,
    maxDelayMs: 0,
    deadline: Date.now() + 60_000,
    shouldRetry: () => false,
    ...overrides,
  };
}

const silent = { debug: () => undefined, info: () => undefined, error: () => undefined };

beforeEach(() => tenant().resetStats());

describe('checkPage', () => {
  const log = (id: unknown): LogEvent => ({ log_id: id as string, date: '', type: 's' });
  const id = (n: number) => `900${String(n).padStart(53, '0')}`;
  const page = (...logs: LogEvent[]) => ({ logs, limits });

  it('passes a page of increasing 56-digit ids past from', () => {
    expect(checkPage(page(log(id(2)), log(id(3))), id(1))).toEqual({
      fresh: [log(id(2)), log(id(3))],
      replayed: 0,
      last: id(3),
    });
    expect(checkPage(page({ _id: id(5), date: '', type: 's' }), null).last).toBe(id(5));
    expect(checkPage(page(), id(1))).toEqual({ fresh: [], replayed: 0, last: id(1) });
  });

  it('drops and counts logs at or below from', () => {
    expect(checkPage(page(log(id(1)), log(id(2)), log(id(3))), id(2))).toEqual({
      fresh: [log(id(3))],
      replayed: 2,
      last: id(3),
    });
  });

  it.each([
    ['no id', [log(id(2)), {}], /no log_id or _id at log 2 of 2/],
    ['a number', [log(5)], /not 56 digits at log 1 of 1: 5/],
    ['57 digits', [log(`${id(2)}0`)], /not 56 digits at log 1 of 1: "900/],
    ['55 digits', [log(id(2).slice(1))], /not 56 digits at log 1 of 1/],
    [
      'a repeat',
      [log(id(2)), log(id(2))],
      /out of order at log 2 of 2: log_id 900\d+ does not come/,
    ],
    ['going back', [log(id(3)), log(id(2))], /out of order at log 2 of 2/],
    ['all replayed', [log(id(0)), log(id(1))], /does not move the cursor/],
  ])('refuses a page with %s, naming the id and position', (_, logs, message) => {
    let error: unknown;
    try {
      checkPage(page(...(logs as LogEvent[])), id(1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`the checkpoint stays at ${id(1)}`);
  });
});

describe('linkedFrom', () => {
  const id = (n: number) => `900${String(n).padStart(53, '0')}`;
  const link = (from: string) =>
    `<https://t.example/api/v2/logs?from=${from}&take=100>; rel="next"`;

  it("follows a 56-digit from equal to the page's last id", () => {
    expect(linkedFrom(link(id(5)), id(5))).toEqual({ from: id(5) });
    expect(linkedFrom(`<https://x/a>; rel="prev", ${link(id(5))}`, id(5))).toEqual({ from: id(5) });
    expect(linkedFrom(undefined, id(5))).toEqual({});
  });

  it.each([
    [link(id(4)), /below the page's last log_id/],
    [link(id(9)), /past the page's last log_id .* \(it would skip logs\)/],
    [`<https://x/a?from=${id(5)}>; rel="prev", ${link(id(7))}`, /past the page's last log_id/],
    [link('12345'), /not a log id/],
    ['<https://t.example/api/v2/logs?take=100>; rel="next"', /not a log id/],
    ['garbage', /no rel="next"/],
    [`<${'https://[bad'}>; rel="next"`, /malformed URL/],
  ])('ignores %s', (header, reason) => {
    expect(linkedFrom(header, id(5)).ignored).toMatch(reason);
  });
});

describe('page checks in a run (a local HTTPS tenant answering canned pages)', () => {
  it('fails on a page whose last log has no id: the checkpoint stays before it, no loop', async () => {
    const storage = memoryStorage({ checkpointId: tenant().logIdAt(99) });
    const page = slice(100, 200);
    const last = { ...page[99] } as LogEvent;
    delete last.log_id;
    delete last._id;
    page[99] = last;
    tenant().enqueue({ path: 'logs', status: 200, body: page });
    const handler = jest.fn(async () => undefined);
    const result = await processor(storage).run(handler);
    expect(result.status.error).toMatch(/no log_id or _id at log 100 of 100/);
    expect(result.status.stopReason).toBe('failed');
    expect(result.checkpoint).toBe(tenant().logIdAt(99));
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(99));
    expect(handler).not.toHaveBeenCalled();
    expect(tenant().stats().logRequests).toBeLessThanOrEqual(2);
    // The next run, with a sane answer, ships every log once.
    const shipped: LogEvent[] = [];
    await processor(storage).run(async (logs) => void shipped.push(...logs));
    expect(ids(shipped)).toEqual(idRange(100, TOTAL));
  });

  it('fails on a 57-digit id instead of storing it: nothing is skipped', async () => {
    const storage = memoryStorage({ checkpointId: tenant().logIdAt(299) });
    const page = slice(300, 400);
    page[40] = { ...page[40], log_id: `${page[40]?.log_id as string}7` } as LogEvent;
    tenant().enqueue({ path: 'logs', status: 200, body: page });
    const result = await processor(storage).run(async () => undefined);
    expect(result.status.error).toMatch(/not 56 digits at log 41 of 100/);
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(299));
    const shipped: LogEvent[] = [];
    const next = await processor(storage).run(async (logs) => void shipped.push(...logs));
    expect(next.status.error).toBeUndefined();
    expect(ids(shipped)).toEqual(idRange(300, TOTAL));
  });

  it("fails on a newest-first page before delivering any of it; with 'stop' nothing is lost or shipped twice", async () => {
    const storage = memoryStorage({ checkpointId: tenant().logIdAt(99) });
    tenant().enqueue({ path: 'logs', status: 200, body: slice(100, 200).reverse() });
    const shipped: LogEvent[] = [];
    let refused = false;
    const handler = async (logs: LogEvent[]) => {
      if (!refused && logs[0]?.log_id === tenant().logIdAt(150)) {
        refused = true;
        throw new Error('destination refused');
      }
      shipped.push(...logs);
    };
    const options = { batchSize: 50, maxRetries: 0, onBatchFailure: 'stop' as const };
    const first = await processor(storage, options).run(handler);
    expect(first.status.error).toMatch(/out of order at log 2 of 100/);
    expect(first.status.error).toContain(tenant().logIdAt(198));
    expect(shipped).toEqual([]);
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(99));
    const second = await processor(storage, options).run(handler);
    expect(second.status.error).toContain('destination refused');
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(149));
    const third = await processor(storage, options).run(handler);
    expect(third.status.error).toBeUndefined();
    expect(ids(shipped)).toEqual(idRange(100, TOTAL));
    expect(new Set(ids(shipped)).size).toBe(TOTAL - 100);
  });

  it('never hands [{}, {}] to the handler', async () => {
    const storage = memoryStorage();
    tenant().enqueue({ path: 'logs', status: 200, body: [{}, {}] });
    const handler = jest.fn(async () => undefined);
    const result = await processor(storage).run(handler);
    expect(result.status.error).toMatch(/no log_id or _id at log 1 of 2/);
    expect(handler).not.toHaveBeenCalled();
    expect(result.checkpoint).toBeNull();
  });

  it('drops replayed logs at or below from, counts them, and ships the rest once', async () => {
    const storage = memoryStorage({ checkpointId: tenant().logIdAt(199) });
    tenant().enqueue({ path: 'logs', status: 200, body: slice(150, 250) });
    const shipped: LogEvent[] = [];
    const result = await processor(storage).run(async (logs) => void shipped.push(...logs));
    expect(result.status.error).toBeUndefined();
    expect(result.status.logsReplayed).toBe(50);
    expect(storage.current?.logs?.at(-1)?.logsReplayed).toBe(50);
    expect(ids(shipped)).toEqual(idRange(200, TOTAL));
  });

  it('fails on a page that would not move the cursor instead of asking for it again', async () => {
    const storage = memoryStorage({ checkpointId: tenant().logIdAt(199) });
    tenant().enqueue({ path: 'logs', status: 200, body: slice(100, 200) });
    const result = await processor(storage).run(async () => undefined);
    expect(result.status.error).toMatch(/does not move the cursor/);
    expect(tenant().stats().logRequests).toBe(1);
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(199));
  });
});

describe("following Auth0's Link header", () => {
  it('makes only the first request by hand and then follows each Link', async () => {
    const { client, queries } = recordingClient(tenant());
    const s = new LogsApiStream({ client, checkpointId: tenant().logIdAt(749), ...noWait });
    const pages = [];
    for await (const page of s) pages.push(page);
    expect(ids(pages.flatMap((p) => p.logs))).toEqual(idRange(750, TOTAL));
    expect(queries.map((q) => q.from)).toEqual(
      [749, 849, 949, 999].map((i) => tenant().logIdAt(i)),
    );
  });

  it('ignores a Link past the last id (it would skip logs) and pages on from the last id', async () => {
    const { client, queries } = recordingClient(tenant());
    const next = `<${tenant().baseUrl}/api/v2/logs?from=${tenant().logIdAt(899)}&take=100>; rel="next"`;
    tenant().enqueue({ path: 'logs', status: 200, body: slice(100, 200), headers: { link: next } });
    const s = new LogsApiStream({ client, checkpointId: tenant().logIdAt(99), ...noWait });
    const shipped: LogEvent[] = [];
    for await (const page of s.pages()) shipped.push(...page.logs);
    // a request started from that Link before the check is cancelled; paging goes on from 199
    const started = queries.map((q) => q.from);
    if (started[1] === tenant().logIdAt(899)) started.splice(1, 1);
    expect(started).toEqual(
      [99, 199, 299, 399, 499, 599, 699, 799, 899, 999].map((i) => tenant().logIdAt(i)),
    );
    expect(ids(shipped)).toEqual(idRange(100, TOTAL));
  });

  it.each([
    [
      'below the last id',
      (t: FakeTenant) => `<${t.baseUrl}/api/v2/logs?from=${t.logIdAt(150)}>; rel="next"`,
    ],
    ['malformed', () => '<not a url; rel=next'],
    ['with a short from', (t: FakeTenant) => `<${t.baseUrl}/api/v2/logs?from=123>; rel="next"`],
  ])('ignores a Link %s with a debug message and pages on from the last id', async (_, make) => {
    const { client, queries } = recordingClient(tenant());
    tenant().enqueue({
      path: 'logs',
      status: 200,
      body: slice(100, 200),
      headers: { link: make(tenant()) },
    });
    const debug: string[] = [];
    const s = new LogsApiStream({
      client,
      checkpointId: tenant().logIdAt(99),
      logger: { debug: (m: string) => debug.push(m) },
      ...noWait,
    });
    const shipped: LogEvent[] = [];
    for await (const page of s) shipped.push(...page.logs);
    // a Link that parses may have started a request before the page was checked: it was cancelled,
    // and no request was started from Link again
    const started = queries.map((q) => q.from);
    const fromLink = started.filter((from) => from === tenant().logIdAt(150));
    expect(fromLink.length).toBeLessThanOrEqual(1);
    expect(started.filter((from) => from !== tenant().logIdAt(150))).toEqual(
      [99, 199, 299, 399, 499, 599, 699, 799, 899, 999].map((i) => tenant().logIdAt(i)),
    );
    expect(debug.some((m) => m.startsWith('Ignoring the Link header'))).toBe(true);
    expect(ids(shipped)).toEqual(idRange(100, TOTAL));
  });
});

describe('logPages', () => {
  async function collect(
    gen: AsyncGenerator<CheckedPage, PagesStop, number | undefined>,
  ): Promise<{ pages: CheckedPage[]; stop: PagesStop }> {
    const pages: CheckedPage[] = [];
    for (;;) {
      const next = await gen.next();
      if (next.done) return { pages, stop: next.value };
      pages.push(next.value);
    }
  }

  it('returns caught_up on an empty page and counts what it fetched', async () => {
    const { client } = recordingClient(tenant());
    const counts = { requests: 0, fetched: 0, replayed: 0 };
    const { pages, stop } = await collect(
      logPages({
        client,
        from: tenant().logIdAt(799),
        take: 100,
        retry: policy(),
        waitOnRateLimit: false,
        prefetch: true,
        log: silent,
        counts,
      }),
    );
    expect(stop).toBe('caught_up');
    expect(pages.map((p) => p.fetched)).toEqual([100, 100]);
    expect(counts).toEqual({ requests: 3, fetched: 200, replayed: 0 });
  });

  it('returns max_run_time, rate_limit and aborted without a request', async () => {
    const client = { getLogs: jest.fn() };
    const base = {
      client,
      from: null,
      take: 100,
      waitOnRateLimit: false,
      prefetch: false,
      log: silent,
    };
    const late = await collect(logPages({ ...base, retry: policy({ deadline: 0 }) }));
    expect(late.stop).toBe('max_run_time');
    const aborted = await collect(
      logPages({ ...base, retry: policy({ signal: AbortSignal.abort() }) }),
    );
    expect(aborted.stop).toBe('aborted');
    expect(client.getLogs).not.toHaveBeenCalled();
    const empty = {
      getLogs: jest.fn(async () => ({
        logs: slice(0, 1),
        limits: { limit: 2, remaining: 0, reset: Date.now() / 1000 + 100 },
      })),
    };
    const limited = await collect(logPages({ ...base, client: empty, retry: policy() }));
    expect(limited.stop).toBe('rate_limit');
    expect(empty.getLogs).toHaveBeenCalledTimes(1);
  });
});
