import type { Batch } from '../../src/pipeline/batches';
import { callHandler, Delivery } from '../../src/pipeline/delivery';
import { errorMessage, HandlerError, isPermanentError } from '../../src/errors';
import type { PagesStop } from '../../src/pipeline/types';
import type { RetryPolicy } from '../../src/pipeline/retry';
import type { LogEvent, LogsHandler } from '../../src/types';

const logs: LogEvent[] = [{ log_id: '1', date: '2024-01-01T00:00:00.000Z', type: 's' }];

describe('callHandler', () => {
  it('acknowledges through the callback', async () => {
    const seen: LogEvent[][] = [];
    await callHandler((batch, cb) => {
      seen.push(batch);
      setTimeout(() => cb(), 1);
    }, logs);
    expect(seen).toEqual([logs]);
  });

  it('acknowledges through a returned promise', async () => {
    await expect(callHandler(async () => undefined, logs)).resolves.toBeUndefined();
  });

  it('maps callback errors, rejections and synchronous throws to HandlerError with the cause', async () => {
    const boom = new Error('destination down');
    for (const handler of [
      (_: LogEvent[], cb: (e?: unknown) => void) => cb(boom),
      async () => Promise.reject(boom),
      () => {
        throw boom;
      },
    ]) {
      const error = await callHandler(handler, logs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HandlerError);
      expect(error).toMatchObject({ code: 'handler_failed', cause: boom });
      expect((error as Error).message).toContain('destination down');
    }
  });

  it('settles once even when a handler both calls back and resolves', async () => {
    await expect(
      callHandler(async (_l, cb) => {
        cb(new Error('first'));
      }, logs),
    ).rejects.toThrow('first');
  });

  it('treats a rejection without a reason as a failure', async () => {
    await expect(callHandler(() => Promise.reject(undefined), logs)).rejects.toBeInstanceOf(
      HandlerError,
    );
  });

  it('waits for the callback of a handler that takes one, whatever it returns', async () => {
    // an async handler resolves at once, its callback reports later: the callback decides
    const late = new Error('down (callback)');
    const error = await callHandler(async (_l, cb) => {
      setTimeout(() => cb(late), 5);
    }, logs).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'handler_failed', cause: late });

    // a thenable request object (superagent's) is never `then`-ed: that would send it again
    const then = jest.fn();
    await callHandler((_l, cb) => {
      setTimeout(() => cb(), 5);
      return { then } as unknown as PromiseLike<unknown>;
    }, logs);
    expect(then).not.toHaveBeenCalled();

    // an async handler that throws before calling back fails the batch at once
    const boom = new Error('threw in async');
    await expect(callHandler(async (_l, _cb) => Promise.reject(boom), logs)).rejects.toMatchObject({
      cause: boom,
    });
  });

  it('treats a synchronous handler without a callback as done when it returns', async () => {
    let called = false;
    await callHandler((_batch) => {
      called = true;
    }, logs);
    expect(called).toBe(true);
  });

  it('waits for the callback of a wrapper that declares no parameters', async () => {
    const down = new Error('destination down');
    const inner = (_batch: LogEvent[], cb: (e?: unknown) => void) =>
      void setTimeout(() => cb(down), 5);
    const wrappers: LogsHandler[] = [
      (...args: unknown[]) => inner(...(args as [LogEvent[], (e?: unknown) => void])),
      function (this: unknown, ...args: unknown[]) {
        inner(args[0] as LogEvent[], args[1] as (e?: unknown) => void);
      },
    ];
    for (const wrapper of wrappers) {
      expect(wrapper.length).toBe(0);
      await expect(callHandler(wrapper, logs)).rejects.toMatchObject({ cause: down });
    }
    // a thenable a wrapper returns (a superagent request) is never then-ed
    const then = jest.fn();
    await callHandler((...args: unknown[]) => {
      setTimeout(() => (args[1] as () => void)(), 5);
      return { then } as unknown as PromiseLike<unknown>;
    }, logs);
    expect(then).not.toHaveBeenCalled();
  });

  it('takes a falsy callback error as success, as the original did (cb(err || res.error))', async () => {
    for (const falsy of [undefined, null, false, 0, '']) {
      await expect(
        callHandler((_batch, cb) => void setTimeout(() => cb(falsy), 1), logs),
      ).resolves.toBeUndefined();
    }
    // a rejection is a failure whatever its reason
    await expect(callHandler(async (_batch) => Promise.reject(false), logs)).rejects.toMatchObject({
      code: 'handler_failed',
    });
  });
});

