import type { LogsQuery } from '../auth0/types';
import { errorMessage } from '../errors';
import { compareLogIds, logIdAt, logIdOf, logIdTime, previousLogId } from '../auth0/log-id';
import { averageDensity, chooseSteal, type Steal } from './backfill-steal';
import { logPages, type PageSourceOptions } from './pages';
import type { AnsweredPage, CheckedPage, PagesStop } from './types';
import {
  BackfillAnomaly,
  firstAtOrPast,
  openingAnomaly,
  openingOf,
  planBackfill,
  probeAnomaly,
  seamAnomaly,
} from './backfill-checks';
import { SharedRateLimits } from '../auth0/rate-budget';
import { withRetry } from './retry';
import { movesBackwards } from '../storage/checkpoint';

/**
 * Backfill: reads a backlog with several cursors at once and hands its pages on in `log_id` order,
 * exactly as one cursor would (see {@link backfillPages}).
 */

/** What a backfill is doing, for progress lines. */
export interface BackfillState {
  /** Cursors reading a slice now (0 before the backlog is cut, 1 after a fall back). */
  cursors: number;
  /** Logs held in the reorder buffer ahead of the contiguous prefix. */
  bufferedLogs: number;
  /** Slices read to their end so far. */
  slicesDone: number;
}

/** Options of {@link backfillPages}: a page source's, and how to cut the backlog. */
export interface BackfillOptions extends Omit<PageSourceOptions, 'budget' | 'bucketWait'> {
  /** Cursors reading at once; 1 is the one cursor of {@link logPages}. */
  cursors: number;
  /** Logs older than the tenant's now minus this (ms) are read by several cursors. */
  horizonMs: number;
  /** Most logs held ahead of the contiguous prefix; cursors ahead pause when it is full. */
  bufferLogs: number;
  /** Called with the reason when the backfill drops back to one cursor. */
  onFallback: (reason: string) => void;
  /** Called whenever {@link BackfillState} changes. */
  onState?: (state: BackfillState) => void;
}

interface Slice {
  /** The slice from the real checkpoint (the first): its errors are the run's own. */
  first: boolean;
  /** Checkpoint the slice's first request asks from. */
  from: string | null;
  /** The slice's lower bound time (epoch ms); the checkpoint's time for the first slice. */
  startMs: number;
  /**
   * First id of the next slice; for the tail (`endMs` unset) the range's end (`until`), if any. A
   * steal moves it down (never below an id the slice's answers held), and its cursor stops there.
   */
  until: string | undefined;
  endMs: number | undefined;
  pages: CheckedPage[];
  /** Logs read below `until`. */
  fetched: number;
  /** Times of the first log read and of the highest id any answer held (see `SliceFacts`). */
  firstMs?: number | undefined;
  reachedMs?: number;
  /** An answer held no log at all (the slice caught up): nothing of it is left to steal. */
  empty: boolean;
  done: boolean;
  /**
   * The answer to the slice's first request (slices after the first): its first id above `from`
   * (`null`: none) and the logs at or below `from`. Unset until that answer is in.
   */
  opening?: { first: string | null; replayed: number };
  /**
   * The lowest id at or past `until` that any answer of the slice held: the log its cursor stopped
   * at, which the next slice must start with. Unset while none was seen (a slice that caught up on
   * an empty page found none).
   */
  seam?: string;
  /** The seam with the slice before was checked: the slice's pages may be yielded. */
  joined: boolean;
  stop?: PagesStop;
  error?: unknown;
}

/**
 * Whether an error of a slice means the backfill should drop back to one cursor: an anomaly, or
 * any failure (after its retries: a 4xx, a 5xx, a timeout, an invalid page) of a slice that started
 * from a synthesised `from`. One cursor from the contiguous checkpoint never sends that `from`, so
 * a tenant that refuses it still ships everything; a tenant that fails everything fails one cursor
 * too, which then ends the run as one cursor would have.
 */
function isAnomaly(error: unknown, slice: Slice): boolean {
  return error instanceof BackfillAnomaly || !slice.first;
}

