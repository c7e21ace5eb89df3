import type { LogEvent, ShippedLog } from '../../types';
import type { Batch } from '../batches';
import type { PagesStop } from '../types';
import { formatLog, type LogFormat } from './format';
import { piiRedactor, type PiiConfig } from './pii';

/** How a run shapes each log before its handler gets it. */
export interface LogShape {
  format: LogFormat;
  /** The personal data to hide; `undefined`: none. */
  pii: PiiConfig | undefined;
}

/**
 * The one transform stage between batching and delivery: hides the `pii` fields, then puts each
 * log in `format`. `undefined` when there is nothing to do (`raw`, no `pii`): logs pass as they are.
 */
export function createShaper(shape: LogShape): ((logs: LogEvent[]) => ShippedLog[]) | undefined {
  const hide = shape.pii && shape.pii.fields.length ? piiRedactor(shape.pii) : undefined;
  if (!hide && shape.format === 'raw') return undefined;
  return (logs) => logs.map((log) => formatLog(hide ? hide(log) : log, shape.format));
}

/**
 * The batches with their logs shaped (see {@link createShaper}); checkpoints, order and the reason
 * the pages stopped unchanged. Every handler, dead letter and `onBatchFailure` sees the shaped logs.
 */
export async function* shapeBatches(
  source: AsyncGenerator<Batch, PagesStop, undefined>,
  shaper: ((logs: LogEvent[]) => ShippedLog[]) | undefined,
): AsyncGenerator<Batch, PagesStop, undefined> {
  if (!shaper) return yield* source;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) return next.value;
      yield { ...next.value, logs: shaper(next.value.logs as LogEvent[]) };
    }
  } finally {
    await source.return('aborted'); // the consumer stopped early: the pages stop too
  }
}