describe('Delivery', () => {
  const id = (n: number) => `900${String(n).padStart(53, '0')}`;
  const batch = (seq: number): Batch => ({
    seq,
    logs: [{ log_id: id(seq * 10 + 10), date: new Date(seq * 1000).toISOString(), type: 's' }],
    fromCheckpoint: seq === 0 ? null : id(seq * 10),
    toCheckpoint: id(seq * 10 + 10),
  });
  async function* source(count: number, stop: PagesStop): AsyncGenerator<Batch, PagesStop> {
    for (let seq = 0; seq < count; seq++) yield batch(seq);
    return stop;
  }
  const retry: RetryPolicy = {
    now: () => 0,
    sleep: async () => undefined,
    random: () => 0,
    retries: 3,
    minDelayMs: 0,
    maxDelayMs: 0,
    deadline: 60_000,
    shouldRetry: (error) => !isPermanentError(error),
  };
  function delivery(handler: LogsHandler, onBatchFailure: 'skip' | 'stop' = 'skip') {
    const saved: (string | null)[] = [];
    const store = { saveCheckpoint: async (c: string | null) => void saved.push(c) };
    const d = new Delivery({
      handler,
      store,
      start: null,
      concurrency: 1,
      maxRetries: 3,
      onBatchFailure,
      onProgress: undefined,
      retry,
    });
    return { d, saved };
  }

  it('hands out at most `concurrency` batches past the stored checkpoint while the oldest is unacknowledged', async () => {
    const saved: (string | null)[] = [];
    const called: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const d = new Delivery({
      handler: async (batchLogs) => {
        const seq = (Number(((batchLogs[0] as LogEvent).log_id as string).slice(-5)) - 10) / 10;
        called.push(seq);
        if (seq === 0) await gate;
      },
      store: { saveCheckpoint: async (c: string | null) => void saved.push(c) },
      start: null,
      concurrency: 4,
      maxRetries: 3,
      onBatchFailure: 'stop',
      onProgress: undefined,
      retry,
    });
    const drained = d.drain(source(20, 'caught_up'));
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(called.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    expect(saved).toEqual([]);
    release();
    const report = await drained;
    expect(report.logsProcessed).toBe(20);
    expect(saved.at(-1)).toBe(id(200));
    expect(called).toHaveLength(20);
  });

  it('reports what it did and why the pages stopped, storing the checkpoint after every batch', async () => {
    const { d, saved } = delivery(async () => undefined);
    const report = await d.drain(source(3, 'max_run_time'));
    expect(report).toMatchObject({
      checkpoint: id(30),
      logsProcessed: 3,
      skipped: [],
      failure: undefined,
      stop: 'max_run_time',
    });
    expect(saved).toEqual([id(10), id(20), id(30)]);
  });

  it('hands no batch to the handler once the deadline has passed, and says max_run_time', async () => {
    let clock = 0;
    const saved: (string | null)[] = [];
    let calls = 0;
    const d = new Delivery({
      handler: async () => {
        calls += 1;
        clock += 100; // a slow destination
      },
      store: { saveCheckpoint: async (c: string | null) => void saved.push(c) },
      start: null,
      concurrency: 1,
      maxRetries: 3,
      onBatchFailure: 'stop',
      onProgress: undefined,
      retry: { ...retry, now: () => clock, deadline: 2000 },
    });
    const report = await d.drain(source(200, 'caught_up'));
    expect(calls).toBe(20);
    expect(report).toMatchObject({
      checkpoint: id(200),
      logsProcessed: 20,
      failure: undefined,
      stop: 'max_run_time',
    });
    expect(saved.at(-1)).toBe(id(200));
  });

  it("under 'skip' gives up a batch, moves past it and ends there; a permanent error is tried once", async () => {
    let calls = 0;
    const { d, saved } = delivery(async () => {
      calls += 1;
      throw Object.assign(new Error('schema mismatch'), { permanent: true });
    });
    const report = await d.drain(source(3, 'caught_up'));
    expect(calls).toBe(1);
    expect(report.checkpoint).toBe(id(10));
    expect(saved).toEqual([id(10)]);
    expect(report.skipped).toEqual([
      { fromCheckpoint: null, toCheckpoint: id(10), logs: 1, reason: expect.any(String) },
    ]);
    expect(report.failure).toBeInstanceOf(HandlerError);
    expect(errorMessage(report.failure)).toMatch(/^Skipped 1 logs .* after a permanent failure/);
    expect(report.stop).toBeUndefined();
  });

  it("under 'stop' retries a transient error, then keeps the checkpoint before the batch", async () => {
    let calls = 0;
    const { d, saved } = delivery(async () => {
      calls += 1;
      throw new Error('503');
    }, 'stop');
    const report = await d.drain(source(2, 'caught_up'));
    expect(calls).toBe(4);
    expect(saved).toEqual([]);
    expect(report).toMatchObject({ checkpoint: null, logsProcessed: 0, skipped: [] });
  });

  describe('with a gathering handler', () => {
    /** A handler that gathers batches and stores them only when flushed ('due' stores nothing). */
    function gatherer(failFlush = false) {
      const stored: string[][] = [];
      let open: { ids: string[]; resolve: () => void; stored: Promise<void> } | undefined;
      const handler = Object.assign(async () => undefined, {
        gather: async (batchLogs: LogEvent[]) => {
          if (!open) {
            let resolve!: () => void;
            const p = new Promise<void>((r) => (resolve = r));
            open = { ids: [], resolve, stored: p };
          }
          open.ids.push(...batchLogs.map((l) => l.log_id as string));
          return { stored: open.stored };
        },
        flush: async (what: 'due' | 'all') => {
          if (failFlush) throw new Error('flush broke');
          if (what === 'all' && open) {
            stored.push(open.ids);
            open.resolve();
            open = undefined;
          }
        },
      });
      return { handler, stored };
    }
    async function* withEmpty(): AsyncGenerator<Batch, PagesStop> {
      yield batch(0);
      // the logs after it were all filtered out: an empty batch that moves the checkpoint
      yield { seq: 1, logs: [], fromCheckpoint: id(10), toCheckpoint: id(15) };
      return 'caught_up';
    }

    it('holds batches past the end of a run with hold, the empty one after them included, and the next run stores them', async () => {
      const { handler, stored } = gatherer();
      const saved: (string | null)[] = [];
      const store = { saveCheckpoint: async (c: string | null) => void saved.push(c) };
      const options = {
        handler,
        store,
        start: null,
        concurrency: 1,
        maxRetries: 3,
        onBatchFailure: 'stop' as const,
        onProgress: undefined,
        retry,
      };
      const first = await new Delivery({ ...options, hold: true }).drain(withEmpty());
      expect(saved).toEqual([]);
      expect(first.checkpoint).toBeNull();
      expect(first.readTo).toBe(id(15));
      expect(first.held.map((h) => [h.batch.seq, h.batch.logs.length])).toEqual([
        [0, 1],
        [1, 0],
      ]);
      // eslint-disable-next-line require-yield -- a source that has nothing new
      async function* nothing(): AsyncGenerator<Batch, PagesStop> {
        return 'caught_up';
      }
      const second = await new Delivery({ ...options, carried: first.held }).drain(nothing());
      expect(stored).toEqual([[id(10)]]);
      expect(second.checkpoint).toBe(id(15));
      expect(second.logsProcessed).toBe(1);
      expect(second.held).toEqual([]);
    });

    it('a flush that breaks fails the run, the checkpoint before the batches held', async () => {
      const { handler } = gatherer(true);
      const saved: (string | null)[] = [];
      const report = await new Delivery({
        handler,
        store: { saveCheckpoint: async (c: string | null) => void saved.push(c) },
        start: null,
        concurrency: 1,
        maxRetries: 3,
        onBatchFailure: 'stop',
        onProgress: undefined,
        retry,
        hold: true,
      }).drain(withEmpty());
      expect(errorMessage(report.failure)).toBe('flush broke');
      expect(saved).toEqual([]);
      expect(report.held.length).toBe(0);
    });
  });
});
