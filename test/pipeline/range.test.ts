import { LogsProcessor } from '../../src/processor';
import { compareLogIds, logIdAt, logIdTime } from '../../src/auth0/log-id';
import { logRange, rangeFilter } from '../../src/pipeline/range';
import { createLogFilter } from '../../src/pipeline/filter';
import { FAKE_TENANT_SHAPES } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

/**
 * Issue 22, item 6: a date range (`startFrom` + `until`) ships exactly the logs dated in it, on a
 * tenant that writes logs late (their `date` is before logs with smaller ids), and stops.
 */

/** 1,000 logs over 30 minutes on 2024-03-04, 5 % written up to 2.5 s late. */
const tenant = useTenant({ ...FAKE_TENANT_SHAPES.late, seed: 22 });
const noWait = { sleep: async () => undefined, random: () => 0 };

const dateOf = (log: LogEvent) => Date.parse(log.date);
let logs: LogEvent[] | undefined;
/** Every log of the tenant, oldest id first (it does not grow). */
const all = () =>
  (logs ??= Array.from({ length: tenant().logCount() }, (_, i) => tenant().logAt(i)));

/**
 * A late log that a log with a smaller id is dated after, from index `after` on: put a range's end
 * just past its date and that earlier-id log is out, the late one in.
 */
function lateAfter(after: number): LogEvent {
  let newest = -Infinity; // the latest date of the logs before
  const found = all().find((log, i) => {
    const late = i > after && newest > dateOf(log);
    newest = Math.max(newest, dateOf(log));
    return late;
  });
  if (!found) throw new Error('the tenant has no late log there');
  return found;
}

let ranged: ReturnType<typeof makeRange> | undefined;
/** The range of the tests: from just past one late log's date to just past another's. */
const range = () => (ranged ??= makeRange());
function makeRange() {
  const first = lateAfter(150);
  const last = lateAfter(650);
  const sinceMs = dateOf(first) + 1;
  const untilMs = dateOf(last) + 1;
  const expected = all()
    .filter((log) => dateOf(log) >= sinceMs && dateOf(log) < untilMs)
    .map((log) => log.log_id as string);
  return {
    first,
    last,
    startFrom: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
    untilMs,
    expected,
  };
}

async function run(
  storage: ReturnType<typeof memoryStorage>,
  options: { startFrom?: string; until?: string; backfillCursors?: number },
) {
  const shipped: string[] = [];
  let cursors = 0; // the most cursors seen reading at once
  const result = await new LogsProcessor(storage, {
    ...credentials(tenant()),
    ...noWait,
    batchSize: 50,
    maxRunTimeSeconds: Infinity,
    onProgress: (progress) => (cursors = Math.max(cursors, progress.cursors ?? 0)),
    ...options,
  }).run(async (logs: LogEvent[]) => {
    shipped.push(...logs.map((log) => log.log_id as string));
  });
  return { shipped, status: result.status, checkpoint: result.checkpoint, cursors };
}

