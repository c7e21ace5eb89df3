import { promises as fs } from 'node:fs';
import path from 'node:path';
import { logIdAt, logIdTime } from '../auth0/log-id';
import { syncFolder } from '../util/sync-folder';
import { LogIdSet } from './packed-ids';

/** Defaults of {@link ShippedIds}: the span of one record file, and how many stay in memory. */
export const SHIPPED_IDS_DEFAULTS = Object.freeze({
  /** One file per hour of log ids (by the time an id holds, UTC). */
  spanMs: 3_600_000,
  /** Spans kept in memory at once (the newest used); others are read again when asked. */
  loadedSpans: 4,
});

/** Options of {@link ShippedIds.open}. */
export interface ShippedIdsOptions {
  /** The folder of the span files (created, mode 0700), e.g. `<state>.shipped`. */
  folder: string;
  /** Spans older than this (by `now`) are deleted: the tenant no longer keeps their logs. */
  retentionMs: number;
  /** Clock (epoch ms). @default Date.now */
  now?: () => number;
  /** @default SHIPPED_IDS_DEFAULTS.spanMs */
  spanMs?: number;
  /** @default SHIPPED_IDS_DEFAULTS.loadedSpans */
  loadedSpans?: number;
}

/** One span's record: the ids in memory (packed: about 22 bytes an id) and the file they are appended to. */
interface Span {
  ids: LogIdSet;
  /** The file ends without a newline (a write cut by a crash): the next write starts one. */
  torn: boolean;
  created: boolean;
}

/** What `status` shows of a record of shipped ids. */
export interface ShippedIdsSummary {
  /** Each span on disk: its start (ISO date) and the ids recorded in it, oldest first. */
  spans: Array<{ start: string; ids: number }>;
  /** Ids recorded in all spans. */
  ids: number;
  /** The greatest id recorded (the newest log shipped), or `null`. */
  newestLogId: string | null;
}

const SPAN_FILE = /^(\d{14})\.ids$/;

/** The folder of a `receive` state's shipped ids: beside the state file, `<state>.shipped`. */
export function shippedIdsFolder(state: string): string {
  return `${state}.shipped`;
}

/**
 * The log ids a receiver has shipped, per time span (ids carry their time: `logIdTime`), one file
 * of newline-separated ids per span in `folder`. Bounded: spans older than `retentionMs` are
 * deleted ({@link prune}) and at most `loadedSpans` spans are held in memory, each packed (a
 * `LogIdSet`: about 22 bytes an id; a redelivery of an older log reads its span's file again). Survives restarts: {@link record} appends and fsyncs
 * before it resolves. One {@link record} at a time (the intake chains them); {@link unshipped}
 * may run beside it.
 */
export class ShippedIds {
  private readonly spans = new Map<number, Span>();
  private readonly spanMs: number;
  private readonly loadedSpans: number;
  private readonly now: () => number;

  private constructor(private readonly options: ShippedIdsOptions) {
    this.spanMs = options.spanMs ?? SHIPPED_IDS_DEFAULTS.spanMs;
    this.loadedSpans = options.loadedSpans ?? SHIPPED_IDS_DEFAULTS.loadedSpans;
    this.now = options.now ?? Date.now;
  }

  /** Opens (creating) the folder and deletes the spans past retention. */
  static async open(options: ShippedIdsOptions): Promise<ShippedIds> {
    await fs.mkdir(options.folder, { recursive: true, mode: 0o700 });
    const ids = new ShippedIds(options);
    await ids.prune();
    return ids;
  }

