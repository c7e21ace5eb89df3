import { compareLogIds, logIdOf, logIdTime } from './log-id';
import type { LogEvent } from './types';

/**
 * What backfill checks before it trusts ids synthesised from dates (see `backfillPages`): the
 * checkpoint decodes to a plausible date, and the tenant answers a synthesised `from` as the ids
 * say it should.
 */

/** A reason to stop trusting ids synthesised from dates: the backfill drops back to one cursor. */
export class BackfillAnomaly extends Error {
  override name = 'BackfillAnomaly';
}

/** The earliest date a checkpoint may decode to and be believed (Auth0 keeps logs 1 to 30 days). */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2013, 0, 1);
/** How far a checkpoint may be ahead of the tenant's clock and be believed. */
export const FUTURE_SLACK_MS = 24 * 3600 * 1000;

/**
 * Plans a backfill from `checkpoint`, or says why not: `warn` when something looks wrong (a
 * checkpoint that does not decode to a plausible date), nothing when the backlog is too short.
 */
export function planBackfill(
  checkpoint: string,
  tenantNow: number,
  horizonMs: number,
): { startMs: number; horizon: number } | { skip: string; warn?: boolean } {
  const startMs = logIdTime(checkpoint);
  if (startMs === undefined)
    return { skip: `the checkpoint ${checkpoint} does not decode to a date`, warn: true };
  if (startMs < EARLIEST_PLAUSIBLE_MS || startMs > tenantNow + FUTURE_SLACK_MS)
    return {
      skip: `the checkpoint ${checkpoint} decodes to an implausible date (${new Date(startMs).toISOString()})`,
      warn: true,
    };
  const horizon = Math.floor((tenantNow - horizonMs) / 1000) * 1000;
  if (horizon - startMs < 2000) return { skip: 'the checkpoint is within the horizon' };
  return { startMs, horizon };
}

/**
 * Checks the answer to `from=<bound>&take=1`: its first log's id must be above the bound and
 * decode to a time at or after the bound's. Returns the anomaly, or `undefined`.
 */
export function probeAnomaly(bound: string, logs: LogEvent[]): string | undefined {
  const first = logs[0];
  if (!first) return undefined;
  const id = logIdOf(first);
  const boundMs = logIdTime(bound) as number;
  if (id === undefined || compareLogIds(id, bound) <= 0)
    return `the tenant answered from=${bound} with log_id ${String(id)}, not above it`;
  const at = logIdTime(id);
  if (at === undefined) return `the tenant's log_id ${id} does not decode to a date`;
  if (at < boundMs)
    return `the tenant answered from=${bound} with log_id ${id}, written before the bound`;
  return undefined;
}
