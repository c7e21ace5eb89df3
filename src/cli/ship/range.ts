import { isArgumentError } from '../../errors';
import { isLogId, LOG_ID_LENGTH } from '../../auth0/log-id';
import { checkpointOption, START_FROM_MAX_AHEAD_MS, untilOption } from '../../options/paging';
import { checkDate } from '../../options/client';
import { UsageError } from '../io';

/** `--since` and `--until` as given, with the flags they are checked against. */
export interface RangeFlags {
  since?: string | undefined;
  until?: string | undefined;
  /** `--start-from`, when the command has it: `--since` says the same, so not both. */
  startFrom?: string | undefined;
  follow: boolean;
}

/** The processor's `startFrom` and `until` a range's flags come to (absent: not set). */
export interface RangeOptions {
  startFrom?: string;
  until?: string;
}

/**
 * The end of a range that has none (`--since` with `--follow`): the last day an id can hold, so
 * that the range's date filter keeps its start exact while the logs keep coming.
 */
export const OPEN_END = '9999-12-30T00:00:00.000Z';

const DURATION = /^(\d+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: an ISO 8601 date (without an offset, UTC), or a duration before `now` (epoch ms):
 * `45s`, `30m`, `6h`, `2d`. Resolves to an ISO date; at most a day ahead of `now` (the rule of
 * `--start-from`, {@link START_FROM_MAX_AHEAD_MS}).
 * @throws {UsageError} naming `--since` and the forms it takes.
 */
export function sinceDate(value: string, now: number): string {
  const duration = DURATION.exec(value.trim());
  if (duration)
    return new Date(
      now - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number),
    ).toISOString();
  let at: number | undefined;
  try {
    if (!isLogId(value) && checkpointOption('since', value, true) !== null)
      at = checkDate(value, 'since').getTime();
  } catch (error) {
    if (!isArgumentError(error)) throw error;
  }
  if (at === undefined)
    throw new UsageError(
      `Expected --since to be an ISO date (2026-03-04T10:00:00Z) or a time before now (30m, 6h, 2d), got '${value}'`,
    );
  if (at > now + START_FROM_MAX_AHEAD_MS)
    throw new UsageError(
      `Expected --since to be a date in the past (at most a day ahead of this machine's clock, ${new Date(now).toISOString()}), got '${value}'`,
    );
  return new Date(at).toISOString();
}

/**
 * The processor options of `--since` and `--until`: `startFrom` from `--since` (or
 * `--start-from`), `until` as given (a time before `now`, `1h`, made a date as for `--since`); without `--until`, `--since` ends at `now` (ship would stop
 * there anyway), or with `--follow` at {@link OPEN_END}: exact by date at its start. Refuses `--since` with
 * `--start-from`, `--until` with `--follow`, and an `--until` not after the start.
 * @throws {UsageError} naming the flags and what to write.
 */
export function rangeOptions(flags: RangeFlags, now: number): RangeOptions {
  const { since, startFrom, follow } = flags;
  if (since !== undefined && startFrom !== undefined)
    throw new UsageError(
      '--since and --start-from both say where to start; pass one (--since for a date or a time before now, --start-from for a log id)',
    );
  if (flags.until !== undefined && follow)
    throw new UsageError('--until ends the run at a point; pass --until or --follow, not both');
  const start = since === undefined ? startFrom : sinceDate(since, now);
  // a time before now (`1h`), as --since takes it: the date that long before `now`
  const duration = flags.until === undefined ? null : DURATION.exec(flags.until.trim());
  const until = duration
    ? new Date(now - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number)).toISOString()
    : flags.until;
  if (until === undefined) {
    if (since === undefined) return start === undefined ? {} : { startFrom: start };
    if (!follow && Date.parse(start as string) >= now)
      throw new UsageError(
        `--since ${since} is not before now (this machine's clock, ${new Date(now).toISOString()}): no log is dated in the range yet; give a time in the past, or --follow to wait for them`,
      );
    return { startFrom: start as string, until: follow ? OPEN_END : new Date(now).toISOString() };
  }
  try {
    checkpointOption('until', until, true);
    checkDate(isLogId(until) ? '1970-01-01' : until, 'until');
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    throw new UsageError(
      `Expected --until to be an ISO date (2026-03-04T14:00:00Z), a time before now (30m, 6h, 2d) or a log id (${LOG_ID_LENGTH} digits), got '${until}'`,
    );
  }
  try {
    if (isCheckpoint(start)) untilOption(until, start ?? null);
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    const flag = since === undefined ? '--start-from' : '--since';
    throw new UsageError(
      `--until ${until} is not after ${flag} ${start as string}: give an --until later than where the range starts`,
    );
  }
  return { ...(start === undefined ? {} : { startFrom: start }), until };
}

/** True for an absent start or a valid one (a bad `--start-from` is the library's to refuse). */
function isCheckpoint(value: string | undefined): boolean {
  try {
    checkpointOption('startFrom', value, true);
    return true;
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    return false;
  }
}
