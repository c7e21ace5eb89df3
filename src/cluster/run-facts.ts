import os from 'node:os';
import type { RunResult, RunStatus, StopReason } from '../types';
import type { RunRecord } from './run-record';

/** The figures of a {@link RunRecord} that a run's result gives (serve's worker, `ship --follow`). */
export type RunFacts = { stopReason: StopReason } & Pick<
  RunRecord,
  | 'logsProcessed'
  | 'checkpoint'
  | 'warnings'
  | 'logsSkipped'
  | 'skippedRanges'
  | 'logsDeadLettered'
  | 'lagSeconds'
>;

/**
 * The record's figures of a run: from its `result`, or (the run threw: no result) `shipped` logs
 * and `stopReason: 'failed'`. `newestMs` is the `date` of the newest log shipped (epoch ms; `NaN`
 * when none was) and `nowMs` the clock's reading at the end: `lagSeconds` is their difference.
 * Skipped ranges exclude the dead-lettered ones (those are counted in `logsDeadLettered`).
 */
export function runFacts(
  result: RunResult | undefined,
  shipped: number,
  newestMs: number,
  nowMs: number,
): RunFacts {
  const status = result?.status;
  const facts: RunFacts = {
    logsProcessed: status?.logsProcessed ?? shipped,
    stopReason: status?.stopReason ?? 'failed',
  };
  if (result) facts.checkpoint = result.checkpoint;
  if (status?.warnings?.length) facts.warnings = status.warnings;
  const skippedRanges = (status?.skipped ?? []).filter((r) => !r.deadLettered);
  if (skippedRanges.length) {
    facts.logsSkipped = skippedRanges.reduce((sum, r) => sum + r.logs, 0);
    facts.skippedRanges = skippedRanges.map(({ fromCheckpoint, toCheckpoint, logs }) => ({
      fromCheckpoint,
      toCheckpoint,
      logs,
    }));
  }
  if (status?.logsDeadLettered) facts.logsDeadLettered = status.logsDeadLettered;
  if (Number.isFinite(newestMs)) facts.lagSeconds = Math.max(0, (nowMs - newestMs) / 1000);
  return facts;
}

/** A failed run's `error` and, when it has one, `errorCode` (`undefined` when it did not fail). */
export function statusFailure(
  status: RunStatus | undefined,
): Pick<RunRecord, 'error' | 'errorCode'> | undefined {
  if (status?.error === undefined) return undefined;
  return {
    error: status.error,
    ...(status.errorCode === undefined ? {} : { errorCode: status.errorCode }),
  };
}

/** The `worker` of a record when none is given: this process, as `host:pid`. */
export function processWorkerId(): string {
  return `${os.hostname()}:${process.pid}`;
}
