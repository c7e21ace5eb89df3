import { errorMessage, isArgumentError } from '../errors';
import { FileStorage } from '../file-storage';
import { ABORTED_WARNING, LogsProcessor } from '../processor';
import type { LogsProcessorOptions, RunProgress } from '../processor-options';
import { Redactor } from '../redact';
import { sleep } from '../retry';
import {
  type Destination,
  type PostTarget,
  fileDestination,
  postDestination,
  streamDestination,
} from './destinations';
import { rate } from './format';
import { type CliIo, EXIT } from './io';
import { ProgressDisplay } from './progress';
import { type ShipSummary, summaryLine } from './summary';

/** Everything `ship` needs, validated (see `shipConfig`). */
export interface ShipConfig {
  domain: string;
  clientId: string;
  clientSecret: string;
  /** PEM of an extra CA to trust. */
  ca?: string;
  destination:
    { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'post'; target: PostTarget };
  /** State file path. */
  state: string;
  logTypes?: string[];
  logLevel?: number;
  batchSize?: number;
  maxRetries?: number;
  /** `Infinity`: until caught up. */
  maxRunTimeSeconds: number;
  startFrom?: string;
  follow: boolean;
  intervalSeconds: number;
  quiet: boolean;
  json: boolean;
}

/** Processor option → the flag that sets it, for usage messages. */
const FLAGS: Record<string, string> = {
  domain: '--domain',
  clientId: '--client-id',
  clientSecret: '--client-secret',
  ca: '--ca-file',
  batchSize: '--batch-size',
  maxRetries: '--max-retries',
  maxRunTimeSeconds: '--max-run-time',
  startFrom: '--start-from',
  logTypes: '--types',
  logLevel: '--level',
};