describe('a date range on a tenant that writes logs late', () => {
  it('the input holds: the range ends cut through logs out of date order', () => {
    const { first, last, expected } = range();
    // the late log at the end is in, though its id is past the id of `until`; the one at the start
    // is out, though its id is past the id of `startFrom`
    expect(expected).toContain(last.log_id);
    expect(expected).not.toContain(first.log_id);
    expect(compareLogIds(last.log_id as string, logIdAt(dateOf(last) + 1))).toBeGreaterThan(0);
    expect(expected.length).toBeGreaterThan(300);
  });

  it.each([1, 4])(
    'ships exactly the logs dated in the range, in log_id order, and stops (%i cursors)',
    async (backfillCursors) => {
      const { startFrom, until, expected, untilMs } = range();
      const storage = memoryStorage();
      const { shipped, status, checkpoint, cursors } = await run(storage, {
        startFrom,
        until,
        backfillCursors,
      });
      expect(status.error).toBeUndefined();
      expect(status.stopReason).toBe('caught_up');
      expect(shipped).toEqual(expected);
      expect(logIdTime(checkpoint as string)).toBeLessThanOrEqual(untilMs);
      expect(status.warnings?.map((w) => w.code) ?? []).not.toContain('backfill_fallback');
      // several cursors read the range's slices, the last one up to the range's end
      if (backfillCursors > 1) expect(cursors).toBeGreaterThan(1);
    },
  );

  it('with a state: the checkpoint stops at the id of until; a rerun ships only the late logs past it, a run on from there loses nothing', async () => {
    const { startFrom, until, expected, untilMs } = range();
    const storage = memoryStorage();
    const first = await run(storage, { startFrom, until });
    expect(first.shipped).toEqual(expected);
    const ceiling = logIdAt(untilMs);
    expect(storage.current?.checkpointId).toBe(ceiling);

    // the same range again: from the stored checkpoint, only the logs past the id of `until` that
    // are dated before it (written late) are in the range
    const again = await run(storage, { startFrom, until });
    const late = expected.filter((id) => compareLogIds(id, ceiling) > 0);
    expect(late.length).toBeGreaterThan(0);
    expect(again.shipped).toEqual(late);
    expect(storage.current?.checkpointId).toBe(ceiling);

    // on without an end: every log past the checkpoint, so nothing dated from `startFrom` is lost
    const onward = await run(storage, { startFrom });
    const shipped = new Set([...first.shipped, ...onward.shipped]);
    const missing = all()
      .filter((log) => dateOf(log) >= Date.parse(startFrom))
      .filter((log) => !shipped.has(log.log_id as string));
    expect(missing).toEqual([]);
  });

  it('until a log id: up to and including that log, after a startFrom log id', async () => {
    const storage = memoryStorage();
    const { shipped, status } = await run(storage, {
      startFrom: tenant().logIdAt(99),
      until: tenant().logIdAt(349),
    });
    expect(status.stopReason).toBe('caught_up');
    expect(shipped).toEqual(Array.from({ length: 250 }, (_, i) => tenant().logIdAt(100 + i)));
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(349));
  });

  it('until an id that does not decode to a date: one cursor reads up to it, none past', async () => {
    // an id of minute 12:15 with second 99: past every log of that minute, before the next one
    const mid = tenant().logIdAt(500);
    const until = `${mid.slice(0, 15)}99${mid.slice(17)}`;
    expect(logIdTime(until)).toBeUndefined();
    const ids = all().map((log) => log.log_id as string);
    const expected = ids.slice(100).filter((id) => compareLogIds(id, until) <= 0);
    expect(expected.length).toBeGreaterThan(300);
    const storage = memoryStorage();
    const { shipped, status, cursors } = await run(storage, {
      startFrom: tenant().logIdAt(99),
      until,
      backfillCursors: 4,
    });
    expect(status.stopReason).toBe('caught_up');
    expect(shipped).toEqual(expected);
    expect(cursors).toBeLessThanOrEqual(1);
  });

  it('refuses an until that is not after startFrom, or not a date or id, naming `until`', async () => {
    const storage = memoryStorage();
    const before = await run(storage, {
      startFrom: '2024-03-04T12:20:00Z',
      until: '2024-03-04T12:10:00Z',
    });
    expect(before.status.error).toMatch(/`until`.*after `startFrom` \(2024-03-04T12:20:00Z\)/);
    expect(before.shipped).toEqual([]);
    const ids = await run(storage, { startFrom: tenant().logIdAt(5), until: tenant().logIdAt(5) });
    expect(ids.status.error).toMatch(/`until`/);
    const word = await run(storage, { until: 'yesterday' });
    expect(word.status.error).toMatch(/Expected `until` to be a log id or an ISO 8601 date/);
  });

  it('a log whose date cannot be read is placed by the time its id was written', () => {
    const at = Date.parse('2024-03-04T12:10:00Z');
    const range = logRange({ sinceMs: at, until: { ms: at + 60_000 } }, 60_000);
    const filter = rangeFilter(range, createLogFilter(['f'], 0));
    const log = (date: string, idMs: number, type = 'f') =>
      ({ date, type, log_id: logIdAt(idMs).replace(/0{6}$/, '123456') }) as LogEvent;
    expect(filter.keeps(log('not a date', at + 5_000))).toBe(true);
    expect(filter.keeps(log('not a date', at - 5_000))).toBe(false);
    expect(filter.keeps(log('not a date', at + 5_000, 's'))).toBe(false);
    expect(filter.keeps(log('2024-03-04T12:10:59.999Z', at + 65_000))).toBe(true);
    expect(filter.keeps(log('2024-03-04T12:11:00.000Z', at + 61_000))).toBe(false);
  });
});
