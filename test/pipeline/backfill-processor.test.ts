import { BACKFILL_FALLBACK_WARNING, LogsProcessor } from '../../src/processor';
import type { LogsProcessorOptions } from '../../src/options/processor';
import type { RunProgress } from '../../src/types';
import type { LogsQuirks } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const TOTAL = 5000;
// Two days of logs up to now: all but the last few are older than the 10-minute horizon.
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 2 * 24 * 3600_000 });
const noWait = { sleep: async () => undefined, random: () => 0 };
const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i));

function processor(storage = memoryStorage(), options: Partial<LogsProcessorOptions> = {}) {
  return new LogsProcessor(storage, {
    ...credentials(tenant()),
    ...noWait,
    maxRunTimeSeconds: 120,
    batchSize: 250,
    ...options,
  });
}

/**
 * A run from log `start` on (its stored checkpoint the log before; 0: a fresh state), or from a
 * stored `checkpoint` given as is.
 */
async function ship(
  options: Partial<LogsProcessorOptions>,
  quirks?: LogsQuirks,
  start: number | string = 0,
) {
  tenant().setOptions({ quirks: quirks ?? null });
  tenant().resetStats();
  const checkpointId = typeof start === 'string' ? start : start && tenant().logIdAt(start - 1);
  const storage = memoryStorage(checkpointId ? { checkpointId } : undefined);
  const shipped: string[] = [];
  const progress: RunProgress[] = [];
  const result = await processor(storage, {
    ...options,
    onProgress: (p) => progress.push(p),
  }).run(async (logs: LogEvent[]) => {
    shipped.push(...logs.map((log) => log.log_id as string));
  });
  return { result, shipped, progress, storage, stats: tenant().stats() };
}

afterEach(() => tenant().setOptions({ quirks: null }));

describe('LogsProcessor with backfillCursors', () => {
  it('ships every log once, in id order, with 8 cursors, from the oldest log', async () => {
    const { result, shipped, progress } = await ship({ backfillCursors: 8 });
    expect(result.status.error).toBeUndefined();
    expect(result.status.warning).toBeUndefined();
    expect(result.status.stopReason).toBe('caught_up');
    expect(shipped).toEqual(allIds());
    expect(result.checkpoint).toBe(tenant().logIdAt(TOTAL - 1));
    expect(Math.max(...progress.map((p) => p.cursors ?? 0))).toBeGreaterThan(1);
    expect(progress.every((p) => p.cursors !== undefined)).toBe(true);
  });

  it('ships the same as one cursor from a stored checkpoint', async () => {
    const one = await ship({ backfillCursors: 1 }, undefined, 1234);
    const many = await ship({ backfillCursors: 4 }, undefined, 1234);
    expect(many.shipped).toEqual(one.shipped);
    expect(many.shipped).toEqual(allIds().slice(1234));
    expect(one.progress.every((p) => p.cursors === undefined)).toBe(true);
  });

  it('keeps one cursor (no warning) when the checkpoint is within the horizon', async () => {
    const { result, shipped, stats } = await ship({ backfillCursors: 8 }, undefined, TOTAL - 2);
    expect(shipped).toEqual(allIds().slice(TOTAL - 2));
    expect(result.status.warning).toBeUndefined();
    expect(stats.logRequests).toBe(2);
  });
});

const opaque = (i: number) => `900${'0'.repeat(17)}${String(i).padStart(36, '0')}`;

describe('backfill falls back to one cursor from the contiguous checkpoint', () => {
  it.each<[string, LogsQuirks]>([
    ['a tenant ignoring a synthesised from (probe)', { ignoreSynthesisedFrom: true }],
    [
      'a tenant ignoring a synthesised from later on',
      { ignoreSynthesisedFrom: true, fromRequest: 4 },
    ],
    [
      'ids out of order at a seam (a slice starts below its bound)',
      { synthesisedFromShift: 3, fromRequest: 3 },
    ],
    ['a 400 for a synthesised from (probe)', { synthesisedFromStatus: 400 }],
    ['a 400 for a synthesised from later on', { synthesisedFromStatus: 400, fromRequest: 3 }],
    ['a 500 for a synthesised from (probe)', { synthesisedFromStatus: 500 }],
    [
      'a 500 for every synthesised from after the probe',
      { synthesisedFromStatus: 500, fromRequest: 3 },
    ],
    ['a 503 for a synthesised from later on', { synthesisedFromStatus: 503, fromRequest: 4 }],
  ])('%s: every log once, in order, with a warning', async (_name, quirks) => {
    // from the first log's id: a fresh state's first `from` is synthesised too (below every log),
    // and these quirks are about the backfill's bounds
    const { result, shipped, progress } = await ship({ backfillCursors: 8 }, quirks, 1);
    expect(result.status.error).toBeUndefined();
    expect(result.status.stopReason).toBe('caught_up');
    expect(result.status.warning).toContain(BACKFILL_FALLBACK_WARNING);
    expect(shipped).toEqual(allIds().slice(1));
    expect(result.checkpoint).toBe(tenant().logIdAt(TOTAL - 1));
    expect(progress.at(-1)?.cursors).toBe(1);
  });

  it('a tenant whose ids do not decode: warning, one cursor, every log once', async () => {
    // from the first log's (opaque) id: a fresh state's first `from` is an id with a date
    const { result, shipped, stats } = await ship(
      { backfillCursors: 8 },
      { opaqueIds: true },
      opaque(0),
    );
    expect(result.status.error).toBeUndefined();
    expect(result.status.warning).toContain(`${BACKFILL_FALLBACK_WARNING} the checkpoint`);
    expect(result.status.warning).toContain('does not decode to a date');
    expect(shipped).toEqual(Array.from({ length: TOTAL - 1 }, (_, i) => opaque(i + 1)));
    expect(stats.logRequests).toBe(Math.ceil((TOTAL - 1) / 100) + 1); // the last one empty
  });
});