  /** The ids of `ids` not shipped yet, each once, in their order. */
  async unshipped(ids: readonly string[]): Promise<string[]> {
    const fresh: string[] = [];
    const seen = new Set<string>();
    let start = NaN;
    let span: Span | undefined;
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const of = this.spanOf(id);
      if (of !== start || span === undefined) {
        start = of;
        span = this.spans.get(of) ?? (await this.span(of));
      }
      if (!span.ids.has(id)) fresh.push(id);
    }
    return fresh;
  }

  /** Records `ids` as shipped: appended to their spans' files and fsynced before it resolves. */
  async record(ids: readonly string[]): Promise<void> {
    const bySpan = new Map<number, string[]>();
    for (const id of ids) {
      const start = this.spanOf(id);
      const list = bySpan.get(start);
      if (list) list.push(id);
      else bySpan.set(start, [id]);
    }
    let created = false;
    await Promise.all(
      [...bySpan].map(async ([start, list]) => {
        const span = await this.span(start);
        const text = `${span.torn ? '\n' : ''}${list.join('\n')}\n`;
        const handle = await fs.open(this.file(start), 'a', 0o600);
        try {
          await handle.write(text);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        span.torn = false;
        if (!span.created) {
          span.created = true;
          created = true;
        }
        // the span may have been let go and read again meanwhile: both copies learn the ids
        const current = this.spans.get(start);
        for (const id of list) span.ids.add(id);
        if (current && current !== span) for (const id of list) current.ids.add(id);
      }),
    );
    if (created) await syncFolder(this.options.folder);
  }

  /** Deletes the span files older than retention; resolves how many. */
  async prune(): Promise<number> {
    const horizon = this.now() - this.options.retentionMs;
    let removed = 0;
    for (const start of await this.spanStarts()) {
      if (start + this.spanMs > horizon) continue;
      await fs.rm(this.file(start), { force: true });
      this.spans.delete(start);
      removed += 1;
    }
    return removed;
  }

  private spanStarts(): Promise<number[]> {
    return spanStarts(this.options.folder);
  }

  /** The span of the last id's time digits (ids come in runs of the same second). */
  private lastSpan = { time: '', start: 0 };

  /** The span an id falls in (ids without a readable time: the span at 1970, kept until pruned). */
  private spanOf(id: string): number {
    const time = id.slice(0, 17);
    if (time === this.lastSpan.time) return this.lastSpan.start;
    const ms = logIdTime(id) ?? 0;
    const start = Math.floor(ms / this.spanMs) * this.spanMs;
    this.lastSpan = { time, start };
    return start;
  }

  private file(start: number): string {
    return path.join(this.options.folder, `${logIdAt(start).slice(3, 17)}.ids`);
  }

  /** Spans being read from their files (one read per span, whoever asks). */
  private readonly loading = new Map<number, Promise<Span>>();

  /** The span, read from its file when not in memory; the least recently used one is let go. */
  private async span(start: number): Promise<Span> {
    const held = this.spans.get(start);
    if (held) {
      this.spans.delete(start);
      this.spans.set(start, held);
      return held;
    }
    let load = this.loading.get(start);
    if (!load) {
      load = readSpan(this.file(start)).then((span) => {
        this.spans.set(start, span);
        while (this.spans.size > this.loadedSpans) {
          const oldest = this.spans.keys().next().value as number;
          this.spans.delete(oldest);
        }
        return span;
      });
      this.loading.set(start, load);
      void load.then(
        () => this.loading.delete(start),
        () => this.loading.delete(start),
      );
    }
    return load;
  }
}

/** A span file's ids (lines of 56 digits; a line cut by a crash is ignored). */
async function readSpan(file: string): Promise<Span> {
  let text: string;
  try {
    text = await fs.readFile(file, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { ids: new LogIdSet(), torn: false, created: false };
    throw error;
  }
  const ids = LogIdSet.of(text.split('\n').filter((line) => /^\d{56}$/.test(line)));
  return { ids, torn: text.length > 0 && !text.endsWith('\n'), created: true };
}

/** The start (epoch ms) of each span file in `folder`, oldest first. */
async function spanStarts(folder: string): Promise<number[]> {
  const names = await fs.readdir(folder);
  return names
    .map((name) => SPAN_FILE.exec(name)?.[1])
    .filter((stamp): stamp is string => stamp !== undefined)
    .map((stamp) => logIdTime(`900${stamp}`.padEnd(56, '0')))
    .filter((start): start is number => start !== undefined)
    .sort((a, b) => a - b);
}

/**
 * The record of shipped ids in `folder`, read without changing anything (for `status`; it reads
 * every span file). `undefined` when there is no such folder (not a `receive` state).
 */
export async function shippedIdsSummary(folder: string): Promise<ShippedIdsSummary | undefined> {
  let starts: number[];
  try {
    starts = await spanStarts(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const spans: ShippedIdsSummary['spans'] = [];
  let newestLogId: string | null = null;
  let total = 0;
  for (const start of starts) {
    const { ids } = await readSpan(path.join(folder, `${logIdAt(start).slice(3, 17)}.ids`));
    spans.push({ start: new Date(start).toISOString(), ids: ids.size });
    total += ids.size;
    const newest = ids.max();
    if (newest !== null && (newestLogId === null || newest > newestLogId)) newestLogId = newest;
  }
  return { spans, ids: total, newestLogId };
}
