import { logIdOf } from '../auth0/log-id';
import type { LogEvent, ShippedLog } from '../types';

/** Where logs come from: Auth0's push (`stream`) or the API read behind it (`reconcile`). */
export type IntakeSource = 'stream' | 'reconcile';

/** What the intake needs of the shipped-ids record (`ShippedIds`). */
export interface ShippedRecord {
  /** The ids not shipped yet, each once. */
  unshipped(ids: readonly string[]): Promise<string[]>;
  /** Records ids as shipped, durably, before it resolves. */
  record(ids: readonly string[]): Promise<void>;
}

/** What one submission came to, once the destination acknowledged it. */
export interface IntakeResult {
  /** Logs of the submission shipped now. */
  shipped: number;
  /** Logs dropped: already shipped (or repeated within the same group). */
  duplicates: number;
  /** Logs dropped: not of a type {@link IntakeOptions.keeps} ships (never recorded). */
  filtered: number;
}

/** Told after each group the destination acknowledged, once per submission (for metrics). */
export type IntakeListener = (source: IntakeSource, result: IntakeResult) => void;

/** Options of {@link Intake}. */
export interface IntakeOptions {
  /** The destination: resolves once it has stored every log (a `DestinationHandler`). */
  deliver: (logs: LogEvent[]) => Promise<void>;
  /**
   * Which logs are shipped (`categories`: a `LogFilter`'s `keeps`); the others are dropped, their
   * ids not recorded. Absent: every log.
   */
  keeps?: (log: LogEvent) => boolean;
  /**
   * The one shaper of every log shipped, stream or reconciliation (`format`, `pii`: `createShaper`),
   * applied after the duplicates are dropped and before `deliver`; ids are read before it. Absent:
   * logs go as they came.
   */
  shape?: (logs: LogEvent[]) => ShippedLog[];
  shipped: ShippedRecord;
  onShipped?: IntakeListener;
  /**
   * Told after each record of shipped ids is written: `undefined`, or the error (the logs were
   * delivered; a redelivery of them may then be shipped again).
   */
  onRecorded?: (error: unknown) => void;
  /**
   * Submissions waiting together are delivered as one batch (one destination call, one fsync)
   * while their logs stay under this many; one larger submission goes alone.
   * @default 1000
   */
  groupLogs?: number;
}

interface Waiting {
  logs: LogEvent[];
  source: IntakeSource;
  resolve: (result: IntakeResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The one path of every log a receiver ships, from the stream or the reconciler, one group at a
 * time: drop the logs `keeps` refuses and the ids already shipped -> shape the rest -> deliver them
 * to the destination -> record their ids.
 * A submission resolves only after its logs are acknowledged by the destination; it rejects with
 * the destination's error, nothing recorded, when that fails. Submissions that wait while a group
 * is delivered form the next group, so concurrent deliveries share one destination call and one
 * fsync. The ids' record is written (and fsynced) while the next group is delivered; a crash
 * before it is on disk ships those logs again at most once (the engine's "at most the in-flight
 * batch twice").
 */
export class Intake {
  private readonly queue: Waiting[] = [];
  private running: Promise<void> | undefined;
  private readonly groupLogs: number;
  /** Ids delivered whose record is being written. */
  private readonly recording = new Set<string>();
  /** The chain of records being written, in the order of their groups. */
  private recorded: Promise<void> = Promise.resolve();

  constructor(private readonly options: IntakeOptions) {
    this.groupLogs = options.groupLogs ?? 1000;
  }

  /** Ships `logs` exactly once (see the class); each log must have a `log_id`. */
  submit(logs: LogEvent[], source: IntakeSource): Promise<IntakeResult> {
    return new Promise<IntakeResult>((resolve, reject) => {
      this.queue.push({ logs, source, resolve, reject });
      this.running ??= this.drainQueue().finally(() => {
        this.running = undefined;
      });
    });
  }

  /** Resolves once every submission made so far is settled and its ids recorded. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await this.recorded;
  }

  /**
   * Records delivered ids after the records before them, while the next group is delivered: the
   * record's fsync overlaps the destination's. Until written, the ids are held in
   * {@link recording} (so the next groups drop them). A crash before the record is on disk loses
   * only the record: those logs may be shipped again, once (the in-flight batch twice).
   */
  private record(ids: string[]): void {
    for (const id of ids) this.recording.add(id);
    this.recorded = this.recorded
      .then(() => this.options.shipped.record(ids))
      .then(
        () => this.options.onRecorded?.(undefined),
        (error: unknown) => this.options.onRecorded?.(error),
      )
      .finally(() => {
        for (const id of ids) this.recording.delete(id);
      });
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0) {
      // one turn of the event loop: deliveries whose bytes already arrived join this group
      await new Promise<void>((resolve) => setImmediate(resolve));
      const group: Waiting[] = [this.queue.shift() as Waiting];
      let size = group[0]?.logs.length ?? 0;
      while (
        this.queue.length > 0 &&
        size + (this.queue[0] as Waiting).logs.length <= this.groupLogs
      ) {
        const next = this.queue.shift() as Waiting;
        size += next.logs.length;
        group.push(next);
      }
      await this.ship(group);
    }
  }

  private async ship(group: Waiting[]): Promise<void> {
    try {
      const keeps = this.options.keeps ?? (() => true);
      const all = group.flatMap((w) => w.logs.filter(keeps));
      const fresh = new Set(await this.options.shipped.unshipped(all.map(idOf)));
      // delivered, their record still being written: shipped all the same
      for (const id of this.recording) fresh.delete(id);
      const results = group.map(() => ({ shipped: 0, duplicates: 0, filtered: 0 }));
      const logs: LogEvent[] = [];
      group.forEach((waiting, i) => {
        const result = results[i] as IntakeResult;
        for (const log of waiting.logs) {
          const id = idOf(log);
          if (!keeps(log)) result.filtered += 1;
          else if (fresh.delete(id)) {
            logs.push(log);
            result.shipped += 1;
          } else result.duplicates += 1;
        }
      });
      if (logs.length) {
        const ids = logs.map(idOf);
        const { shape } = this.options;
        // a shaped log is handed on as the destinations take it (read as `ShippedLog[]`)
        await this.options.deliver(shape ? (shape(logs) as LogEvent[]) : logs);
        this.record(ids);
      }
      group.forEach((waiting, i) => {
        const result = results[i] as IntakeResult;
        this.options.onShipped?.(waiting.source, result);
        waiting.resolve(result);
      });
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }
}

function idOf(log: LogEvent): string {
  const id = logIdOf(log);
  if (id === undefined) throw new TypeError('A log without log_id reached the intake');
  return id;
}
