import { EventEmitter } from 'node:events';
import { LogsApiClient } from './client';
import { CLIENT_OPTION_KEYS, type LogsApiClientOptions } from './options/client';
import { checkedOptions, warnUnknownOptions } from './options/unknown-options';
import { DEFAULTS } from './defaults';
import { ArgumentError } from './errors';
import { scopedLogger } from './util/log';
import { createLogFilter, type LogFilter } from './pipeline/filter';
import { invalid, signalOption } from './options/check';
import { resolveStreamOptions, takeOption, type ResolvedStreamOptions } from './options/stream';
import { logPages, RATE_LIMIT_WARNING } from './pipeline/pages';
import type { CheckedPage, PageCounts, PagesStop } from './pipeline/types';
import { isTransient, type RetryPolicy, type Timing } from './pipeline/retry';
import type {
  LogEvent,
  LogsPage,
  Logger,
  RateLimits,
  RunWarning,
  StopReason,
  WaitEvent,
} from './types';

/** Options of {@link LogsApiStream}: the client's (or a ready `client`) and the paging ones. */
export interface LogsApiStreamOptions extends Partial<LogsApiClientOptions>, Partial<Timing> {
  /** A client to fetch with; when absent one is made from `domain`, `clientId`, `clientSecret`. */
  client?: LogsApiClient;
  /**
   * The 56-digit log id to continue after. Without it, paging starts at the oldest log the tenant
   * keeps. Anything else throws an `ArgumentError` naming `checkpointId`.
   */
  checkpointId?: string | null;
  /**
   * Log type codes to keep (filtered here: the API ignores `q` with a checkpoint); `'+code'` names
   * one the catalog does not know yet. Not an array (an object): ignored, as the original did.
   */
  types?: readonly string[];
  /**
   * Log Streams filter categories to keep (`auth.login.fail`, `user.fail`, ...; see
   * `LOG_CATEGORIES`), added to `types`; an unknown name throws an `ArgumentError` naming the nearest.
   */
  categories?: readonly string[] | string;
  /** Retries of a failed request, 0 to 100. @default 5 */
  maxRetries?: number;
  /** Retries and waits stop past `start + maxRunTimeSeconds`. @default 22 */
  maxRunTimeSeconds?: number;
  /** Epoch ms the run started. @default now */
  start?: number;
  /**
   * When the rate-limit bucket is empty: `true` waits for it while run time remains; `false` ends
   * the stream with `status.warning`, as the original did.
   * @default false
   */
  waitOnRateLimit?: boolean;
  /** Stops paging; an aborted stream ends without an error. */
  signal?: AbortSignal;
  /**
   * Called right before the stream waits, with why and for how long (`{ reason, ms }`, see
   * `WaitEvent`): `rate_limit` when the rate-limit bucket is empty (with `waitOnRateLimit`), `retry`
   * before a failed request is tried again. Waits of 0 ms are not reported; what the hook throws
   * is ignored.
   */
  onWait?: (event: WaitEvent) => void;
}

/** Every key of {@link LogsApiStreamOptions}, for the unknown-key warning (the compiler keeps it whole). */
const STREAM_OPTION_KEYS = {
  ...CLIENT_OPTION_KEYS,
  sleep: true,
  random: true,
  client: true,
  checkpointId: true,
  types: true,
  maxRetries: true,
  maxRunTimeSeconds: true,
  start: true,
  waitOnRateLimit: true,
  signal: true,
  onWait: true,
  categories: true,
} as const satisfies Record<keyof LogsApiStreamOptions, true>;

/** Events of {@link LogsApiStream}. */
export interface LogsApiStreamEvents {
  data: [page: LogsPage];
  end: [];
  error: [error: unknown];
}

/** The stream's run summary. */
export interface StreamStatus {
  startCheckpoint: string | null;
  start: Date;
  end: Date | null;
  logsProcessed: number;
  /** Why the stream ended early (the rate limit); the messages of `warnings`, joined. */
  warning?: string;
  /** The same warnings as a list with stable codes (see `RunWarning`); present with `warning`. */
  warnings?: RunWarning[];
  /** Why the stream ended; set when it ends. See {@link StopReason}. */
  stopReason?: StopReason;
  /** Logs at or below the checkpoint they were asked after (a replayed page): dropped. */
  logsReplayed?: number;
}

