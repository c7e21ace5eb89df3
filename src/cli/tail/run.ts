import { LogsProcessor } from '../../processor';
import type { LogsProcessorOptions } from '../../options/processor';
import { MemoryStorage } from '../../storage/memory';
import { systemTiming, type Timing } from '../../pipeline/retry';
import type { LogEvent } from '../../types';
import { type CliIo, EXIT, writeAsync } from '../io';
import { READER_CLOSED, runSignal } from '../ship/stop';
import { usageMessage } from '../ship/usage';
import { failureAdvice, isConfigurationFailure, statusFacts } from '../ship/advice';
import { logLine, useColour, type LineStyle } from './line';

/** Everything `tail` needs, validated (see `tailConfig`). */
export interface TailConfig {
  domain: string;
  clientId: string;
  clientSecret: string;
  /** PEM of an extra CA to trust. */
  ca?: string;
  logTypes?: string[];
  logLevel?: number;
  /** Where the logs start: `--since` as an ISO date. */
  startFrom?: string;
  /** Where they end without `--follow` (the processor's `until`): when `tail` started. */
  until?: string;
  follow: boolean;
  intervalSeconds: number;
  /** NDJSON instead of lines. */
  json: boolean;
}

/**
 * Shows the logs as configured; resolves the exit code: 0 done (or stopped by a signal, or stdout
 * closed by its reader), 1 a run failed (with `--follow`: only a permanent failure; others are
 * said on stderr and polled again), 2 an option the library refuses. The checkpoint lives in
 * memory only: no state is read or written.
 */
export async function tailLogs(config: TailConfig, io: CliIo): Promise<number> {
  const timing: Timing = { ...systemTiming, ...io.timing };
  const stop = new AbortController();
  const abort = () => stop.abort();
  if (io.signal?.aborted) abort();
  io.signal?.addEventListener('abort', abort, { once: true });
  const style: LineStyle = {
    width: io.stdoutIsTTY === true ? Math.max(80, io.columns ?? 80) : 80,
    colour: useColour(io.stdoutIsTTY, io.env),
  };
  let shown = 0;
  const show = async (logs: LogEvent[]) => {
    if (logs.length === 0) return;
    shown += logs.length;
    const text = logs
      .map((log) => (config.json ? JSON.stringify(log) : logLine(log, style)))
      .join('\n');
    try {
      await writeAsync(io.stdout, `${text}\n`);
    } catch {
      stop.abort(READER_CLOSED); // `tail | head`: the reader went away, nothing more to show
    }
  };
  const processor = new LogsProcessor(new MemoryStorage(), processorOptions(config, timing));
  try {
    if (processor.optionsError) {
      io.stderr.write(`auth0-log-tools tail: ${usageMessage(processor.optionsError)}\n`);
      return EXIT.usage;
    }
    for (;;) {
      const run = runSignal([{ signal: stop.signal }]);
      const { status } = await processor.run(show, { signal: run.signal }).finally(run.dispose);
      if (stop.signal.aborted) return EXIT.ok;
      if (status.error) {
        // ship's advice, less its "run again to resume": tail has no checkpoint to resume from
        const advice = failureAdvice({
          message: status.error,
          permanent: true,
          ...statusFacts(status),
        });
        io.stderr.write(`auth0-log-tools tail: ${status.error}${advice ? `; ${advice}` : ''}\n`);
        // with --follow, only what waiting cannot fix ends it (ship --follow's rule)
        if (!config.follow || status.permanent === true || isConfigurationFailure(status))
          return EXIT.failed;
      }
      if (!config.follow) {
        // nothing to show, on a terminal: say what was looked at rather than nothing at all
        if (shown === 0 && io.isTTY)
          io.stderr.write(
            `auth0-log-tools tail: no logs dated from ${config.startFrom ?? 'the oldest'} to ${config.until ?? 'now'}\n`,
          );
        return EXIT.ok;
      }
      await timing.sleep(config.intervalSeconds * 1000, stop.signal);
      if (stop.signal.aborted) return EXIT.ok;
    }
  } finally {
    io.signal?.removeEventListener('abort', abort);
  }
}

function processorOptions(config: TailConfig, timing: Timing): LogsProcessorOptions {
  return {
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    maxRunTimeSeconds: Infinity,
    // a page the terminal did not take is shown again, never skipped
    onBatchFailure: 'stop',
    maxRetries: 5,
    now: timing.now,
    sleep: timing.sleep,
    random: timing.random,
    ...(config.ca === undefined ? {} : { ca: config.ca }),
    ...(config.logTypes === undefined ? {} : { logTypes: config.logTypes }),
    ...(config.logLevel === undefined ? {} : { logLevel: config.logLevel }),
    ...(config.startFrom === undefined ? {} : { startFrom: config.startFrom }),
    ...(config.until === undefined ? {} : { until: config.until }),
  };
}
