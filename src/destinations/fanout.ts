import { ArgumentError } from '../errors';
import type { Gathered, GatheringHandler, LogEvent, RunWarning } from '../types';
import { isPermanentError } from '../errors';
import { rejectedLogs } from '../pipeline/rejected';
import type { DestinationHandler } from './handler';

/** Logs one destination of a {@link fanout} acknowledged, by its `destination` text. */
export interface DestinationCount {
  destination: string;
  /** Logs it acknowledged (stored), a batch sent again after another's failure counted again. */
  logs: number;
}

/** A {@link DestinationHandler} over several destinations; see {@link fanout}. */
export interface FanoutHandler extends DestinationHandler, Partial<GatheringHandler> {
  /** Each destination's acknowledged logs so far, in the order given. */
  counts(): DestinationCount[];
}

/**
 * One handler over several destinations: each batch goes to every destination at once, and is
 * acknowledged only once every one of them acknowledged it (end to end, as Vector's
 * acknowledgements). A destination that fails fails the batch for all: the processor retries it,
 * or stops with the checkpoint before it, and the batch is then sent again to every destination,
 * the ones that already stored it included (so each destination gets every log at least once, and
 * the in-flight batch at most twice per failure; Elasticsearch keys documents by `log_id`, S3 keys
 * objects by their log ids). The failure passed on is a permanent one when there is one (retrying
 * cannot help the run), else the first in the given order. A destination that gathers batches (S3)
 * makes the fan-out gather too: a batch is stored once every destination stored it.
 * @example
 * const handler = destinations.fanout([destinations.splunk({...}), destinations.s3({...})]);
 * @throws ArgumentError when `handlers` is not a list of two or more destination handlers
 */
export function fanout(handlers: readonly DestinationHandler[]): FanoutHandler {
  if (
    !Array.isArray(handlers) ||
    handlers.length < 2 ||
    handlers.some((h) => typeof h !== 'function')
  )
    throw new ArgumentError(
      'Expected `fanout` to get a list of two or more destination handlers',
      'handlers',
    );
  const list = [...handlers];
  const counts = list.map((h) => ({ destination: h.destination, logs: 0 }));
  const gathers = list.some((h) => typeof (h as Partial<GatheringHandler>).gather === 'function');

  /** Runs `each` on every destination; rejects with the failure that says most once all settled. */
  const everyOne = async <T>(
    each: (h: DestinationHandler, i: number) => Promise<T>,
  ): Promise<T[]> => {
    const results = await Promise.allSettled(list.map(each));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length) throw pick(failures);
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  };

  /**
   * The destinations that stored a batch that then failed at another, by the batch's key: its
   * retry (or the next run's same batch) goes to the others only, so a destination that stayed
   * up does not get it again at each retry. Forgotten once every destination stored it.
   */
  const partly = new Map<string, Set<number>>();
  /** Per destination that gathers: the batches it holds, by key (counted once stored). */
  const gathering = list.map(() => new Set<string>());
  const send = async (logs: LogEvent[]) => {
    if (logs.length === 0) return;
    const key = batchKey(logs);
    const done = (key === undefined ? undefined : partly.get(key)) ?? new Set<number>();
    try {
      await everyOne(async (h, i) => {
        if (done.has(i)) return;
        await h(logs);
        done.add(i);
        (counts[i] as DestinationCount).logs += logs.length;
      });
      if (key !== undefined) partly.delete(key);
    } catch (error) {
      if (key !== undefined && done.size) remember(partly, key, done);
      throw error;
    }
  };
  // a gathering destination (S3) does not take a batch it holds twice; the others are skipped
  // on a retry once they stored it, as in `send`
  const gather = async (logs: LogEvent[]): Promise<Gathered> => {
    const key = batchKey(logs);
    const done = (key === undefined ? undefined : partly.get(key)) ?? new Set<number>();
    const count = (i: number) => {
      (counts[i] as DestinationCount).logs += logs.length;
    };
    const results = await Promise.allSettled(
      list.map(async (h, i): Promise<Gathered> => {
        const g = (h as Partial<GatheringHandler>).gather;
        if (typeof g === 'function') {
          const gathered = await g.call(h, logs);
          // a retried batch is taken once by it, and counted once
          const pending = gathering[i] as Set<string>;
          if (key === undefined || pending.has(key)) return gathered;
          pending.add(key);
          const forget = () => void pending.delete(key);
          gathered.stored.then(forget, forget);
          return { stored: gathered.stored.then(() => count(i)) };
        }
        if (!done.has(i)) {
          await h(logs);
          done.add(i);
          count(i);
        }
        return { stored: Promise.resolve() };
      }),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.some((f) => rejectedLogs(f) === undefined)) {
      if (key !== undefined && done.size) remember(partly, key, done);
      throw pick(failures);
    }
    if (key !== undefined) partly.delete(key);
    // a destination that refused some logs for good stored the rest: the refusal is passed on
    // (to the dead letter) only once every other destination stored the batch too
    const refused = failures.length ? pick(failures) : undefined;
    const taken = results.map((r) =>
      r.status === 'fulfilled' ? r.value : { stored: Promise.resolve() },
    );
    const stored = Promise.allSettled(taken.map((t) => t.stored)).then((settled) => {
      const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (failed.length) throw pick(failed);
      if (refused !== undefined) throw refused;
    });
    stored.catch(() => undefined); // the processor awaits it; no unhandled rejection meanwhile
    return { stored };
  };
  let closed: Promise<void> | undefined;
  const handler = Object.assign(send, {
    destination: list.map((h) => h.destination).join(' + '),
    counts: () => counts.map((c) => ({ ...c })),
    close: () => (closed ??= Promise.allSettled(list.map((h) => h.close())).then(() => undefined)),
    reopen: () => {
      for (const h of list) h.reopen?.();
    },
    drainWarnings: (): RunWarning[] => list.flatMap((h) => h.drainWarnings?.() ?? []),
    ...(gathers
      ? {
          gather,
          flush: async (what: 'due' | 'all') => {
            await everyOne(async (h) => {
              await (h as Partial<GatheringHandler>).flush?.(what);
            });
          },
        }
      : {}),
  });
  return handler;
}

/** How many failed batches {@link fanout} remembers (`concurrency` batches fail at most at once). */
const REMEMBERED = 64;

function remember(map: Map<string, Set<number>>, key: string, done: Set<number>): void {
  map.set(key, done);
  for (const old of map.keys()) {
    if (map.size <= REMEMBERED) break;
    map.delete(old);
  }
}

/** A batch by its first and last `log_id` and its length (`undefined` when a log has no id). */
function batchKey(logs: readonly LogEvent[]): string | undefined {
  const first = logs[0]?.log_id;
  const last = logs[logs.length - 1]?.log_id;
  if (typeof first !== 'string' || typeof last !== 'string') return undefined;
  return `${first}\0${last}\0${logs.length}`;
}

/**
 * The failure a batch fails with: a permanent one (no retry can help) before a transient one, and
 * a whole-batch failure before a destination's list of refused logs (which would acknowledge the
 * batch once dead-lettered, though another destination did not store it).
 */
function pick(failures: unknown[]): unknown {
  const whole = failures.filter((f) => rejectedLogs(f) === undefined);
  const pool = whole.length ? whole : failures;
  return pool.find((f) => isPermanentError(f)) ?? pool[0];
}
