// The next request starts from `Link` as soon as an answer is in, before its body is parsed (one
// cursor, closer to its limit), and is cancelled whenever the checked page disagrees.
import type { LogsAnswer, LogsQuery, RequestOptions } from '../../src/auth0/types';
import { InvalidResponseError } from '../../src/errors';
import { OLDEST_FROM } from '../../src/auth0/log-id';
import { logPages, type PageSourceOptions } from '../../src/pipeline/pages';
import type { CheckedPage } from '../../src/pipeline/types';
import { LogsProcessor } from '../../src/processor';
import type { RetryPolicy } from '../../src/pipeline/retry';
import type { LogEvent } from '../../src/types';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const id = (n: number) => `900${String(n).padStart(53, '0')}`;
const log = (n: number): LogEvent => ({
  log_id: id(n),
  date: '2026-01-01T00:00:00.000Z',
  type: 's',
});
const limits = { limit: 50, remaining: 49, reset: 0 };
const link = (from: string) =>
  `<https://tenant.example/api/v2/logs?take=100&from=${from}>; rel="next"`;
const silent = { debug: () => undefined, info: () => undefined, error: () => undefined };
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A canned page: its logs and `Link` header. */
interface Canned {
  logs: LogEvent[];
  link?: string;
}

/** One getLogs call, answered in two steps: `headers()` (onAnswer) then `body()` (resolves). */
interface Call {
  from: string | null;
  signal: AbortSignal | undefined;
  headers: () => void;
  body: () => void;
  answered: boolean;
}

/** A client answering canned pages by `from`, only when the test says so. */
function steppedClient(pages: Record<string, Canned>) {
  const calls: Call[] = [];
  const client = {
    getLogs(query: LogsQuery, options: RequestOptions = {}) {
      // a fresh cursor's first request, from an id below every log, is the canned 'start'
      const asked = query.from as string | undefined;
      const from = asked === undefined || asked === OLDEST_FROM ? null : asked;
      const canned = pages[from ?? 'start'];
      if (!canned) throw new Error(`no page canned for ${from}`);
      return new Promise<{ logs: LogEvent[]; limits: typeof limits; link?: string }>(
        (resolve, reject) => {
          const call: Call = {
            from,
            signal: options.signal,
            answered: false,
            headers: () => {
              call.answered = true;
              const answer: LogsAnswer = {
                limits,
                empty: canned.logs.length === 0,
                ...(canned.link ? { link: canned.link } : {}),
              };
              options.onAnswer?.(answer);
            },
            body: () =>
              resolve({ logs: canned.logs, limits, ...(canned.link ? { link: canned.link } : {}) }),
          };
          options.signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
          calls.push(call);
        },
      );
    },
  };
  return { client, calls };
}

function policy(): RetryPolicy {
  return {
    now: Date.now,
    sleep: async () => undefined,
    random: () => 0,
    retries: 0,
    minDelayMs: 0,
    maxDelayMs: 0,
    deadline: Date.now() + 600_000,
    shouldRetry: () => false,
  };
}

function source(client: PageSourceOptions['client'], extra: Partial<PageSourceOptions> = {}) {
  return logPages({
    client,
    from: null,
    take: 3,
    retry: policy(),
    waitOnRateLimit: true,
    prefetch: true,
    log: silent,
    ...extra,
  });
}

/** Answers every call as it comes, headers then body, and collects the pages and the stop. */
async function drain(gen: ReturnType<typeof source>, calls: Call[]) {
  const pages: CheckedPage[] = [];
  const pump = setInterval(() => {
    for (const call of calls) {
      if (call.answered || call.signal?.aborted) continue;
      call.headers();
      call.body();
    }
  }, 0);
  try {
    for (;;) {
      const next = await gen.next();
      if (next.done) return { pages, stop: next.value };
      pages.push(next.value);
    }
  } finally {
    clearInterval(pump);
  }
}

