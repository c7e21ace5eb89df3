import type { RunRecord } from '../cluster/run-record';
import { formatDuration } from './format';

/**
 * One run as a `--log-format text` line (serve, `ship --follow`): the tenant, what it shipped
 * (so far, while in progress), the lag, skipped ranges, warnings, the error, the next try.
 */
export function textLine(run: RunRecord): string {
  if (run.skipped) return `${run.time} ${run.tenant}: skipped (${run.skipped})`;
  const state = run.inProgress ? 'so far, catching up' : run.stopReason;
  const parts = [`${run.time} ${run.tenant}: ${run.logsProcessed} logs shipped, ${state}`];
  if (run.lagSeconds !== undefined) parts.push(`lag ${formatDuration(run.lagSeconds * 1000)}`);
  if (run.destinations)
    parts.push(
      `each destination: ${run.destinations.map((d) => `${d.destination} ${d.logs} logs`).join(', ')}`,
    );
  if (run.takeover) parts.push(`lease taken over (fencing token ${run.fencingToken})`);
  if (run.logsDeadLettered) parts.push(`${run.logsDeadLettered} logs refused, in the dead letter`);
  const skipped = (run.skippedRanges ?? [])
    .map((r) => `${r.fromCheckpoint ?? '(start)'}..${r.toCheckpoint ?? '(start)'}`)
    .join(', ');
  if (run.logsSkipped)
    parts.push(`skipped ${run.logsSkipped} logs (ids after ${skipped}), not retried`);
  for (const warning of run.warnings ?? []) parts.push(`warning: ${warning.message}`);
  if (run.error) parts.push(`error: ${run.error}`);
  // a skipped batch is gone: the next run starts after it, it does not retry it
  if (run.retryInSeconds !== undefined)
    parts.push(`${run.logsSkipped ? 'next run' : 'retrying'} in ${run.retryInSeconds} s`);
  return parts.join('; ');
}
