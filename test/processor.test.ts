import { ArgumentError, StorageError } from '../src/errors';
import { LogsProcessor } from '../src/processor';
import type { LogsProcessorOptions } from '../src/options/processor';
import type { LogEvent } from '../src/types';
import { startFakeTenant } from '../src/testing';
import { credentials, memoryStorage, useTenant } from './support/tenant';

const TOTAL = 1234;
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
const total = () => tenant().logCount();
const noWait = { sleep: async () => undefined, random: () => 0 };

function processor(storage = memoryStorage(), options: Partial<LogsProcessorOptions> = {}) {
  return new LogsProcessor(storage, { ...credentials(tenant()), ...noWait, ...options });
}

const ids = (logs: LogEvent[]) => logs.map((l) => l.log_id as string);
const allIds = () => Array.from({ length: total() }, (_, i) => tenant().logIdAt(i));

beforeEach(() => tenant().resetStats());

describe('LogsProcessor options', () => {
  it('requires a storage context and an options object', () => {
    expect(() => new LogsProcessor(undefined as never, credentials(tenant()))).toThrow(
      ArgumentError,
    );
    expect(() => new LogsProcessor(memoryStorage(), undefined as never)).toThrow(/options/);
  });

  it.each([
    ['batchSize', 0],
    ['batchSize', 1001],
    ['batchSize', 'ten'],
    ['maxRetries', -1],
    ['maxRunTimeSeconds', 0],
    ['logLevel', 7],
    ['logTypes', [1]],
    ['concurrency', 0],
    ['startFrom', 'yesterday'],
    ['startFrom', 'abc'],
    ['startFrom', '1'.repeat(55)],
    ['startFrom', '1'.repeat(57)],
    ['logTypes', ['S']],
    ['maxRetries', 101],
    ['onBatchFailure', 'drop'],
    ['timeoutMs', -1],
  ])(
    'reports %s = %j through the run, naming it, before any request, recorded in the history',
    async (option, value) => {
      const storage = memoryStorage({ checkpointId: tenant().logIdAt(9) });
      const p = processor(storage, { [option]: value });
      const handler = jest.fn();
      const result = await p.run(handler);
      expect(result.status.error).toContain(`\`${option}\``);
      expect(result.status.stopReason).toBe('failed');
      expect(result.checkpoint).toBe(tenant().logIdAt(9));
      expect(handler).not.toHaveBeenCalled();
      expect(tenant().stats()).toMatchObject({ logRequests: 0, tokenRequests: 0 });
      expect(storage.current?.logs?.at(-1)).toMatchObject({ error: result.status.error });
      expect(storage.current?.checkpointId).toBe(tenant().logIdAt(9));
    },
  );

  it('names the option in the message as p-retry does', async () => {
    const result = await processor(memoryStorage(), { batchSize: 0 }).run(jest.fn());
    expect(result.status.error).toBe('Expected `batchSize` to be an integer from 1 to 1000, got 0');
  });

  it('still throws at construction for missing credentials', () => {
    for (const name of ['domain', 'clientId', 'clientSecret']) {
      expect(() => processor(memoryStorage(), { [name]: undefined })).toThrow(
        expect.objectContaining({ option: name }),
      );
    }
  });

  it('accepts numeric strings, as configuration from the environment gives them', async () => {
    const shipped: LogEvent[] = [];
    const result = await processor(memoryStorage(), {
      batchSize: '500',
      maxRetries: '2',
      maxRunTimeSeconds: '60',
    }).run(async (logs) => {
      expect(logs.length).toBeLessThanOrEqual(500);
      shipped.push(...logs);
    });
    expect(result.status.error).toBeUndefined();
    expect(shipped).toHaveLength(total());
  });

  it('rejects a handler that is not a function', async () => {
    await expect(processor().run(undefined as never)).rejects.toThrow(/handler/);
  });
});

