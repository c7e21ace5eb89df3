import type { LogEvent } from '../types';

/**
 * The ids of logs a destination has stored from batches that failed part way (a batch split into
 * several requests, a bulk answer with some items refused). When the processor retries such a
 * batch, only the logs not yet stored are sent again, so a destination that cannot deduplicate
 * does not receive them twice. Bounded: the oldest ids are forgotten past `limit`.
 */
export class SentLogs {
  readonly #ids = new Set<string>();

  constructor(private readonly limit = 10_000) {}

  /** The logs of `logs` not stored yet (logs without an id are always sent). */
  unsent(logs: readonly LogEvent[]): LogEvent[] {
    return logs.filter((log) => {
      const id = idOf(log);
      return id === undefined || !this.#ids.has(id);
    });
  }

  /** Remembers logs as stored (a part of a batch accepted). */
  add(logs: readonly LogEvent[]): void {
    for (const log of logs) {
      const id = idOf(log);
      if (id === undefined) continue;
      this.#ids.delete(id);
      this.#ids.add(id);
    }
    for (const id of this.#ids) {
      if (this.#ids.size <= this.limit) break;
      this.#ids.delete(id);
    }
  }

  /** Forgets logs once their whole batch is acknowledged. */
  forget(logs: readonly LogEvent[]): void {
    for (const log of logs) {
      const id = idOf(log);
      if (id !== undefined) this.#ids.delete(id);
    }
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.size;
  }
}

/** A log's checkpoint id (`log_id`, or the legacy `_id`). */
export function idOf(log: LogEvent): string | undefined {
  const id = log.log_id ?? log._id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}
