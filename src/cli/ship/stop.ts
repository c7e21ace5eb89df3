import type { RunStatus, StopReason, StopRequest, StorageContext, StorageLock } from '../../types';

/** What the summary says of a run stopped at the logs that existed when `ship` started. */
export const REACHED_START_NOTE =
  "stopped at the logs dated from when ship started (by the tenant's clock); newer ones are left for the next run";

/** `Date` headers hold whole seconds: the offset measured from them is known to within 1 s. */
export const DATE_HEADER_RESOLUTION_MS = 1000;

/**
 * When `ship` started in the tenant's clock (epoch ms): `startedAt` (this machine's clock) moved by
 * the offset the client measured from the `Date` headers of the tenant's answers (`tenantNow` and
 * `now` read together), at the end of the second that offset is known to (the client's estimate is
 * its lower bound): in doubt a run ships a little further, never stops before a log that existed.
 * Never this machine's clock alone: one an hour behind the tenant's would end every run after one
 * batch, one ahead would chase new logs.
 */
export function tenantStart(startedAt: number, tenantNow: number, now: number): number {
  return startedAt + (tenantNow - now) + DATE_HEADER_RESOLUTION_MS;
}

/** What the history says of a run stopped because the reader closed stdout (`ship | head`). */
export const READER_CLOSED_WARNING = 'Stopped: stdout was closed by its reader.';

/**
 * The abort reason of a run that `ship` without `--follow` stopped once it had shipped the logs
 * that existed when the command started: the run records itself as caught up.
 */
export const REACHED_START: StopRequest = Object.freeze({ stopReason: 'caught_up' });

/**
 * The abort reason of a run stopped because the reader of stdout went away: the run records
 * `aborted` with {@link READER_CLOSED_WARNING}.
 */
export const READER_CLOSED: StopRequest = Object.freeze({
  stopReason: 'aborted',
  warning: READER_CLOSED_WARNING,
});

/**
 * The storage as each run sees it while the command holds its lock: reads and writes go to the
 * storage; a run's own `lock()` is the command's (released by the command, not the run).
 */
export function heldStorage(storage: StorageContext, lock: StorageLock): StorageContext {
  return {
    read: () => storage.read(),
    write: (data) => storage.write(data),
    lock: () => Promise.resolve({ lost: lock.lost, release: () => Promise.resolve() }),
  };
}

/**
 * Why one run stopped: the processor's `stopReason`, or (from a processor that does not set it)
 * what its status shows.
 */
export function runStopReason(
  status: RunStatus,
  signal: AbortSignal,
  movedPastRunTime: boolean,
): StopReason {
  if (status.stopReason) return status.stopReason;
  if (status.error) return 'failed';
  if (signal.aborted) return 'aborted';
  if (status.warnings?.some((warning) => warning.code === 'rate_limit')) return 'rate_limit';
  return movedPastRunTime ? 'max_run_time' : 'caught_up';
}

/**
 * A run's signal: aborts as soon as one of `sources` does, with that source's `reason` when one is
 * given (a {@link StopRequest}), else with the source signal's own reason. `dispose()` removes the
 * listeners once the run is over.
 */
export function runSignal(sources: ReadonlyArray<{ signal: AbortSignal; reason?: unknown }>): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const listeners = sources.map(({ signal, reason }) => {
    const abort = () => controller.abort(reason ?? signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    return () => signal.removeEventListener('abort', abort);
  });
  return {
    signal: controller.signal,
    dispose: () => listeners.forEach((remove) => remove()),
  };
}