describe('LogsProcessor.run', () => {
  it('ships every log once, in order, in batches of batchSize, and resumes where it stopped', async () => {
    const storage = memoryStorage();
    const sizes: number[] = [];
    const shipped: LogEvent[] = [];
    const result = await processor(storage, { batchSize: 300 }).run((logs, cb) => {
      sizes.push(logs.length);
      shipped.push(...logs);
      setImmediate(() => cb());
    });
    expect(ids(shipped)).toEqual(allIds());
    expect(sizes).toEqual([300, 300, 300, 300, 34]);
    expect(result.checkpoint).toBe(tenant().logIdAt(total() - 1));
    expect(result.status).toMatchObject({
      logsProcessed: total(),
      startCheckpoint: null,
      checkpoint: result.checkpoint,
    });
    expect(storage.current).toMatchObject({ checkpointId: result.checkpoint });
    expect(storage.current?.logs).toHaveLength(1);

    const before = total();
    tenant().addLogs(10);
    const more: LogEvent[] = [];
    const second = await processor(storage).run(async (logs) => void more.push(...logs));
    expect(ids(more)).toEqual(Array.from({ length: 10 }, (_, i) => tenant().logIdAt(before + i)));
    expect(second.status.startCheckpoint).toBe(result.checkpoint);
  });

  it('stores the checkpoint after every acknowledged batch, never backwards', async () => {
    const storage = memoryStorage();
    await processor(storage, { batchSize: 200 }).run(async () => undefined);
    const checkpoints = storage.writes
      .map((w) => w.checkpointId)
      .filter((c): c is string => typeof c === 'string');
    const distinct = [...new Set(checkpoints)];
    expect(distinct).toEqual([...distinct].sort());
    expect(distinct).toEqual(
      expect.arrayContaining([
        tenant().logIdAt(199),
        tenant().logIdAt(399),
        tenant().logIdAt(total() - 1),
      ]),
    );
  });

  it('fetches the next pages while the handler works, and keeps one connection and one token', async () => {
    const started = Date.now();
    let fetchedDuringHandler = 0;
    await processor(memoryStorage(), { batchSize: 200 }).run(async () => {
      const before = tenant().stats().logRequests;
      await new Promise((r) => setTimeout(r, 30));
      fetchedDuringHandler += tenant().stats().logRequests - before;
    });
    expect(fetchedDuringHandler).toBeGreaterThan(0);
    expect(tenant().stats()).toMatchObject({ connections: 1, tokenRequests: 1 });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('runs up to `concurrency` batches at once and commits only a contiguous acknowledged run', async () => {
    const storage = memoryStorage();
    let active = 0;
    let peak = 0;
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const failedBatchStart = tenant().logIdAt(300);
    const result = await processor(storage, {
      batchSize: 100,
      concurrency: 4,
      maxRetries: 0,
      onBatchFailure: 'stop',
    }).run(async (logs) => {
      active += 1;
      peak = Math.max(peak, active);
      // The first three wait until the fourth is in the handler too: no timing involved.
      if (logs[0]?.log_id === failedBatchStart) {
        release();
        active -= 1;
        throw new Error('destination refused batch 4');
      }
      await gate;
      active -= 1;
    });
    expect(peak).toBe(4);
    expect(result.status.error).toMatch(/destination refused batch 4/);
    expect(result.checkpoint).toBe(tenant().logIdAt(299));
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(299));
  });

  it('retries a failing handler, then skips the batch, names the range in status.error and ends the run', async () => {
    let calls = 0;
    const shipped: LogEvent[] = [];
    const storage = memoryStorage();
    const handler = async (logs: LogEvent[]) => {
      calls += 1;
      if (logs[0]?.log_id === tenant().logIdAt(500)) throw new Error('bad gateway');
      shipped.push(...logs);
    };
    const result = await processor(storage, { batchSize: 500, maxRetries: 2 }).run(handler);
    // As the original: one batch given up, status.error set, and the run ends there.
    expect(calls).toBe(1 + 3);
    expect(shipped).toHaveLength(500);
    expect(result.checkpoint).toBe(tenant().logIdAt(999));
    expect(result.status.error).toMatch(/Skipped 500 logs .*bad gateway/);
    expect(result.status.error).toContain(tenant().logIdAt(999));
    expect(result.status.stopReason).toBe('failed');
    expect(storage.current?.logs?.at(-1)?.error).toBe(result.status.error);
    expect(result.status.skipped).toEqual([
      {
        fromCheckpoint: tenant().logIdAt(499),
        toCheckpoint: tenant().logIdAt(999),
        logs: 500,
        reason: expect.stringContaining('bad gateway'),
      },
    ]);
    expect(result.status.logsProcessed).toBe(500);
    // The next run goes on after the skipped batch: an outage costs at most one batch per run.
    const next = await processor(storage, { batchSize: 500 }).run(handler);
    expect(next.status.error).toBeUndefined();
    expect(shipped).toHaveLength(total() - 500);
    expect(shipped[500]?.log_id).toBe(tenant().logIdAt(1000));
  });

  it("with onBatchFailure 'stop' keeps the checkpoint before the failed batch, so the next run sends it again", async () => {
    const storage = memoryStorage();
    let fail = true;
    const first = await processor(storage, {
      batchSize: 500,
      maxRetries: 1,
      onBatchFailure: 'stop',
    }).run(async (logs) => {
      if (fail && logs[0]?.log_id === tenant().logIdAt(500)) throw new Error('still down');
    });
    expect(first.status.error).toContain('still down');
    expect(first.checkpoint).toBe(tenant().logIdAt(499));
    fail = false;
    const again: LogEvent[] = [];
    await processor(storage, { batchSize: 500 }).run(async (logs) => void again.push(...logs));
    expect(again[0]?.log_id).toBe(tenant().logIdAt(500));
    expect(again).toHaveLength(total() - 500);
  });

  it('hands a batch to a dead-letter function and moves past it only once that resolves', async () => {
    const dead: unknown[] = [];
    const result = await processor(memoryStorage(), {
      batchSize: 1000,
      maxRetries: 0,
      onBatchFailure: async (failure) => {
        dead.push({
          count: failure.logs.length,
          from: failure.fromCheckpoint,
          to: failure.toCheckpoint,
          error: (failure.error as Error).message,
        });
      },
    }).run(async (logs) => {
      if (logs.length === 1000) throw new Error('too big');
    });
    expect(dead).toEqual([
      {
        count: 1000,
        from: null,
        to: tenant().logIdAt(999),
        error: expect.stringContaining('too big'),
      },
    ]);
    expect(result.checkpoint).toBe(tenant().logIdAt(total() - 1));
    expect(result.status.skipped?.[0]).toMatchObject({ deadLettered: true, logs: 1000 });

    const failingDeadLetter = await processor(memoryStorage(), {
      batchSize: 1000,
      maxRetries: 0,
      onBatchFailure: async () => Promise.reject(new Error('dead letter queue full')),
    }).run(async () => Promise.reject(new Error('nope')));
    expect(failingDeadLetter.status.error).toContain('dead letter queue full');
    expect(failingDeadLetter.checkpoint).toBeNull();
  });

  it('turns a synchronous throw into a handler failure', async () => {
    const result = await processor(memoryStorage(), { maxRetries: 0, onBatchFailure: 'stop' }).run(
      () => {
        throw new TypeError('cannot read property of undefined');
      },
    );
    expect(result.status.error).toContain('cannot read property of undefined');
    expect(result.checkpoint).toBeNull();
  });

  it('filters by logTypes and logLevel without mutating the catalog, and still moves the checkpoint', async () => {
    const wanted = new Set(['f', 'fp']);
    const shipped: LogEvent[] = [];
    const result = await processor(memoryStorage(), { logTypes: ['f', 'fp'] }).run(
      async (logs) => void shipped.push(...logs),
    );
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.every((l) => wanted.has(l.type))).toBe(true);
    expect(result.checkpoint).toBe(tenant().logIdAt(total() - 1));

    const { logTypes } = await import('../src/auth0/log-types');
    const errors: LogEvent[] = [];
    await processor(memoryStorage(), { logLevel: 3 }).run(
      async (logs) => void errors.push(...logs),
    );
    expect(errors.length).toBeGreaterThan(0);
    // Types the catalog does not know pass the level filter (Auth0 adds new ones).
    expect(errors.every((l) => (logTypes[l.type]?.level ?? 9) >= 3)).toBe(true);
    expect(Object.isFrozen(logTypes)).toBe(true);
  });

  it('starts from startFrom when it differs from the stored one, and from an ISO date', async () => {
    const storage = memoryStorage({
      checkpointId: tenant().logIdAt(5),
      startFrom: tenant().logIdAt(0),
    });
    const shipped: LogEvent[] = [];
    await processor(storage, { startFrom: tenant().logIdAt(1000) }).run(
      async (logs) => void shipped.push(...logs),
    );
    expect(shipped[0]?.log_id).toBe(tenant().logIdAt(1001));
    expect(shipped).toHaveLength(total() - 1001);

    const date = tenant().logAt(700).date;
    const fromDate: LogEvent[] = [];
    const result = await processor(memoryStorage(), { startFrom: date }).run(
      async (logs) => void fromDate.push(...logs),
    );
    expect(result.status.error).toBeUndefined();
    expect((fromDate[0]?.date ?? '') >= date).toBe(true);
    expect(Date.parse(fromDate[0]?.date ?? '')).toBeLessThanOrEqual(
      Date.parse(tenant().logAt(701).date),
    );
    expect(fromDate.at(-1)?.log_id).toBe(tenant().logIdAt(total() - 1));
  });

  it('stops between batches when aborted and stores what was acknowledged', async () => {
    const storage = memoryStorage();
    const controller = new AbortController();
    let batches = 0;
    const result = await processor(storage, { batchSize: 100 }).run(
      async () => {
        batches += 1;
        if (batches === 3) controller.abort();
      },
      { signal: controller.signal },
    );
    expect(batches).toBe(3);
    expect(result.status.error).toBeUndefined();
    expect(result.status.warning).toMatch(/abort/);
    expect(result.checkpoint).toBe(tenant().logIdAt(299));
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(299));
  });

  it('starts no request that the run time cannot fit', async () => {
    let clock = 0;
    const shipped: LogEvent[] = [];
    const result = await processor(memoryStorage(), {
      batchSize: 100,
      maxRunTimeSeconds: 5,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    }).run(async (logs) => {
      clock += 1000;
      shipped.push(...logs);
    });
    expect(result.status.error).toBeUndefined();
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.length).toBeLessThan(total());
    expect(result.checkpoint).toBe(shipped.at(-1)?.log_id);
  });

  it('resolves with status.error when fetching fails for good, keeping what was acknowledged', async () => {
    const storage = memoryStorage();
    tenant().enqueue({
      path: 'logs',
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'Query validation error',
        errorCode: 'invalid_query_string',
      },
    });
    const result = await processor(storage, { maxRetries: 0 }).run(async () => undefined);
    expect(result.status.error).toContain('Query validation error');
    expect(result.checkpoint).toBeNull();
    expect(storage.current?.logs?.[0]).toMatchObject({
      error: expect.stringContaining('Query validation error'),
    });
  });

  it('rejects when the storage fails, and when the stored state is corrupt', async () => {
    const failing = {
      read: async () => ({}),
      write: async () => Promise.reject(new Error('disk full')),
    };
    await expect(processor(failing as never).run(async () => undefined)).rejects.toBeInstanceOf(
      StorageError,
    );
    const corrupt = { read: async () => ({ checkpointId: 'not-an-id' }), write: jest.fn() };
    await expect(processor(corrupt as never).run(async () => undefined)).rejects.toThrow(
      /checkpointId/,
    );
    expect(corrupt.write).not.toHaveBeenCalled();
  });

  it('warns when the newest log shipped is more than a week old', async () => {
    const result = await processor(memoryStorage(), {
      now: () => Date.now() + 8 * 24 * 3600_000,
    }).run(async () => undefined);
    expect(result.status.warning).toMatch(/more than a week old/);
  });

  it('says nothing of the lag when every batch was skipped (nothing was shipped)', async () => {
    const result = await processor(memoryStorage(), {
      now: () => Date.now() + 8 * 24 * 3600_000,
      onBatchFailure: 'skip',
      maxRetries: 0,
    }).run(async () => {
      throw markPermanentForTest(new Error('refused'));
    });
    expect(result.status.logsProcessed).toBe(0);
    expect(result.status.skipped?.length).toBeGreaterThan(0);
    expect(result.status.warning ?? '').not.toMatch(/week old/);
  });

  it('reports progress after every committed batch', async () => {
    const progress: number[] = [];
    await processor(memoryStorage(), {
      batchSize: 500,
      onProgress: (p) => progress.push(p.logsProcessed),
    }).run(async () => undefined);
    expect(progress).toEqual([500, 1000, total()]);
  });

  it('sums the stored history in getReport', async () => {
    const storage = memoryStorage();
    const p = processor(storage, { batchSize: 1000 });
    const since = new Date(Date.now() - 1000);
    const shippedFirst = total();
    await p.run(async () => undefined);
    tenant().addLogs(1);
    await p.run(async () => Promise.reject(new Error('x')));
    const report = await p.getReport(since);
    expect(report).toMatchObject({
      type: 'report',
      processed: shippedFirst,
      warnings: 0,
      errors: 1,
    });
    expect(report.checkpoint).toBe(tenant().logIdAt(total() - 1));
  });
});