describe('backfillCursors option', () => {
  it.each([0, 33, 'many', 2.5])(
    'reports backfillCursors = %j through the run, naming it',
    async (value) => {
      const result = await processor(memoryStorage(), { backfillCursors: value as number }).run(
        jest.fn(),
      );
      expect(result.status.error).toBe(
        `Expected \`backfillCursors\` to be an integer from 1 to 32, got ${JSON.stringify(value)}`,
      );
    },
  );

  it('accepts a numeric string, as configuration from the environment gives it', () => {
    expect(processor(memoryStorage(), { backfillCursors: '8' }).optionsError).toBeUndefined();
  });
});

describe('backfill and the rate limit', () => {
  it('8 cursors share one bucket: at most 5% of requests answered 429', async () => {
    tenant().setOptions({ rateLimit: { burst: 10, perSecond: 40 } });
    try {
      const { result, shipped, stats } = await ship({ backfillCursors: 8 });
      expect(result.status.error).toBeUndefined();
      expect(shipped).toEqual(allIds());
      expect(stats.rateLimited).toBeLessThanOrEqual(0.05 * stats.logRequests);
    } finally {
      tenant().setOptions({ rateLimit: null });
    }
  });
});

describe('a backfill cut short stores only the contiguous prefix', () => {
  async function resumeAfter(cut: Partial<LogsProcessorOptions>, controller?: AbortController) {
    tenant().setOptions({ quirks: null });
    const storage = memoryStorage();
    const shipped: string[] = [];
    const handler = async (logs: LogEvent[]) => {
      shipped.push(...logs.map((log) => log.log_id as string));
      if (shipped.length >= 1500) controller?.abort();
    };
    const first = await processor(storage, { backfillCursors: 8, ...cut }).run(
      handler,
      controller ? { signal: controller.signal } : {},
    );
    const firstCount = shipped.length;
    // What the first run shipped is a prefix, and the stored checkpoint is its last id.
    expect(shipped).toEqual(allIds().slice(0, firstCount));
    expect(firstCount).toBeLessThan(TOTAL);
    expect(storage.current?.checkpointId).toBe(shipped.at(-1));
    const second = await processor(storage, { backfillCursors: 8 }).run(handler);
    expect(second.status.stopReason).toBe('caught_up');
    expect(shipped).toEqual(allIds());
    return first;
  }

  it('by its abort signal', async () => {
    const first = await resumeAfter({}, new AbortController());
    expect(first.status.stopReason).toBe('aborted');
  });

  it('by the run-time cap (an injected clock)', async () => {
    let ticks = 0;
    const start = Date.now();
    const first = await resumeAfter({ now: () => start + 10 * ticks++, maxRunTimeSeconds: 2 });
    expect(first.status.stopReason).toBe('max_run_time');
  });
});

describe('backfill checks every seam (a synthesised from answered too late or too early)', () => {
  it.each<[string, LogsQuirks, RegExp]>([
    ['1 log too late', { synthesisedFromShift: -1 }, /logs skipped at a seam/],
    ['5 logs too late', { synthesisedFromShift: -5 }, /logs skipped at a seam/],
    [
      '5 logs too late from the 4th synthesised from on',
      { synthesisedFromShift: -5, fromRequest: 4 },
      /logs skipped at a seam/,
    ],
    [
      '2 logs too early from the 4th synthesised from on',
      { synthesisedFromShift: 2, fromRequest: 4 },
      /a bound not honoured/,
    ],
  ])(
    '%s: falls back with a warning, every log once in order, the checkpoint never past a gap',
    async (_name, quirks, reason) => {
      tenant().setOptions({ quirks });
      // from the first log's id: a fresh state's first `from` is synthesised too
      const ids = allIds().slice(1);
      const storage = memoryStorage({ checkpointId: tenant().logIdAt(0) });
      const shipped: string[] = [];
      const seen = new Set<string>();
      // at every write, the stored checkpoint must follow only logs already shipped
      let contiguous = 0;
      const stored: number[] = [];
      const write = storage.write.bind(storage);
      storage.write = async (data) => {
        while (contiguous < ids.length && seen.has(ids[contiguous] as string)) contiguous += 1;
        if (data.checkpointId) stored.push(ids.indexOf(data.checkpointId) - contiguous);
        await write(data);
      };
      const result = await processor(storage, { backfillCursors: 8 }).run(async (logs) => {
        for (const log of logs) {
          shipped.push(log.log_id as string);
          seen.add(log.log_id as string);
        }
      });
      expect(result.status.error).toBeUndefined();
      expect(result.status.stopReason).toBe('caught_up');
      expect(result.status.warning).toContain(BACKFILL_FALLBACK_WARNING);
      expect(result.status.warning).toMatch(reason);
      expect(shipped).toEqual(ids);
      expect(result.checkpoint).toBe(ids.at(-1));
      // every stored checkpoint is the last log of the shipped contiguous prefix, never past a gap
      expect(stored.length).toBeGreaterThan(1);
      expect(stored.filter((ahead) => ahead >= 0)).toEqual([]);
    },
  );
});
