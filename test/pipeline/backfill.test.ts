import {
  backfillPages,
  planBackfill,
  probeAnomaly,
  type BackfillOptions,
  type BackfillState,
} from '../../src/pipeline/backfill';
import type { LogsQuery } from '../../src/auth0/types';
import { ManagementApiError } from '../../src/errors';
import {
  compareLogIds,
  logIdAt,
  logIdTime,
  OLDEST_FROM,
  previousLogId,
} from '../../src/auth0/log-id';
import type { CheckedPage, PagesStop } from '../../src/pipeline/types';
import { LogGenerator } from '../../src/testing/log-generator';
import type { LogEvent, LogsPage } from '../../src/types';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const DAY = 24 * 3600_000;
const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };
const limits = { limit: 50, remaining: 50, reset: NOW / 1000 };

/** An in-memory tenant: answers `from` with the logs whose id is greater, as Auth0 does. */
function memoryTenant(count: number, gate?: (query: LogsQuery) => Promise<void> | undefined) {
  const generator = new LogGenerator({ seed: 7, count, startMs: NOW - 2 * DAY, endMs: NOW });
  const ids = Array.from({ length: count }, (_, i) => generator.idAt(i));
  const queries: LogsQuery[] = [];
  const served = new Map<string, number>();
  return {
    ids,
    queries,
    served,
    tenantNow: () => NOW,
    async getLogs(query: LogsQuery): Promise<LogsPage> {
      queries.push(query);
      await gate?.(query);
      const take = Number(query.take ?? query.per_page);
      const from = query.from as string | undefined;
      const start = from === undefined ? 0 : generator.indexAfter(from);
      const logs: LogEvent[] = [];
      for (let i = start; i < Math.min(count, start + take); i++) logs.push(generator.at(i));
      served.set(String(from), logs.length);
      return { logs, limits };
    },
  };
}

function options(
  client: BackfillOptions['client'],
  extra: Partial<BackfillOptions> = {},
): BackfillOptions {
  return {
    client,
    from: null,
    take: 100,
    retry: {
      now: () => NOW,
      sleep: async () => undefined,
      random: () => 0,
      retries: 0,
      minDelayMs: 0,
      maxDelayMs: 0,
      deadline: Infinity,
      shouldRetry: () => false,
    },
    waitOnRateLimit: true,
    prefetch: true,
    log: quiet,
    cursors: 4,
    horizonMs: 10 * 60_000,
    bufferLogs: 1000,
    onFallback: () => undefined,
    ...extra,
  };
}

async function drain(source: AsyncGenerator<CheckedPage, PagesStop, number | undefined>) {
  const pages: CheckedPage[] = [];
  for (;;) {
    const next = await source.next();
    if (next.done) return { pages, stop: next.value };
    pages.push(next.value);
  }
}

const idsOf = (pages: CheckedPage[]) => pages.flatMap((p) => p.logs.map((l) => l.log_id));
/** Lets every pending promise settle (the memory tenant answers without I/O). */
async function settle(turns = 50) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('slicing', () => {
  it('cuts the backlog at ids synthesised from whole seconds and yields every log once in order', async () => {
    const tenant = memoryTenant(6000);
    const states: BackfillState[] = [];
    const fallbacks: string[] = [];
    const { pages, stop } = await drain(
      backfillPages(
        options(tenant, { onState: (s) => states.push(s), onFallback: (r) => fallbacks.push(r) }),
      ),
    );
    expect(stop).toBe('caught_up');
    expect(fallbacks).toEqual([]);
    expect(idsOf(pages)).toEqual(tenant.ids);
    // The checkpoint only moves forward, and each page starts past the one before.
    for (let i = 1; i < pages.length; i++) {
      const page = pages[i] as CheckedPage;
      const before = (pages[i - 1] as CheckedPage).checkpoint as string;
      expect(compareLogIds(page.checkpoint as string, before)).toBeGreaterThan(0);
      expect(compareLogIds(page.logs[0]?.log_id as string, before)).toBeGreaterThan(0);
    }
    const known = new Set(tenant.ids);
    const synthesised = tenant.queries
      .map((q) => q.from as string | undefined)
      .filter((from): from is string => from !== undefined && !known.has(from))
      // the first request of a fresh state: from an id below every log
      .filter((from) => from !== OLDEST_FROM);
    // The probe (take 1) asks from a bound; every slice after the first from the id before one.
    const probe = tenant.queries.find((q) => q.take === 1);
    expect(probe?.from).toMatch(/^900\d{14}0{39}$/);
    const slices = synthesised.filter((from) => from !== probe?.from);
    expect(slices.length).toBeGreaterThanOrEqual(4);
    for (const from of slices) {
      expect(from).toMatch(/^900\d{14}9{39}$/);
      const bound = logIdAt(logIdTime(from) as number) as string;
      expect(previousLogId(logIdAt((logIdTime(from) as number) + 1000))).toBe(from);
      expect(bound.length).toBe(56);
    }
    expect(Math.max(...states.map((s) => s.cursors))).toBe(4);
    expect(states.at(-1)?.cursors).toBe(0);
  });

  it('with one cursor sends exactly what logPages sends', async () => {
    const tenant = memoryTenant(1000);
    const { pages } = await drain(backfillPages(options(tenant, { cursors: 1 })));
    expect(idsOf(pages)).toEqual(tenant.ids);
    expect(tenant.queries.every((q) => q.take !== 1)).toBe(true);
    expect(tenant.queries).toHaveLength(11);
  });
});