describe('getReport over a history in any shape', () => {
  it("sums what it can read of the original's or a hand-edited history, and skips the rest", async () => {
    const id = (n: number) => `900${String(n).padStart(53, '0')}`;
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    const logs = [
      null,
      5,
      'run',
      { start: at(0), end: at(1000), logsProcessed: 10, checkpoint: id(10) },
      { start: at(2000), end: at(3000), logsProcessed: '12', checkpoint: id(22) },
      { start: at(4000), end: at(5000), logsProcessed: 'many', error: ['ERROR', { x: 1 }] },
      { start: 'garbage', end: at(6000), logsProcessed: 99, checkpoint: id(99) },
      { start: at(7000), logsProcessed: 7, warning: 'late' },
      { start: at(8000), end: at(9000), logsProcessed: 1, warning: 'slow', checkpoint: 5 },
    ];
    const p = processor({
      read: async () => ({ checkpointId: id(22), logs }),
      write: async () => undefined,
    } as never);
    const report = await p.getReport(at(0), at(10_000));
    expect(report).toEqual({
      type: 'report',
      processed: 10 + 12 + 7 + 1,
      errors: 1,
      warnings: 2,
      checkpoint: id(22),
    });
  });
});

describe('LogsProcessor against limits and expiring tokens', () => {
  const limited = useTenant({ logs: 3000, rateLimit: { burst: 5, perSecond: 10 } });

  it('drains 3,000 logs in one run under a 5-burst, 10/s rate limit with at most 1 request in 5 answered 429', async () => {
    const { sleep } = await import('../src/pipeline/retry');
    const shipped = new Set<string>();
    const result = await new LogsProcessor(memoryStorage(), {
      ...credentials(limited()),
      maxRunTimeSeconds: 60,
      sleep,
    }).run(async (logs) => logs.forEach((l) => shipped.add(l.log_id as string)));
    const stats = limited().stats();
    expect(result.status.error).toBeUndefined();
    expect(shipped.size).toBe(3000);
    expect(stats.rateLimited / stats.logRequests).toBeLessThanOrEqual(0.2);
  }, 30_000);

  it('finishes a run that outlives its token: a 401 fetches a new token and retries once', async () => {
    limited().setOptions({ rateLimit: null });
    limited().resetStats();
    let batches = 0;
    const shipped = new Set<string>();
    const result = await new LogsProcessor(memoryStorage(), {
      ...credentials(limited()),
      ...noWait,
    }).run(async (logs) => {
      batches += 1;
      if (batches % 10 === 0) limited().expireTokens();
      logs.forEach((l) => shipped.add(l.log_id as string));
    });
    expect(result.status.error).toBeUndefined();
    expect(shipped.size).toBe(3000);
    expect(limited().stats().tokenRequests).toBeGreaterThan(1);
    expect(limited().stats().status[401]).toBe(limited().stats().tokenRequests - 1);
  });
});