/**
 * Reads the logs after `o.from` with `o.cursors` cursors and yields checked pages in `log_id`
 * order, as {@link logPages} does. The first page is read by one cursor; when its checkpoint is
 * older than the horizon (the tenant's now minus `o.horizonMs`), the cursors share the rest by
 * work stealing: one slice from the checkpoint to the end, and each idle cursor takes the later
 * half (see `chooseSteal`) of the open slice estimated to hold the most logs still to read, at a
 * bound synthesised from a date (`logIdAt`): the slice split stops there, the new one pages from
 * just below it (then `Link`). A reorder buffer holds slices read ahead (at most `o.bufferLogs`
 * logs; cursors ahead pause when it is full); pages leave it only in order, so the checkpoint a
 * consumer stores always covers a contiguous prefix. All cursors share one rate-limit budget
 * ({@link SharedRateLimits}), and none splits a slice while it would not serve one more cursor.
 *
 * Verified before trusting: the checkpoint decodes to a plausible date, a probe
 * `from=<bound>&take=1` (sent with the first steal) answers an id above the bound written at or
 * after it before anything of a stolen slice is yielded, and at every seam the next slice's
 * first answer starts at exactly the log the slice before stopped at (the first at or past the
 * bound; none when it caught up on an empty page), checked before anything of that slice is
 * yielded. Any anomaly (a bound not honoured, logs skipped or ids out of order at a seam,
 * any failure of a slice that started from a synthesised `from`, 5xx and timeouts included)
 * drops back to one cursor from the last page yielded, calling `o.onFallback`. A slice that
 * starts with a log newer than the horizon after a slice that found none past its bound (a log
 * written since) is not an anomaly: one cursor reads on from the checkpoint, without a warning.
 */