/** One fetched page, as {@link LogsApiStream.pages} yields it. */
export interface StreamPage extends LogsPage {
  /** The checkpoint after this page: its last log's id, filtered out or not. */
  checkpoint: string | null;
  /** Logs the API returned before filtering. */
  fetched: number;
}

/**
 * Pages through a tenant's logs from a checkpoint: a thin face over the one page source
 * (`logPages`). Use `next(n)` and the `data`/`end`/`error` events (the original API): every
 * `next()` is answered by exactly one event, and `end` only answers a `next()` that finds nothing
 * (or `done()`). Or iterate: `for await (const page of stream)`.
 */
export class LogsApiStream extends EventEmitter<LogsApiStreamEvents> {
  readonly client: LogsApiClient;
  readonly status: StreamStatus;
  /** Checkpoint after the last page handed out. */
  lastCheckpoint: string | null;
  /** Checkpoint at the last `batchSaved()`. */
  previousCheckpoint: string | null;
  /** Rate limits of the last response. */
  limits: RateLimits | undefined;

  private readonly o: ResolvedStreamOptions;
  private readonly filter: LogFilter | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly log: Logger;
  /** Built once: a fresh object literal per page costs V8 a new hidden class each time. */
  private readonly retryPolicy: RetryPolicy;
  private readonly counts: PageCounts = { requests: 0, fetched: 0, replayed: 0 };
  private source: AsyncGenerator<CheckedPage, PagesStop, number | undefined> | undefined;
  private lastBatch = 0;
  private ended = false;
  /** The last next() was answered with `error`. */
  private failed = false;
  private queue: Promise<void> = Promise.resolve();

  /** Throws an `ArgumentError` naming the first bad option. */
  constructor(options: LogsApiStreamOptions) {
    super();
    if (options === null || typeof options !== 'object')
      throw new ArgumentError('Must provide an options object', 'options');
    this.o = resolveStreamOptions(options);
    warnUnknownOptions('LogsApiStream', options, STREAM_OPTION_KEYS);
    this.signal = signalOption(options.signal);
    this.client =
      options.client ?? new LogsApiClient(checkedOptions(options) as LogsApiClientOptions);
    this.filter = createLogFilter(this.o.types, 0, this.o.categories);
    this.log = scopedLogger('stream', this.o.logger);
    this.retryPolicy = {
      now: this.o.now,
      sleep: this.o.sleep,
      random: this.o.random,
      retries: this.o.maxRetries,
      minDelayMs: DEFAULTS.minRetryDelayMs,
      maxDelayMs: DEFAULTS.maxRetryDelayMs,
      deadline: this.o.start + this.o.maxRunTimeSeconds * 1000,
      signal: this.signal,
      shouldRetry: isTransient,
      onWait: this.o.onWait,
      onRetry: (error, attempt, delay) =>
        this.log.debug(
          `Fetching logs failed (${(error as Error).message}); retry ${attempt} in ${delay} ms`,
        ),
    };
    this.lastCheckpoint = this.o.checkpoint;
    this.previousCheckpoint = this.o.checkpoint;
    this.status = {
      startCheckpoint: this.o.checkpoint,
      start: new Date(this.o.start),
      end: null,
      logsProcessed: 0,
    };
  }

  /**
   * Fetches `take` logs (several requests when over 100; logs filtered out by `types` count) and
   * answers with one event: `data`
   * with what was found, `end` when nothing was (caught up, out of run time or rate limit), or
   * `error`. A failed request leaves `lastCheckpoint` where it was; an `error` does not end the
   * stream (as the original): the next `next()` asks again from `lastCheckpoint`, and until one
   * succeeds `status.stopReason` is `'failed'` (kept by `done()`).
   */
  next(take: number = DEFAULTS.maxPageSize): void {
    this.queue = this.queue.then(() => this.readBatch(take));
  }

  /** Ends the stream: no more requests; `end` is emitted once. */
  done(): void {
    if (this.ended) return;
    this.stop(this.failed ? 'failed' : 'aborted');
    this.emit('end');
  }

  /** Marks the logs emitted since the last call as processed and moves `previousCheckpoint`. */
  batchSaved(): void {
    this.status.logsProcessed += this.lastBatch;
    this.previousCheckpoint = this.lastCheckpoint;
    this.lastBatch = 0;
  }