/** Ships logs as configured; resolves the exit code. Messages never hold the secret. */
export async function shipLogs(config: ShipConfig, io: CliIo): Promise<number> {
  const redactor = new Redactor();
  redactor.add(config.clientSecret);
  if (config.destination.kind === 'post') {
    for (const value of Object.values(config.destination.target.headers)) redactor.add(value);
  }
  const complain = (message: string) =>
    io.stderr.write(redactor.redact(`auth0-log-tools ship: ${message}\n`));

  let destination: Destination;
  try {
    destination = await openDestination(config, io);
  } catch (error) {
    complain(
      `cannot open --out ${config.destination.kind === 'file' ? config.destination.path : ''}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    );
    return EXIT.failed;
  }

  const storage = new FileStorage(config.state);
  const started = Date.now();
  const totals = {
    logs: 0,
    checkpoint: null as string | null,
    newestLogDate: null as string | null,
  };
  let finishedRuns = 0;
  let logsBefore = 0;
  const progress =
    io.isTTY && !config.quiet
      ? new ProgressDisplay(io.stderr, io.columns ? { columns: io.columns } : {})
      : undefined;
  const onProgress = (p: RunProgress) => {
    totals.logs = logsBefore + p.logsProcessed;
    totals.checkpoint = p.checkpoint;
    totals.newestLogDate = p.newestLogDate ?? totals.newestLogDate;
    progress?.update(totals);
  };

  let processor: LogsProcessor;
  try {
    processor = new LogsProcessor(storage, processorOptions(config, onProgress));
    // core: the processor reports bad values through its runs; the CLI refuses them at once.
    if (processor.optionsError) throw processor.optionsError;
  } catch (error) {
    await destination.close();
    complain(isArgumentError(error) ? usageMessage(error) : errorMessage(error));
    return isArgumentError(error) ? EXIT.usage : EXIT.failed;
  }

  progress?.start();
  const signal = io.signal;
  const warnings: string[] = [];
  let startCheckpoint: string | null | undefined;
  let skippedLogs = 0;
  let failure: string | undefined;
  let usage = false;
  let rejected = false; // the storage failed: nothing says the checkpoint was stored
  try {
    for (;;) {
      const { status, checkpoint } = await processor.run(
        (logs) => destination.send(logs),
        signal ? { signal } : {},
      );
      finishedRuns += 1;
      startCheckpoint ??= status.startCheckpoint;
      logsBefore += status.logsProcessed;
      totals.logs = logsBefore;
      const moved = checkpoint !== status.startCheckpoint;
      totals.checkpoint = checkpoint;
      skippedLogs += (status.skipped ?? []).reduce((sum, range) => sum + range.logs, 0);
      const warning = status.warning?.replace(ABORTED_WARNING, '').trim();
      if (warning && !warnings.includes(warning)) warnings.push(warning);
      if (status.error) {
        failure = status.error;
        break;
      }
      if (!config.follow || signal?.aborted) break;
      if (moved) continue; // not caught up yet (the run hit --max-run-time): go on at once
      progress?.setNote(`caught up, next poll in ${config.intervalSeconds}s`);
      await sleep(config.intervalSeconds * 1000, signal);
      if (signal?.aborted) break;
    }
  } catch (error) {
    rejected = true;
    usage = isArgumentError(error);
    failure = usage ? usageMessage(error as Error & { option?: string }) : errorMessage(error);
  } finally {
    progress?.stop();
    await destination.close().catch(() => undefined);
  }

  const durationMs = Date.now() - started;
  const summary: ShipSummary = {
    status: failure !== undefined ? 'failed' : signal?.aborted ? 'stopped' : 'ok',
    logsShipped: logsBefore,
    runs: finishedRuns,
    durationMs,
    logsPerSecond: Math.round(rate(logsBefore, durationMs)),
    destination: destination.label,
    state: storage.path,
    startCheckpoint: startCheckpoint ?? null,
    checkpoint: totals.checkpoint,
    newestLogDate: totals.newestLogDate,
    warnings,
    skippedLogs,
    ...(failure === undefined ? {} : { error: failure }),
  };
  if (failure !== undefined) complain(failure);
  const out = destination.usesStdout ? io.stderr : io.stdout;
  if (config.json) out.write(redactor.redact(`${JSON.stringify(summary)}\n`));
  else if (!config.quiet && !rejected)
    out.write(redactor.redact(`${summaryLine(summary, Date.now())}\n`));
  if (usage) return EXIT.usage;
  return failure === undefined ? EXIT.ok : EXIT.failed;
}

function openDestination(config: ShipConfig, io: CliIo): Promise<Destination> {
  const { destination } = config;
  if (destination.kind === 'post') return Promise.resolve(postDestination(destination.target));
  if (destination.kind === 'file') return fileDestination(destination.path);
  return Promise.resolve(streamDestination(io.stdout));
}

function processorOptions(
  config: ShipConfig,
  onProgress: (p: RunProgress) => void,
): LogsProcessorOptions {
  return {
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    maxRunTimeSeconds: config.maxRunTimeSeconds,
    // a batch the destination did not acknowledge must be sent again, never skipped
    onBatchFailure: 'stop',
    onProgress,
    ...(config.ca === undefined ? {} : { ca: config.ca }),
    ...(config.logTypes === undefined ? {} : { logTypes: config.logTypes }),
    ...(config.logLevel === undefined ? {} : { logLevel: config.logLevel }),
    ...(config.batchSize === undefined ? {} : { batchSize: config.batchSize }),
    ...(config.maxRetries === undefined ? {} : { maxRetries: config.maxRetries }),
    ...(config.startFrom === undefined ? {} : { startFrom: config.startFrom }),
  };
}

/** An `ArgumentError` from the library, reworded to name the flag. */
function usageMessage(error: Error & { option?: string | undefined }): string {
  const flag = error.option ? FLAGS[error.option] : undefined;
  if (!flag) return error.message;
  const named = error.message.split(`\`${error.option}\``).join(flag);
  return named.includes(flag) ? named : `${flag}: ${error.message}`;
}