describe('LogsProcessor: why a run stopped, run time, permanent errors, log types, checkpoints', () => {
  it('says max_run_time when maxRunTimeSeconds: 2 cannot drain 100,000 logs (injected clock)', async () => {
    const big = await startFakeTenant({ logs: 100_000 });
    try {
      let clock = 1_000_000;
      const shipped = new Set<string>();
      const result = await new LogsProcessor(memoryStorage(), {
        ...credentials(big),
        maxRunTimeSeconds: 2,
        now: () => clock,
        sleep: async (ms) => void (clock += ms),
        random: () => 0,
      }).run(async (logs) => {
        clock += 50; // each batch takes 50 ms of the run's clock
        logs.forEach((l) => shipped.add(l.log_id as string));
      });
      expect(result.status.error).toBeUndefined();
      expect(result.status.stopReason).toBe('max_run_time');
      expect(shipped.size).toBeGreaterThan(0);
      expect(shipped.size).toBeLessThan(100_000);
      expect(result.status.logsProcessed).toBe(shipped.size);
      expect(result.checkpoint).toBe(big.logIdAt(shipped.size - 1));
    } finally {
      await big.close();
    }
  });

  it.each([
    ['ca', 5, /Expected `ca` to be PEM certificate text/],
    ['logger', { debug: 5 }, /Expected `logger` to be an object whose debug, info and error/],
  ])('does not throw for %s: %p; the run reports it, naming it', async (name, value, message) => {
    const storage = memoryStorage();
    const p = processor(storage, { [name]: value });
    expect(p.optionsError?.option).toBe(name);
    const before = tenant().stats().tokenRequests;
    const result = await p.run(async () => undefined);
    expect(result.status.error).toMatch(message);
    expect(result.status.stopReason).toBe('failed');
    expect(tenant().stats().tokenRequests).toBe(before);
    expect(storage.current?.logs?.[0]?.error).toMatch(message);
  });

  it('retries a 200 answer of {"logs":[]} as an invalid response, not as caught up', async () => {
    tenant().enqueue({ path: 'logs', status: 200, body: '{"logs":[]}' });
    const shipped: string[] = [];
    const result = await processor().run(async (logs) => void shipped.push(...ids(logs)));
    expect(result.status.error).toBeUndefined();
    expect(result.status.stopReason).toBe('caught_up');
    expect(shipped).toEqual(allIds());
  });

  it('hands no batch to a slow handler past maxRunTimeSeconds (batchSize 1, 100 ms a batch)', async () => {
    let clock = 1_000_000;
    const shipped: string[] = [];
    const storage = memoryStorage();
    const result = await processor(storage, {
      batchSize: 1,
      maxRunTimeSeconds: 2,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    }).run(async (logs) => {
      clock += 100; // the destination takes 100 ms of the run's clock per batch
      shipped.push(...ids(logs));
    });
    expect(result.status.error).toBeUndefined();
    expect(result.status.stopReason).toBe('max_run_time');
    expect(shipped).toEqual(allIds().slice(0, 20)); // 20 x 100 ms = 2 s, then no more
    expect(result.status.logsProcessed).toBe(20);
    expect(result.checkpoint).toBe(tenant().logIdAt(19));
    expect(clock - 1_000_000).toBe(2000);
  });

  it('says caught_up when the tenant has no newer log, and aborted when stopped', async () => {
    const done = await processor(memoryStorage(), { batchSize: 1000 }).run(async () => undefined);
    expect(done.status.stopReason).toBe('caught_up');
    const controller = new AbortController();
    const stopped = await processor(memoryStorage()).run(async () => controller.abort(), {
      signal: controller.signal,
    });
    expect(stopped.status.stopReason).toBe('aborted');
  });

  it('does not retry a handler error marked permanent: the batch is given up at once', async () => {
    let calls = 0;
    const result = await processor(memoryStorage(), { maxRetries: 5 }).run(async () => {
      calls += 1;
      throw Object.assign(new Error('payload rejected (400)'), { permanent: true });
    });
    expect(calls).toBe(1);
    expect(result.status.error).toMatch(/after a permanent failure: .*payload rejected/);
    expect(result.status.skipped).toHaveLength(1);
    let stopCalls = 0;
    const stop = await processor(memoryStorage(), { maxRetries: 5, onBatchFailure: 'stop' }).run(
      async () => {
        stopCalls += 1;
        throw Object.assign(new Error('outer'), { cause: { permanent: true } });
      },
    );
    expect(stopCalls).toBe(1);
    expect(stop.checkpoint).toBeNull();
  });

  it.each([
    [{ logLevel: '-' }],
    [{ logLevel: '' }],
    [{ logTypes: '-' }],
    [{ logTypes: '-', logLevel: '-' }],
  ])("filters nothing with the extension's blank settings %j", async (blank) => {
    const shipped: LogEvent[] = [];
    const result = await processor(memoryStorage(), blank as never).run(
      async (logs) => void shipped.push(...logs),
    );
    expect(result.status.error).toBeUndefined();
    expect(shipped).toHaveLength(total());
  });

  it('reports an unknown logTypes code through the run, naming it and the nearest code', async () => {
    const result = await processor(memoryStorage(), { logTypes: 'S,F' }).run(jest.fn());
    expect(result.status.error).toContain('`S` is not an Auth0 log type; did you mean `s`?');
    expect(result.status.error).toContain('`logTypes`');
    expect(tenant().stats().logRequests).toBe(0);
  });

  it('never drops a log of a type the catalog does not know by logLevel, and names the type once', async () => {
    const own = await startFakeTenant({ logs: 400 });
    try {
      for (let p = 0; p < 4; p++) {
        const page = Array.from({ length: 100 }, (_, i) => {
          const log = own.logAt(p * 100 + i);
          return i % 4 === 0 ? { ...log, type: 'brand_new_type' } : { ...log, type: 's' };
        });
        own.enqueue({ path: 'logs', status: 200, body: page });
      }
      const shipped: LogEvent[] = [];
      const result = await new LogsProcessor(memoryStorage(), {
        ...credentials(own),
        ...noWait,
        logLevel: 2, // 's' (a successful login) is level 1: filtered out
      }).run(async (logs) => void shipped.push(...logs));
      expect(result.status.error).toBeUndefined();
      expect(shipped).toHaveLength(100);
      expect(shipped.every((l) => l.type === 'brand_new_type')).toBe(true);
      expect(result.status.warning?.match(/brand_new_type/g)).toHaveLength(1);
      // '+code' names it explicitly.
      const named = await new LogsProcessor(memoryStorage(), {
        ...credentials(own),
        ...noWait,
        logTypes: ['+brand_new_type'],
      }).run(async () => undefined);
      expect(named.status.error).toBeUndefined();
    } finally {
      await own.close();
    }
  });

  it('refuses a stored checkpoint that is not 56 digits before any request', async () => {
    const short = { read: async () => ({ checkpointId: '9'.repeat(55) }), write: jest.fn() };
    await expect(processor(short as never).run(async () => undefined)).rejects.toThrow(
      /checkpointId/,
    );
    expect(tenant().stats().logRequests).toBe(0);
  });
});

function markPermanentForTest(error: Error): Error {
  return Object.assign(error, { permanent: true });
}
