import { compareLogIds, EARLIEST_LOG_MS, isLogId, logIdOf, logIdTime } from '../auth0/log-id';
import type { LogEvent } from '../types';

/**
 * What backfill checks before it trusts ids synthesised from dates (see `backfillPages`): the
 * checkpoint decodes to a plausible date, the tenant answers a synthesised `from` as the ids say it
 * should, and every slice starts at the very log the slice before it stopped at.
 */

/** A reason to stop trusting ids synthesised from dates: the backfill drops back to one cursor. */
export class BackfillAnomaly extends Error {
  override name = 'BackfillAnomaly';
}

/** The earliest date a checkpoint may decode to and be believed (Auth0 keeps logs 1 to 30 days). */
export const EARLIEST_PLAUSIBLE_MS = EARLIEST_LOG_MS;
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

/**
 * What a slice's first answer (to its synthesised `from`) holds: `first`, the first id above
 * `from` (`null`: none), and `replayed`, the logs at or below `from`. Logs without a 56-digit id
 * are skipped here (the page's own check refuses them).
 */
export function openingOf(
  from: string,
  logs: LogEvent[],
): { first: string | null; replayed: number } {
  let replayed = 0;
  for (const log of logs) {
    const id = logIdOf(log);
    if (!isLogId(id)) continue;
    if (compareLogIds(id, from) > 0) return { first: id, replayed };
    replayed += 1;
  }
  return { first: null, replayed };
}

/**
 * The first id in `logs` above `from` and at or past `until` (where a slice's cursor stops: the
 * first log of the next slice), or `undefined` when there is none.
 */
export function firstAtOrPast(
  logs: LogEvent[],
  from: string | null,
  until: string,
): string | undefined {
  for (const log of logs) {
    const id = logIdOf(log);
    if (!isLogId(id) || compareLogIds(id, until) < 0) continue;
    if (from === null || compareLogIds(id, from) > 0) return id;
  }
  return undefined;
}

/**
 * Checks a slice's first answer to its synthesised `from` (the id just below the bound written at
 * `startMs`, epoch ms): no log at or below `from` (a bound not honoured), and a first log written at
 * or after the bound. Returns the anomaly, or `undefined`.
 */
export function openingAnomaly(
  from: string,
  startMs: number,
  opening: { first: string | null; replayed: number },
): string | undefined {
  if (opening.replayed > 0)
    return `the tenant answered from=${from} with ${opening.replayed} logs at or below it (a bound not honoured)`;
  const at = opening.first === null ? undefined : logIdTime(opening.first);
  if (opening.first !== null && (at === undefined || at < startMs))
    return `the tenant answered from=${from} with log_id ${opening.first}, written before the bound`;
  return undefined;
}

/**
 * Checks a seam: the slice before stopped at `seam`, the first id at or past `bound` it read
 * (`null`: it caught up on an empty page, there was none); the next slice's first answer, from
 * `from` (just below `bound`), starts at `opening` (`null`: empty). They must be the same log:
 * another one means logs skipped (a `from` answered too late) or logs the slice before did not
 * see. Returns the anomaly, or `undefined`.
 */
export function seamAnomaly(
  bound: string,
  from: string,
  seam: string | null,
  opening: string | null,
): string | undefined {
  if (seam === opening) return undefined;
  if (seam === null)
    return `the tenant answered from=${from} with log_id ${String(opening)}, but the slice before found no log at or past ${bound} (ids out of order at a seam)`;
  if (opening === null)
    return `the tenant answered from=${from} with no logs, but the slice before found log_id ${seam} at or past it (logs skipped at a seam)`;
  return compareLogIds(opening, seam) > 0
    ? `the tenant answered from=${from} starting at log_id ${opening}, past log_id ${seam}, the first at or past the bound (logs skipped at a seam)`
    : `the tenant answered from=${from} starting at log_id ${opening}, below log_id ${seam}, the first the slice before found at or past the bound (ids out of order at a seam)`;
}