describe('reorder buffer and checkpoint rule', () => {
  it('holds at most the cap ahead of a stalled first slice, and yields nothing past it', async () => {
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let ids: string[] = [];
    // The first slice's second request (from log 199: past the opening page and its first page) hangs.
    const tenant = memoryTenant(20_000, (query) => (query.from === ids[199] ? stalled : undefined));
    ids = tenant.ids;
    const source = backfillPages(options(tenant, { cursors: 8, bufferLogs: 2000 }));
    const got: CheckedPage[] = [];
    let next = source.next();
    let settled = false;
    for (;;) {
      void next.then(() => (settled = true));
      await settle(300);
      if (!settled) break;
      got.push((await next).value as CheckedPage);
      settled = false;
      next = source.next();
    }
    // Nothing past the stalled slice was yielded: the checkpoint stays in the contiguous prefix.
    expect(idsOf(got)).toEqual(ids.slice(0, 200));
    const requests = tenant.queries.length;
    await settle(300);
    expect(tenant.queries.length).toBe(requests);
    // Paused at the cap (plus at most two pages per cursor in flight, the opening page and the
    // stalled slice's first page).
    const fetched = [...tenant.served.values()].reduce((sum, n) => sum + n, 0);
    expect(fetched).toBeGreaterThanOrEqual(2000);
    expect(fetched).toBeLessThanOrEqual(2000 + 7 * 2 * 100 + 200 + 1);
    release();
    got.push((await next).value as CheckedPage);
    const rest = await drain(source);
    expect(idsOf([...got, ...rest.pages])).toEqual(ids);
  });

  it('a synthesised from that keeps failing (a 503 after its retries): falls back to one cursor, every log once in order', async () => {
    let failFrom: string | undefined;
    const tenant = memoryTenant(6000, (query) => {
      const from = String(query.from);
      if (query.take === 100 && /9{39}$/.test(from)) {
        failFrom ??= from;
        if (from === failFrom)
          return Promise.reject(
            new ManagementApiError('api_error', 'upstream down', { status: 503 }),
          );
      }
      return undefined;
    });
    const fallbacks: string[] = [];
    const { pages, stop } = await drain(
      backfillPages(options(tenant, { onFallback: (r) => fallbacks.push(r) })),
    );
    expect(stop).toBe('caught_up');
    expect(fallbacks).toEqual([
      `a request of the slice from the synthesised from=${failFrom as string} failed: upstream down`,
    ]);
    expect(idsOf(pages)).toEqual(tenant.ids);
  });

  it('a tenant failing every request past a log: the prefix before it is yielded, then the error one cursor meets too', async () => {
    let ids: string[] = [];
    const tenant = memoryTenant(6000, (query) => {
      const from = String(query.from);
      if (query.take === 100 && compareLogIds(from, ids[2500] as string) >= 0)
        return Promise.reject(
          new ManagementApiError('api_error', 'upstream down', { status: 503 }),
        );
      return undefined;
    });
    ids = tenant.ids;
    const pages: CheckedPage[] = [];
    const fallbacks: string[] = [];
    const source = backfillPages(options(tenant, { onFallback: (r) => fallbacks.push(r) }));
    await expect(
      (async () => {
        for await (const page of source) pages.push(page);
      })(),
    ).rejects.toThrow('upstream down');
    // one cursor from the contiguous checkpoint read up to the first failing from
    expect(idsOf(pages)).toEqual(ids.slice(0, idsOf(pages).length));
    expect(idsOf(pages).length).toBeGreaterThan(2400);
    expect(idsOf(pages).length).toBeLessThanOrEqual(2601);
  });
});

