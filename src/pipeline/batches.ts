import { logIdOf } from '../auth0/log-id';
import type { CheckedPage, PagesStop } from './types';
import type { LogEvent, ShippedLog } from '../types';

/** A run of consecutive logs handed to the handler at once, with the checkpoints around it. */
export interface Batch {
  /** Position in the run, from 0 (batches held over from an earlier run first). */
  seq: number;
  /** Its logs, in `log_id` order: as the API returned them, or shaped (`shapeBatches`). */
  logs: ShippedLog[];
  /** Checkpoint before the batch. */
  fromCheckpoint: string | null;
  /** Checkpoint after it: past its last log, and past logs filtered out up to there. */
  toCheckpoint: string | null;
}

/**
 * Cuts pages into batches of exactly `size` logs (the last may be smaller, or empty when only
 * filtered-out logs remain but the checkpoint moved). A page is split at a log boundary, so the
 * checkpoint of a batch never passes a log that is not in it. Returns why the pages stopped.
 * `firstSeq` numbers the first batch (after batches a run took over from an earlier one).
 */
export async function* batches(
  pages: AsyncGenerator<CheckedPage, PagesStop, undefined>,
  size: number,
  start: string | null,
  firstSeq = 0,
): AsyncGenerator<Batch, PagesStop, undefined> {
  let seq = firstSeq;
  let from = start;
  let logs: LogEvent[] = [];
  let to = start;
  let stop: PagesStop;
  for (;;) {
    const next = await pages.next();
    if (next.done) {
      stop = next.value;
      break;
    }
    const page = next.value;
    let offset = 0;
    while (page.logs.length - offset > size - logs.length) {
      const cut = offset + size - logs.length;
      const lastId = logIdOf(page.logs[cut - 1] as LogEvent);
      if (!lastId) break;
      logs = logs.concat(page.logs.slice(offset, cut));
      yield { seq: seq++, logs, fromCheckpoint: from, toCheckpoint: lastId };
      from = lastId;
      logs = [];
      offset = cut;
    }
    logs = offset === 0 && logs.length === 0 ? page.logs : logs.concat(page.logs.slice(offset));
    to = page.checkpoint ?? to;
    if (logs.length >= size) {
      yield { seq: seq++, logs, fromCheckpoint: from, toCheckpoint: to };
      from = to;
      logs = [];
    }
  }
  if (logs.length > 0 || to !== from)
    yield { seq: seq++, logs, fromCheckpoint: from, toCheckpoint: to };
  return stop;
}