  /** True once the stream has ended. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Pages of up to `take` (at most 100) logs until the tenant has no more, time or the rate limit
   * runs out, or the signal aborts, fetching one page ahead. Each page counts in
   * `status.logsProcessed` and moves `lastCheckpoint` as it is handed out; no empty trailing page.
   * Throws the fetch or page-check error. The stream ends with it.
   * @throws ArgumentError at once for a `take` that is not a positive integer.
   */
  pages(take: number = DEFAULTS.maxPageSize): AsyncGenerator<StreamPage, void, undefined> {
    const size = Math.min(takeOption(take, DEFAULTS.maxPageSize), DEFAULTS.maxPageSize);
    return this.iterate(size);
  }

  /** `for await (const page of stream)`: the same as {@link pages}. */
  [Symbol.asyncIterator](): AsyncGenerator<StreamPage, void, undefined> {
    return this.pages();
  }

  private async *iterate(size: number): AsyncGenerator<StreamPage, void, undefined> {
    const source = this.sourceOf(size, true);
    try {
      while (!this.ended) {
        const next = await source.next(size);
        if (next.done) {
          this.stop(next.value);
          break;
        }
        const page = this.accept(next.value);
        this.batchSaved();
        yield page;
      }
    } catch (error) {
      this.stop('failed');
      throw error;
    } finally {
      this.stop('aborted');
      this.emit('end');
    }
  }

  private sourceOf(take: number, prefetch: boolean) {
    this.source ??= logPages({
      client: this.client,
      from: this.lastCheckpoint,
      take,
      filter: this.filter,
      retry: this.retryPolicy,
      waitOnRateLimit: this.o.waitOnRateLimit,
      prefetch,
      log: this.log,
      counts: this.counts,
    });
    return this.source;
  }

  /** Takes a checked page: the limits, the replay count and the checkpoint move with it. */
  private accept(page: CheckedPage): StreamPage {
    this.limits = page.limits;
    this.lastCheckpoint = page.checkpoint;
    this.lastBatch += page.logs.length;
    if (this.counts.replayed) this.status.logsReplayed = this.counts.replayed;
    return {
      logs: page.logs,
      limits: page.limits,
      checkpoint: page.checkpoint,
      fetched: page.fetched,
    };
  }

  private stop(reason: StopReason): void {
    if (this.ended) return;
    this.ended = true;
    this.status.end = new Date(this.o.now());
    this.status.stopReason = reason;
    if (reason === 'rate_limit') {
      this.status.warning = RATE_LIMIT_WARNING;
      this.status.warnings = [{ code: 'rate_limit', message: RATE_LIMIT_WARNING }];
    }
    void this.source?.return('aborted').catch(() => undefined);
  }

  private async readBatch(take: number): Promise<void> {
    if (!Number.isInteger(take) || take < 1) {
      // `invalid` shows the value as JSON: `got "50"` for a string, `got 50` for a number
      this.emit('error', invalid('take', 'a positive integer', take));
      return;
    }
    if (this.ended) return void this.emit('end');
    const source = this.sourceOf(Math.min(take, DEFAULTS.maxPageSize), false);
    const logs: LogEvent[] = [];
    let last: CheckedPage | undefined;
    let stopped: PagesStop | undefined;
    let fetched = 0;
    try {
      while (fetched < take) {
        const asked = Math.min(take - fetched, DEFAULTS.maxPageSize);
        const next = await source.next(asked);
        if (next.done) {
          stopped = next.value;
          break;
        }
        last = next.value;
        fetched += last.fetched - last.replayed;
        for (const log of last.logs) logs.push(log);
        if (last.fetched < asked) break;
      }
    } catch (error) {
      // As the original: an error does not end the stream. The status says it failed until a
      // later next() succeeds (it asks again from lastCheckpoint) or done() ends it.
      this.failed = true;
      this.status.stopReason = 'failed';
      void this.source?.return('aborted').catch(() => undefined);
      this.source = undefined;
      this.emit('error', error);
      return;
    }
    if (this.ended) return void this.emit('end');
    if (this.failed) {
      this.failed = false;
      delete this.status.stopReason;
    }
    if (last) {
      const page = this.accept(last);
      this.lastBatch += logs.length - page.logs.length;
      this.emit('data', { logs, limits: page.limits });
      if (stopped) this.stop(stopped);
      return;
    }
    this.stop(stopped ?? 'caught_up');
    this.emit('end');
  }
}