describe('checks before trusting', () => {
  it('planBackfill: a checkpoint that does not decode, or decodes to an implausible date', () => {
    expect(planBackfill(`900${'0'.repeat(53)}`, NOW, 600_000)).toMatchObject({ warn: true });
    expect(planBackfill(`900${'9'.repeat(53)}`, NOW, 600_000)).toMatchObject({ warn: true });
    expect(planBackfill(logIdAt(Date.UTC(2001, 0, 1)), NOW, 600_000)).toMatchObject({
      warn: true,
    });
    expect(planBackfill(logIdAt(NOW + 2 * DAY), NOW, 600_000)).toMatchObject({ warn: true });
    expect(planBackfill(logIdAt(NOW - 5 * 60_000), NOW, 600_000)).toEqual({
      skip: 'the checkpoint is within the horizon',
    });
    expect(planBackfill(logIdAt(NOW - DAY), NOW, 600_000)).toEqual({
      startMs: NOW - DAY,
      horizon: NOW - 600_000,
    });
  });

  it('probeAnomaly: an id not above the bound, or one that does not decode', () => {
    const bound = logIdAt(NOW - DAY);
    const log = (id: string): LogEvent => ({ log_id: id, date: '', type: 's' });
    expect(probeAnomaly(bound, [])).toBeUndefined();
    expect(probeAnomaly(bound, [log(`${bound.slice(0, 55)}1`)])).toBeUndefined();
    expect(probeAnomaly(bound, [log(previousLogId(bound))])).toMatch(/not above it/);
    expect(probeAnomaly(bound, [log(`9009${'9'.repeat(52)}`)])).toMatch(/does not decode/);
  });

  it('a checkpoint from the first page that does not decode falls back, with the reason', async () => {
    const tenant = memoryTenant(3000);
    const real = (id: LogsQuery[string]) => (typeof id === 'string' ? `9002${id.slice(4)}` : id);
    const opaque = {
      ...tenant,
      async getLogs(query: LogsQuery) {
        const page = await tenant.getLogs({ ...query, from: real(query.from) });
        return {
          ...page,
          logs: page.logs.map((l) => ({ ...l, log_id: `9000${(l.log_id as string).slice(4)}` })),
        };
      },
    };
    const fallbacks: string[] = [];
    const { pages } = await drain(
      backfillPages(options(opaque, { onFallback: (r) => fallbacks.push(r) })),
    );
    expect(fallbacks).toEqual([expect.stringMatching(/does not decode to a date/)]);
    expect(pages.flatMap((p) => p.logs)).toHaveLength(3000);
  });
});

/**
 * An in-memory tenant over `times` (epoch ms, ascending), one log each: answers `from` with the
 * logs whose id is greater, as Auth0 does. `o.skip(from)` logs are left out of the start of an
 * answer (a tenant answering a `from` too late); `o.visible()` logs exist (the rest are written
 * later); `o.gate` may hold a request.
 */
function listTenant(
  times: number[],
  o: {
    skip?: (from: string) => number;
    visible?: () => number;
    gate?: (query: LogsQuery) => Promise<void> | undefined;
  } = {},
) {
  const ids = times.map((ms, i) => `${logIdAt(ms).slice(0, 17)}${String(i).padStart(39, '0')}`);
  const queries: LogsQuery[] = [];
  return {
    ids,
    queries,
    tenantNow: () => NOW,
    async getLogs(query: LogsQuery): Promise<LogsPage> {
      queries.push(query);
      await o.gate?.(query);
      const take = Number(query.take ?? query.per_page);
      const from = typeof query.from === 'string' ? query.from : undefined;
      const count = o.visible ? o.visible() : ids.length;
      let start = from === undefined ? 0 : ids.findIndex((id) => compareLogIds(id, from) > 0);
      if (start === -1) start = ids.length;
      if (from !== undefined) start += o.skip?.(from) ?? 0;
      const logs: LogEvent[] = [];
      for (let i = start; i < Math.min(count, start + take); i++)
        logs.push({
          log_id: ids[i] as string,
          date: new Date(times[i] as number).toISOString(),
          type: 's',
        });
      return { logs, limits };
    },
  };
}

/** `n` times spread evenly from `startMs` to `endMs`. */
const spread = (n: number, startMs: number, endMs: number) =>
  Array.from({ length: n }, (_, i) => startMs + Math.floor(((endMs - startMs) * i) / n));