describe('the next request starts from Link before the page is parsed', () => {
  it('asks for the next page as soon as the answer is in, and makes no request more', async () => {
    const { client, calls } = steppedClient({
      start: { logs: [log(1), log(2), log(3)], link: link(id(3)) },
      [id(3)]: { logs: [log(4), log(5)], link: link(id(5)) },
      [id(5)]: { logs: [], link: link(id(5)) },
    });
    const gen = source(client);
    const first = gen.next();
    await flush();
    expect(calls.map((c) => c.from)).toEqual([null]);
    (calls[0] as Call).headers();
    await flush();
    // the body of the first answer is not in yet, and the second request is already out
    expect(calls.map((c) => c.from)).toEqual([null, id(3)]);
    (calls[0] as Call).body();
    expect((await first).value).toMatchObject({ from: null, checkpoint: id(3) });

    const rest = await drain(gen, calls);
    expect(rest.stop).toBe('caught_up');
    expect(rest.pages.flatMap((p) => p.logs.map((l) => l.log_id))).toEqual([id(4), id(5)]);
    // the empty answer started nothing: one request per page, and the one that said caught up
    expect(calls.map((c) => c.from)).toEqual([null, id(3), id(5)]);
    expect(calls.some((c) => c.signal?.aborted)).toBe(false);
  });

  it('cancels the request started from a Link below the checked page, and asks from its last id', async () => {
    const { client, calls } = steppedClient({
      start: { logs: [log(1), log(2), log(3)], link: link(id(2)) },
      [id(2)]: { logs: [log(3), log(4)] },
      [id(3)]: { logs: [log(4)] },
      [id(4)]: { logs: [] },
    });
    const gen = source(client);
    const first = gen.next();
    await flush();
    (calls[0] as Call).headers();
    await flush();
    expect(calls.map((c) => c.from)).toEqual([null, id(2)]);
    (calls[0] as Call).body();
    await first;
    expect((calls[1] as Call).signal?.aborted).toBe(true);
    expect((calls[2] as Call).from).toBe(id(3));

    // the cancelled request's late answer starts nothing
    const before = calls.length;
    (calls[1] as Call).headers();
    await flush();
    expect(calls.length).toBe(before);

    const rest = await drain(gen, calls);
    expect(rest.stop).toBe('caught_up');
    expect(rest.pages.flatMap((p) => p.logs.map((l) => l.log_id))).toEqual([id(4)]);
    expect(rest.pages.map((p) => p.replayed)).toEqual([0]);
  });

  it('starts nothing on an empty answer, on a Link that does not move, or past `until`', async () => {
    const cases: Array<[string, Record<string, Canned>, Partial<PageSourceOptions>]> = [
      ['empty', { start: { logs: [], link: link(id(9)) } }, {}],
      [
        'not moving',
        { [id(3)]: { logs: [log(4)], link: link(id(3)) }, [id(4)]: { logs: [] } },
        { from: id(3) },
      ],
      ['past until', { start: { logs: [log(1), log(2)], link: link(id(2)) } }, { until: id(2) }],
    ];
    for (const [name, pages, extra] of cases) {
      const { client, calls } = steppedClient(pages);
      const gen = source(client, extra);
      const first = gen.next();
      await flush();
      (calls[0] as Call).headers();
      await flush();
      expect({ name, requests: calls.length }).toEqual({ name, requests: 1 });
      (calls[0] as Call).body();
      await first;
      await gen.return('caught_up');
    }
  });

  it('does not start from Link without prefetch (the stream asks page by page)', async () => {
    const { client, calls } = steppedClient({
      start: { logs: [log(1)], link: link(id(1)) },
    });
    const gen = source(client, { prefetch: false });
    const first = gen.next();
    await flush();
    (calls[0] as Call).headers();
    await flush();
    expect(calls.length).toBe(1);
    (calls[0] as Call).body();
    await first;
    await gen.return('caught_up');
  });

  it('cancels the request started from Link when the page fails its checks', async () => {
    const { client, calls } = steppedClient({
      start: { logs: [log(2), log(1)], link: link(id(2)) },
      [id(2)]: { logs: [log(3)] },
    });
    const gen = source(client);
    const first = gen.next();
    await flush();
    (calls[0] as Call).headers();
    await flush();
    expect(calls.map((c) => c.from)).toEqual([null, id(2)]);
    (calls[0] as Call).body();
    await expect(first).rejects.toThrow(InvalidResponseError);
    expect((calls[1] as Call).signal?.aborted).toBe(true);
    expect(calls.length).toBe(2);
  });

  it('cancels the request started ahead when the consumer stops', async () => {
    const { client, calls } = steppedClient({
      start: { logs: [log(1)], link: link(id(1)) },
      [id(1)]: { logs: [log(2)], link: link(id(2)) },
    });
    const gen = source(client);
    const first = gen.next();
    await flush();
    (calls[0] as Call).headers();
    (calls[0] as Call).body();
    await first;
    expect(calls.length).toBe(2);
    await gen.return('aborted');
    expect((calls[1] as Call).signal?.aborted).toBe(true);
  });
});

describe('against the fake tenant', () => {
  const TOTAL = 1000;
  const tenant = useTenant({ logs: TOTAL });

  it('ships every log once with one request per page and one that says caught up', async () => {
    tenant().resetStats();
    const storage = memoryStorage();
    const shipped: string[] = [];
    const processor = new LogsProcessor(storage, { ...credentials(tenant()), batchSize: 100 });
    const { status } = await processor.run(async (logs) => {
      shipped.push(...logs.map((l) => l.log_id as string));
    });
    expect(status.error).toBeUndefined();
    expect(shipped).toEqual(Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i)));
    expect(tenant().stats().logRequests).toBe(TOTAL / 100 + 1);

    // caught up: one request, and no request started from its Link
    tenant().resetStats();
    const again = await new LogsProcessor(storage, { ...credentials(tenant()) }).run(() => {});
    expect(again.status.logsProcessed).toBe(0);
    expect(tenant().stats().logRequests).toBe(1);
  });
});
