import { EARLIEST_LOG_MS, logIdAt, logIdTime } from '../auth0/log-id';
import { errorMessage } from '../errors';
import { LogsProcessor } from '../processor';
import type { LogsProcessorOptions } from '../options/processor';
import type { Timing } from '../pipeline/retry';
import type { LogEvent, RunStatus, StorageContext } from '../types';
import type { IntakeResult } from './intake';

/** Defaults of {@link Reconciler} (seconds). */
export const RECONCILE_DEFAULTS = Object.freeze({
  /** Between the ends of two reconciliations. */
  intervalSeconds: 300,
  /** How old a log must be (by the time its id holds) before the API read fills it in. */
  settleSeconds: 600,
});

/** What one reconciliation did. */
export interface ReconcileResult {
  /** The reconciled point after it: every log up to it is shipped, by the stream or the API. */
  checkpoint: string | null;
  /** Logs the stream had not delivered, shipped from the API. */
  filled: number;
  /**
   * Seconds between the tenant's clock and the time up to which every log is shipped: the bound
   * (now minus settle) when the run caught up, else the time the checkpoint holds.
   */
  lagSeconds: number | undefined;
  /** The processor's status of the run (its `error` when it failed). */
  status: RunStatus;
}

/** Options of {@link Reconciler}. */
export interface ReconcilerOptions {
  /** Where the reconciled point is stored, as a checkpoint (the receiver's state). */
  storage: StorageContext;
  /** The tenant's credentials and the processor's options (`ca`, `batchSize`, `maxRetries`). */
  processor: Omit<LogsProcessorOptions, 'onProgress' | 'maxRunTimeSeconds' | 'startFrom'>;
  /** Where to start with no reconciled point: a log id or a date; absent: the oldest log kept. */
  startFrom?: string;
  /** Ships logs through the receiver's intake (dropping those the stream already shipped). */
  submit: (logs: LogEvent[]) => Promise<IntakeResult>;
  /** @default RECONCILE_DEFAULTS.settleSeconds * 1000 */
  settleMs?: number;
  /** @default RECONCILE_DEFAULTS.intervalSeconds * 1000 */
  intervalMs?: number;
  timing: Timing;
  /** Told after each reconciliation. */
  onReconciled?: (result: ReconcileResult) => void;
}

/**
 * Reads the tenant's logs from the Management API behind the stream and ships, through the same
 * intake, every log the stream did not deliver. Each reconciliation is a `LogsProcessor` run from
 * the reconciled point (stored as the state's checkpoint, so a receiver that was down catches up
 * from there) up to the logs younger than the settle time (`until`: the id synthesised from the
 * tenant's now minus `settle`, by the time ids hold): the stream has had that long to deliver
 * them. With no stream at all every log is still shipped, `settle` late. A `--start-from` date is read as the id
 * synthesised from it (`logIdAt`), so the first read is a checkpoint read, not a search.
 */
export class Reconciler {
  private readonly processor: LogsProcessor;
  private readonly settleMs: number;
  private readonly intervalMs: number;

  constructor(private readonly options: ReconcilerOptions) {
    this.settleMs = options.settleMs ?? RECONCILE_DEFAULTS.settleSeconds * 1000;
    this.intervalMs = options.intervalMs ?? RECONCILE_DEFAULTS.intervalSeconds * 1000;
    const start = options.startFrom;
    const at = start === undefined || /^\d{56}$/.test(start) ? NaN : Date.parse(start);
    this.processor = new LogsProcessor(options.storage, {
      ...options.processor,
      maxRunTimeSeconds: Infinity,
      ...(start === undefined ? {} : { startFrom: Number.isNaN(at) ? start : logIdAt(at) }),
    });
  }

  /** A bad option of the processor (reported at once by the command). */
  get optionsError(): Error | undefined {
    return this.processor.optionsError;
  }

  /** The time (tenant's clock, epoch ms) before which logs are reconciled. */
  private bound(): number {
    return this.processor.tenantNow() - this.settleMs;
  }

  /** One reconciliation; never rejects (a failure is in `status.error`). */
  async once(signal?: AbortSignal): Promise<ReconcileResult> {
    let filled = 0;
    const handler = async (logs: LogEvent[]) => {
      filled += (await this.options.submit(logs)).shipped;
    };
    const bound = Math.max(EARLIEST_LOG_MS, this.bound());
    const { status, checkpoint } = await this.processor.run(handler, {
      until: logIdAt(bound),
      ...(signal ? { signal } : {}),
    });
    // caught up: every log before the bound is shipped; otherwise up to the checkpoint
    const through =
      status.error || status.stopReason !== 'caught_up'
        ? checkpoint === null
          ? undefined
          : logIdTime(checkpoint)
        : bound;
    const lagSeconds =
      through === undefined
        ? undefined
        : Math.max(0, Math.round((this.processor.tenantNow() - through) / 1000));
    const result = { checkpoint, filled, lagSeconds, status };
    this.options.onReconciled?.(result);
    return result;
  }

  /**
   * Reconciles at once, then every `intervalMs` after each ends, until `signal` aborts; resolves
   * then. A failed reconciliation is told to `onReconciled` and tried again at the next interval.
   */
  async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.once(signal).catch((error: unknown) => {
        this.options.onReconciled?.({
          checkpoint: null,
          filled: 0,
          lagSeconds: undefined,
          status: { error: errorMessage(error) } as RunStatus,
        });
      });
      if (signal.aborted) break;
      await this.options.timing.sleep(this.intervalMs, signal);
    }
  }
}