describe('every seam is checked before a slice is yielded', () => {
  it('an empty slice whose first answer skips a log: falls back, every log once in order', async () => {
    // 1500 logs, half a day without any (slices with no log), 1500 logs; from the gap on, the
    // tenant answers a synthesised from one log too late
    const gapMs = NOW - 1.5 * DAY;
    const times = [
      ...spread(1500, NOW - 2 * DAY, gapMs),
      ...spread(1500, NOW - DAY, NOW - DAY / 2),
    ];
    let skipped = 0;
    const tenant = listTenant(times, {
      skip: (from) => {
        if (!/9{39}$/.test(from) || (logIdTime(from) as number) < gapMs) return 0;
        skipped += 1;
        return 1;
      },
    });
    const fallbacks: string[] = [];
    const { pages, stop } = await drain(
      backfillPages(options(tenant, { onFallback: (r) => fallbacks.push(r) })),
    );
    expect(stop).toBe('caught_up');
    expect(skipped).toBeGreaterThan(0);
    expect(fallbacks).toEqual([expect.stringMatching(/logs skipped at a seam/)]);
    // the first log after the gap is the one the slice before the empty slice stopped at
    expect(fallbacks[0]).toContain(`past log_id ${tenant.ids[1500] as string}`);
    const from = /from=(\d+)/.exec(fallbacks[0] as string)?.[1] as string;
    expect(logIdTime(from)).toBeLessThan(NOW - DAY - 1000);
    expect(idsOf(pages)).toEqual(tenant.ids);
  });

  it('the tail answered one log too late: falls back, every log once in order', async () => {
    // A first run finds the tail's from: the last synthesised from a slice asked (the memory
    // tenant answers without I/O, and both runs go through the same wrapper, so a second run
    // splits at the same points).
    const tail: { from?: string } = {};
    let skipped = 0;
    const wrapped = (tenant: ReturnType<typeof memoryTenant>) => ({
      ...tenant,
      async getLogs(query: LogsQuery) {
        const page = await tenant.getLogs(query);
        if (query.from !== tail.from) return page;
        skipped += 1;
        return { ...page, logs: page.logs.slice(1) };
      },
    });
    const clean = memoryTenant(4000);
    await drain(backfillPages(options(wrapped(clean))));
    const synthesised = clean.queries
      .filter((q) => q.take === 100 && /9{39}$/.test(String(q.from)))
      .map((q) => q.from as string)
      .sort(compareLogIds);
    const tailFrom = synthesised.at(-1) as string;
    tail.from = tailFrom;
    const tenant = memoryTenant(4000);
    const skipping = wrapped(tenant);
    const fallbacks: string[] = [];
    const { pages, stop } = await drain(
      backfillPages(options(skipping, { onFallback: (r) => fallbacks.push(r) })),
    );
    expect(stop).toBe('caught_up');
    expect(skipped).toBe(1);
    // the tail starts before the horizon and holds the logs past it
    const tailMs = (logIdTime(tailFrom) as number) + 1000;
    expect(tailMs).toBeLessThan(NOW - 10 * 60_000);
    expect(logIdTime(tenant.ids.at(-1) as string)).toBeGreaterThan(NOW - 10 * 60_000);
    expect(fallbacks).toEqual([expect.stringMatching(/logs skipped at a seam/)]);
    expect(fallbacks[0]).toContain(`from=${tailFrom}`);
    expect(idsOf(pages)).toEqual(tenant.ids);
  });

  describe('a slice that starts after one that found no log past its bound', () => {
    /**
     * 1500 logs half a day or more old (the probe, halfway to the horizon, finds some), then 50
     * written at `lateMs` once the slice with the last old log caught up on an empty page; every
     * slice starting past that log waits until then.
     */
    async function lateLogs(lateMs: number) {
      let written = false;
      let write: () => void = () => undefined;
      const writing = new Promise<void>((resolve) => (write = resolve));
      const times = [
        ...spread(1500, NOW - 2 * DAY, NOW - DAY / 2),
        ...spread(50, lateMs, lateMs + 1000),
      ];
      let lastOld = '';
      const tenant = listTenant(times, {
        visible: () => (written ? times.length : 1500),
        gate: (query) => {
          const from = String(query.from);
          if (from === lastOld && !written)
            return Promise.resolve().then(() => {
              // answered empty (this request counts what was visible when it came in), then written
              setImmediate(() => {
                written = true;
                write();
              });
            });
          if (/9{39}$/.test(from) && compareLogIds(from, lastOld) > 0) return writing;
          return undefined;
        },
      });
      lastOld = tenant.ids[1499] as string;
      const fallbacks: string[] = [];
      const result = await drain(
        backfillPages(options(tenant, { onFallback: (r) => fallbacks.push(r) })),
      );
      expect(written).toBe(true);
      expect(result.stop).toBe('caught_up');
      expect(idsOf(result.pages)).toEqual(tenant.ids);
      return { fallbacks, queries: tenant.queries, lastOld };
    }

    it('with logs newer than the horizon (written since): one cursor reads on, no warning', async () => {
      const { fallbacks, queries, lastOld } = await lateLogs(NOW - 2 * 60_000);
      expect(fallbacks).toEqual([]);
      // one cursor asked again from the last old log, where the contiguous prefix ended
      expect(queries.filter((q) => q.from === lastOld)).toHaveLength(2);
    });

    it('with logs older than the horizon: falls back with a warning', async () => {
      const { fallbacks } = await lateLogs(NOW - 30 * 60_000);
      expect(fallbacks).toEqual([expect.stringMatching(/found no log at or past/)]);
    });
  });
});
