import type { Gathered, GatheringHandler, LogEvent } from '../types';

/** Bounds of an object {@link objectGatherer} fills, and its clock. */
export interface ObjectBounds {
  /** Logs an object holds at most. */
  maxLogs: number;
  /** NDJSON bytes (before compression) an object holds at most; a bigger batch is one object. */
  maxBytes: number;
  /** Seconds from an object's first batch until it is due. */
  maxSeconds: number;
  /** The clock, epoch ms. */
  now: () => number;
}

/** An object being filled: its logs, their NDJSON lines, and the promise of its batches. */
interface OpenObject {
  logs: LogEvent[];
  lines: string[];
  bytes: number;
  opened: number;
  /** Keys of the batches in it (see {@link batchKey}): a retried batch is not taken twice. */
  batches: Set<string>;
  stored: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers batches into objects bounded by count, bytes and age, and stores each with `store`
 * (which rejects when it could not). Each batch's `stored` settles with its object's store. An
 * object is stored as soon as a batch brings it to a bound (that `gather` waits for it: memory
 * holds one object), before a batch that would take it past `maxLogs` or `maxBytes`, and by
 * `flush`: `'due'` once it is `maxSeconds` old, `'all'` at once. The same batch gathered again
 * while its object is open or being stored (a retry) is not taken twice.
 */
export function objectGatherer(
  bounds: ObjectBounds,
  store: (logs: LogEvent[], ndjson: string) => Promise<void>,
): GatheringHandler {
  let open: OpenObject | undefined;
  const storing = new Set<OpenObject>();

  const start = (): OpenObject => {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const stored = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    stored.catch(() => undefined); // each batch's handler sees it; none may go unhandled
    return {
      logs: [],
      lines: [],
      bytes: 0,
      opened: bounds.now(),
      batches: new Set(),
      stored,
      resolve,
      reject,
    };
  };

  const storeOpen = async () => {
    const object = open;
    if (!object) return;
    open = undefined;
    storing.add(object);
    try {
      await store(object.logs, object.lines.join(''));
      object.resolve();
    } catch (error) {
      object.reject(error);
    } finally {
      storing.delete(object);
    }
  };

  const full = (object: OpenObject) =>
    object.logs.length >= bounds.maxLogs ||
    object.bytes >= bounds.maxBytes ||
    bounds.now() - object.opened >= bounds.maxSeconds * 1000;

  const gather = async (logs: LogEvent[]): Promise<Gathered> => {
    if (logs.length === 0) return { stored: Promise.resolve() };
    const key = batchKey(logs);
    for (const object of open ? [open, ...storing] : storing)
      if (object.batches.has(key)) return { stored: object.stored };
    const lines = logs.map((log) => `${JSON.stringify(log)}\n`);
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    if (
      open &&
      (open.logs.length + logs.length > bounds.maxLogs || open.bytes + bytes > bounds.maxBytes)
    )
      await storeOpen();
    const object = (open ??= start());
    object.logs.push(...logs);
    object.lines.push(...lines);
    object.bytes += bytes;
    object.batches.add(key);
    if (full(object)) await storeOpen();
    return { stored: object.stored };
  };

  const flush = async (what: 'due' | 'all') => {
    if (open && (what === 'all' || full(open))) await storeOpen();
  };
  return { gather, flush };
}

/** A batch by its first and last `log_id` (or position when it has none) and its length. */
function batchKey(logs: readonly LogEvent[]): string {
  const first = logs[0]?.log_id;
  const last = logs[logs.length - 1]?.log_id;
  return `${String(first)}\0${String(last)}\0${logs.length}`;
}