export async function* backfillPages(
  o: BackfillOptions,
): AsyncGenerator<CheckedPage, PagesStop, number | undefined> {
  const counts = o.counts ?? { requests: 0, fetched: 0, replayed: 0 };
  const { retry } = o;
  const tenantNow = () => (o.client.tenantNow ? o.client.tenantNow() : retry.now());
  const budget = new SharedRateLimits({
    now: retry.now,
    tenantNow,
    sleep: retry.sleep,
    onWait: retry.onWait,
  });
  const base = {
    client: o.client,
    take: o.take,
    filter: o.filter,
    waitOnRateLimit: o.waitOnRateLimit,
    log: o.log,
    counts,
  };
  const state: BackfillState = { cursors: 0, bufferedLogs: 0, slicesDone: 0 };
  const report = () => o.onState?.({ ...state });
  const single = (from: string | null) => {
    state.cursors = 1;
    report();
    return logPages({ ...base, retry, from, until: o.until, prefetch: o.prefetch });
  };
  if (o.cursors <= 1) return yield* single(o.from);

  // The first page by one cursor: it gives a checkpoint to decode (when there was none) and the
  // density of the logs.
  const head = logPages({ ...base, retry, from: o.from, until: o.until, prefetch: false, budget });
  const openingStarted = retry.now();
  const opening = await head.next();
  const openingMs = retry.now() - openingStarted;
  if (opening.done) return opening.value;
  yield opening.value;
  await head.return('caught_up');
  const checkpoint = opening.value.checkpoint;
  if (checkpoint === null || opening.value.fetched < o.take) return yield* single(checkpoint);

  const fallBack = (reason: string) => {
    o.log.info(`Backfill drops back to one cursor: ${reason}`);
    o.onFallback(reason);
  };
  // a range's end (`o.until`) is a horizon too: the tail slice reads up to it (an end whose id
  // does not decode to a date cannot bound the slices: one cursor reads up to it)
  const untilMs = o.until === undefined ? undefined : logIdTime(o.until);
  if (o.until !== undefined && untilMs === undefined) {
    o.log.debug(`No backfill: the range's end ${o.until} does not decode to a date`);
    return yield* single(checkpoint);
  }
  const plan = planBackfill(
    checkpoint,
    untilMs === undefined ? tenantNow() : Math.min(tenantNow(), untilMs + o.horizonMs),
    o.horizonMs,
  );
  if ('skip' in plan) {
    if (plan.warn) fallBack(plan.skip);
    else o.log.debug(`No backfill: ${plan.skip}`);
    return yield* single(checkpoint);
  }
  const firstMs = opening.value.first ? logIdTime(opening.value.first) : undefined;
  if (firstMs === undefined) {
    fallBack(`the log_id ${String(opening.value.first)} does not decode to a date`);
    return yield* single(checkpoint);
  }
  // The first page's density: what a slice that has read nothing yet is assumed to hold.
  const seed = { logs: opening.value.fetched, ms: plan.startMs - firstMs };
  const minLogs = 4 * o.take;

  // One slice from the checkpoint to the end; idle cursors split the busiest (work stealing).
  const slices: Slice[] = [];
  let headIndex = 0;
  let anomaly: string | undefined;
  let firstFailed = false;
  // the lowest synthesised `from` answered with no log at all: nothing to steal past it
  let emptyFromMs = Infinity;
  const firstSlice: Slice = {
    first: true,
    from: checkpoint,
    startMs: plan.startMs,
    // the range's end, if any (a steal moves it down)
    until: o.until,
    endMs: undefined,
    pages: [],
    fetched: 0,
    // the first page reached the checkpoint
    reachedMs: plan.startMs,
    empty: false,
    done: false,
    joined: true,
  };
  slices.push(firstSlice);
  // response times of the cursors' requests: how many requests per second one cursor sends
  const answers = { count: 1, ms: openingMs };
  const timed = async <T>(request: () => Promise<T>): Promise<T> => {
    const started = retry.now();
    const answer = await request();
    answers.count += 1;
    answers.ms += retry.now() - started;
    return answer;
  };
  const heldAhead = () => {
    let held = 0;
    for (let i = headIndex + 1; i < slices.length; i++)
      for (const page of (slices[i] as Slice).pages) held += Math.max(1, page.logs.length);
    return held;
  };
  // Where the next idle cursor would take work, or `undefined` (nothing worth splitting, or the
  // bucket would not serve one more cursor).
  const nextSteal = () => {
    if (firstFailed || heldAhead() >= o.bufferLogs) return undefined;
    // A bucket that would not serve one more cursor for the next second (what it holds and refills
    // then, against the requests the cursors send per second, from their response times) is
    // shared, not split further: more slices would only add requests (each seam costs part of
    // one), and so time. A bucket that stays full (no refill rate shows) serves any number.
    const perCursor = answers.count ? (1000 * answers.count) / Math.max(1, answers.ms) : 0;
    const needed = Math.max(1, perCursor) * (state.cursors + 1);
    const refill = budget.refillPerSecond();
    if (refill !== Infinity && budget.available() + refill < needed) return undefined;
    const facts = slices.map((slice) => ({
      startMs: slice.startMs,
      endMs: slice.endMs,
      firstMs: slice.firstMs,
      reachedMs: slice.reachedMs,
      fetched: slice.fetched,
      // a slice whose first answer is not in yet may start anywhere past its bound, and one paused
      // by the buffer would only pass its pause on: not split
      open:
        !slice.done &&
        !slice.empty &&
        slice.seam === undefined &&
        slice.reachedMs !== undefined &&
        mayRead(slice),
      done: slice.done,
      held: slice.pages.reduce((sum, page) => sum + page.logs.length, 0),
    }));
    const density = averageDensity(facts, seed);
    return chooseSteal(facts, {
      horizon: plan.horizon,
      emptyFromMs,
      density,
      minLogs,
      windowLogs: o.bufferLogs,
      // every cursor not reading a slice is looking for one (this one included)
      idle: o.cursors - state.cursors,
      cursors: o.cursors,
    });
  };
  const steal = (split: Steal): Slice => {
    const victim = slices[split.victim] as Slice;
    const slice: Slice = {
      first: false,
      from: previousLogId(logIdAt(split.atMs)),
      startMs: split.atMs,
      until: victim.until,
      endMs: victim.endMs,
      pages: [],
      fetched: 0,
      empty: false,
      done: false,
      joined: false,
    };
    victim.until = logIdAt(split.atMs);
    victim.endMs = split.atMs;
    slices.splice(split.victim + 1, 0, slice);
    o.log.debug(
      `Backfill: a cursor takes ${new Date(split.atMs).toISOString()} to ${slice.endMs === undefined ? 'the end' : new Date(slice.endMs).toISOString()}`,
    );
    return slice;
  };

  // The probe, while the first slice (from the real checkpoint) is read, before the first steal:
  // does the tenant answer a synthesised `from` as the ids say it should? No other slice starts
  // before it answers.
  const probe = async (boundMs: number): Promise<boolean> => {
    const bound = logIdAt(boundMs);
    try {
      const query: LogsQuery = { take: 1, from: bound, q: '', sort: 'date:1' };
      const probed = await withRetry(async () => {
        const answer = (await timed(() =>
          o.client.getLogs(query, { deadline: retry.deadline, signal: inner.signal }),
        )) as AnsweredPage;
        counts.requests += 1;
        return answer;
      }, retryInner);
      budget.observe(probed.limits);
      const odd = probeAnomaly(bound, probed.logs);
      if (odd) anomaly ??= odd;
      else if (probed.logs.length === 0) {
        o.log.debug(`No log after ${bound}: nothing to steal past it`);
        emptyFromMs = Math.min(emptyFromMs, boundMs);
      }
    } catch (error) {
      if (!inner.signal.aborted)
        anomaly ??= `the probe from=${bound} failed: ${errorMessage(error)}`;
    }
    notify();
    return anomaly === undefined && !inner.signal.aborted;
  };

  const inner = new AbortController();
  const onAbort = () => inner.abort();
  retry.signal?.addEventListener('abort', onAbort, { once: true });
  if (retry.signal?.aborted) inner.abort();
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const resolve = wake;
    changed = new Promise<void>((next) => (wake = next));
    resolve();
  };
  inner.signal.addEventListener('abort', notify, { once: true });
  const retryInner = { ...retry, signal: inner.signal };
  // sent with the first steal (none: one cursor's requests, not one more); nothing of a stolen
  // slice is yielded before it answered as the ids say it should (`true`)
  let verified: Promise<void> | undefined;
  let trusted = false;
  const halted = () => inner.signal.aborted || anomaly !== undefined;
  // Whether a slice may read on: the head up to two pages, a slice after it while the buffer is
  // not full.
  const mayRead = (slice: Slice): boolean =>
    slice === slices[headIndex] ? slice.pages.length < 2 : heldAhead() < o.bufferLogs;
  const room = async (slice: Slice) => {
    for (;;) {
      if (halted() || (firstFailed && !slice.first)) return false;
      if (mayRead(slice)) return true;
      await changed;
    }
  };

  // A slice's cursor asks through this client, which notes from the tenant's answers where the
  // slice opens, how far it reached, and where it stops (the seams checked before anything of the
  // next is yielded). `until` is read at each answer: a steal may have moved it down since the
  // request left, never below an id an answer before held.
  const watched = (slice: Slice): BackfillOptions['client'] => ({
    ...(o.client.tenantNow ? { tenantNow } : {}),
    getLogs: async (query, options) => {
      const answer = await timed(() => o.client.getLogs(query, options));
      const from = typeof query?.from === 'string' ? query.from : null;
      if (!slice.first && from !== null && from === slice.from && !slice.opening)
        slice.opening = openingOf(from, answer.logs);
      if (answer.logs.length === 0) {
        slice.empty = true;
        const at = from === null ? undefined : logIdTime(from);
        if (at !== undefined) emptyFromMs = Math.min(emptyFromMs, at);
      }
      const highest = answer.logs.at(-1);
      const highestMs =
        highest && logIdOf(highest) ? logIdTime(logIdOf(highest) as string) : undefined;
      if (highestMs !== undefined) slice.reachedMs = Math.max(slice.reachedMs ?? 0, highestMs);
      if (slice.until !== undefined) {
        const past = firstAtOrPast(answer.logs, from, slice.until);
        if (past !== undefined && (slice.seam === undefined || compareLogIds(past, slice.seam) < 0))
          slice.seam = past;
      }
      return answer;
    },
  });

  const readSlice = async (slice: Slice) => {
    const pages = logPages({
      ...base,
      client: watched(slice),
      retry: retryInner,
      from: slice.from,
      // read before every request and page: a steal moves it down
      get until() {
        return slice.until;
      },
      prefetch: true,
      budget,
    });
    try {
      for (let first = true; ; first = false) {
        if (!(await room(slice))) return;
        const next = await pages.next();
        // the first answer to a synthesised `from`, whether it yields a page or not (an empty slice)
        const odd =
          first && slice.opening
            ? openingAnomaly(slice.from as string, slice.startMs, slice.opening)
            : undefined;
        if (odd) throw new BackfillAnomaly(odd);
        if (next.done) {
          slice.stop = next.value;
          return;
        }
        const page = next.value;
        if (page.first !== undefined && slice.firstMs === undefined)
          slice.firstMs = logIdTime(page.first);
        slice.fetched += page.fetched - page.replayed;
        slice.pages.push(page);
        notify();
      }
    } catch (error) {
      slice.error = error;
      if (isAnomaly(error, slice))
        anomaly ??=
          error instanceof BackfillAnomaly
            ? error.message
            : `a request of the slice from the synthesised from=${String(slice.from)} failed: ${errorMessage(error)}`;
      else firstFailed = true;
    } finally {
      slice.done = true;
      await pages.return('aborted').catch(() => undefined);
      notify();
    }
  };
  const worker = async (slice: Slice | undefined) => {
    for (;;) {
      if (!slice) {
        if (halted() || firstFailed) return;
        const split = nextSteal();
        if (!split) {
          if (slices.every((s) => s.done)) return;
          await changed;
          continue;
        }
        // the probe asks from the first split's bound, while its slice is read
        verified ??= probe(split.atMs).then((ok) => {
          trusted = ok;
          notify();
        });
        slice = steal(split);
      }
      state.cursors += 1;
      report();
      await readSlice(slice);
      state.cursors -= 1;
      state.slicesDone += 1;
      report();
      slice = undefined;
    }
  };
  const workers = [
    worker(firstSlice),
    ...Array.from({ length: o.cursors - 1 }, () => worker(undefined)),
  ];
  o.log.info(
    `Backfill: ${o.cursors} cursors from ${new Date(plan.startMs).toISOString()} to the horizon ${new Date(plan.horizon).toISOString()}`,
  );

  let last: string | null = checkpoint;
  let stop: PagesStop | undefined;
  // a slice starts with a log newer than the horizon, but the slice before it caught up on an empty
  // page: that log may have been written since, so the seam cannot be checked; one cursor reads on
  // from the checkpoint, without a warning
  let writtenSince = false;
  try {
    for (;;) {
      if (anomaly !== undefined) break;
      if (retry.signal?.aborted) {
        stop = 'aborted';
        break;
      }
      const slice = slices[headIndex];
      if (!slice) {
        await changed;
        continue;
      }
      if (!slice.joined) {
        // Nothing of a slice is yielded before the probe answered as the ids say it should, and
        // before its seam with the slice before is checked: its first answer must start at the log
        // the slice before stopped at.
        if (!trusted || (slice.opening === undefined && !slice.done)) {
          await changed;
          continue;
        }
        if (slice.opening !== undefined) {
          const before = slices[headIndex - 1] as Slice;
          const odd = seamAnomaly(
            before.until as string,
            slice.from as string,
            before.seam ?? null,
            slice.opening.first,
          );
          const openedAt = slice.opening.first ? logIdTime(slice.opening.first) : undefined;
          if (
            odd &&
            before.seam === undefined &&
            openedAt !== undefined &&
            openedAt >= plan.horizon
          ) {
            writtenSince = true;
            break;
          }
          if (odd !== undefined) {
            anomaly = odd;
            break;
          }
        }
        // (a slice that stopped or failed before its first answer yields nothing: handled below)
        slice.joined = true;
      }
      const page = slice.pages.shift();
      if (page) {
        if (
          (page.first !== undefined && last !== null && compareLogIds(page.first, last) <= 0) ||
          movesBackwards(last, page.checkpoint)
        ) {
          anomaly = `ids out of order at a seam: log_id ${page.first ?? String(page.checkpoint)} after ${last}`;
          break;
        }
        state.bufferedLogs = heldAhead();
        notify();
        yield page;
        last = page.checkpoint ?? last;
        continue;
      }
      if (!slice.done) {
        await changed;
        continue;
      }
      if (slice.error !== undefined) {
        if (anomaly !== undefined) break;
        throw slice.error;
      }
      if (slice.stop !== 'caught_up') {
        stop = slice.stop ?? 'aborted';
        break;
      }
      if (slice.endMs === undefined) {
        stop = 'caught_up';
        break;
      }
      headIndex += 1;
      notify();
    }
  } finally {
    retry.signal?.removeEventListener('abort', onAbort);
    inner.abort();
    await Promise.all(workers);
    state.cursors = 0;
    state.bufferedLogs = 0;
  }
  if (stop !== undefined) return stop;
  if (writtenSince && anomaly === undefined) {
    o.log.debug(
      `Logs were written past ${String(last)} since its slice caught up; one cursor reads on`,
    );
    return yield* single(last);
  }
  fallBack(anomaly as string);
  return yield* single(last);
}

export { BackfillAnomaly, planBackfill, probeAnomaly };
