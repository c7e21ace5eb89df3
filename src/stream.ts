import { EventEmitter } from 'node:events';
import { LogsApiClient, type LogsApiClientOptions } from './client';
import { DEFAULTS } from './defaults';
import { ArgumentError, isAbortError } from './errors';
import { scopedLogger } from './log';
import { isLogId, logIdOf } from './log-id';
import { rateLimitWait as tenantRateLimitWait } from './rate-limits';
import { isTransient, systemTiming, withRetry, type RetryPolicy, type Timing } from './retry';
import type { LogEvent, LogsPage, Logger, RateLimits } from './types';

/** Options of {@link LogsApiStream}: the client's (or a ready `client`) and the paging ones. */
export interface LogsApiStreamOptions extends Partial<LogsApiClientOptions>, Partial<Timing> {
  /** A client to fetch with; when absent one is made from `domain`, `clientId`, `clientSecret`. */
  client?: LogsApiClient;
  /** Log id to continue after. Without it, paging starts at the oldest log the tenant keeps. */
  checkpointId?: string | null;
  /** Log type codes to keep (filtered here: the API ignores `q` with a checkpoint). */
  types?: readonly string[];
  /** Retries of a failed request. @default 5 */
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
}

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
  warning?: string;
}

/** One fetched page, as {@link LogsApiStream.pages} yields it. */
export interface StreamPage extends LogsPage {
  /** The checkpoint after this page: its last log's id, filtered out or not. */
  checkpoint: string | null;
  /** Logs the API returned before filtering. */
  fetched: number;
}

/**
 * Pages through a tenant's logs from a checkpoint. Use `next(n)` and the `data`/`end`/`error`
 * events (the original API), or `for await (const page of stream.pages())`.
 */
export class LogsApiStream extends EventEmitter<LogsApiStreamEvents> {
  readonly client: LogsApiClient;
  readonly status: StreamStatus;
  /** Checkpoint after the last page fetched. */
  lastCheckpoint: string | null;
  /** Checkpoint at the last `batchSaved()`. */
  previousCheckpoint: string | null;
  /** Rate limits of the last response. */
  limits: RateLimits | undefined;

  private readonly types: ReadonlySet<string> | undefined;
  private readonly maxRetries: number;
  private readonly deadline: number;
  private readonly timing: Timing;
  private readonly waitOnRateLimit: boolean;
  private readonly signal: AbortSignal | undefined;
  private readonly log: Logger;
  private lastBatch = 0;
  private responses = 0;
  private responseMs = 0;
  private ended = false;
  private queue: Promise<void> = Promise.resolve();
  /** Built once: a fresh object literal per page costs V8 a new hidden class each time. */
  private readonly retryPolicy: RetryPolicy;

  constructor(options: LogsApiStreamOptions) {
    super();
    if (options === null || typeof options !== 'object')
      throw new ArgumentError('Must provide an options object', 'options');
    const checkpoint = options.checkpointId ?? null;
    if (checkpoint !== null && !isLogId(checkpoint)) {
      throw new ArgumentError(
        `Expected \`checkpointId\` to be a log id (a string of digits), got ${JSON.stringify(checkpoint)}`,
        'checkpointId',
      );
    }
    if (
      options.types !== undefined &&
      (!Array.isArray(options.types) || !options.types.every((t) => typeof t === 'string'))
    ) {
      throw new ArgumentError('Expected `types` to be an array of log type codes', 'types');
    }
    this.maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) {
      throw new ArgumentError(
        `Expected \`maxRetries\` to be an integer >= 0, got ${String(options.maxRetries)}`,
        'maxRetries',
      );
    }
    const runTime = options.maxRunTimeSeconds ?? DEFAULTS.maxRunTimeSeconds;
    if (!(runTime > 0))
      throw new ArgumentError(
        `Expected \`maxRunTimeSeconds\` to be a positive number, got ${String(options.maxRunTimeSeconds)}`,
        'maxRunTimeSeconds',
      );
    this.client = options.client ?? new LogsApiClient(options as LogsApiClientOptions);
    this.timing = {
      now: options.now ?? systemTiming.now,
      sleep: options.sleep ?? systemTiming.sleep,
      random: options.random ?? systemTiming.random,
    };
    const start = options.start ?? this.timing.now();
    this.deadline = start + runTime * 1000;
    this.types = options.types?.length ? new Set(options.types) : undefined;
    this.waitOnRateLimit = options.waitOnRateLimit ?? false;
    this.signal = options.signal;
    this.log = scopedLogger('stream', options.logger);
    this.retryPolicy = {
      ...this.timing,
      retries: this.maxRetries,
      minDelayMs: DEFAULTS.minRetryDelayMs,
      maxDelayMs: DEFAULTS.maxRetryDelayMs,
      deadline: this.deadline,
      signal: this.signal,
      shouldRetry: isTransient,
      onRetry: (error, attempt, delay) =>
        this.log.debug(
          `Fetching logs failed (${(error as Error).message}); retry ${attempt} in ${delay} ms`,
        ),
    };
    this.lastCheckpoint = checkpoint;
    this.previousCheckpoint = checkpoint;
    this.status = {
      startCheckpoint: checkpoint,
      start: new Date(start),
      end: null,
      logsProcessed: 0,
    };
  }

  /** Fetches up to `take` logs (several requests when over 100) and emits one `data` event, or `end`. */
  next(take: number = DEFAULTS.maxPageSize): void {
    this.queue = this.queue.then(() => this.readBatch(take));
  }

  /** Ends the stream: no more requests; `end` is emitted. */
  done(): void {
    if (this.ended) return;
    this.ended = true;
    this.status.end = new Date(this.timing.now());
    this.emit('end');
  }

  /** Marks the logs emitted since the last call as processed and moves `previousCheckpoint`. */
  batchSaved(): void {
    this.status.logsProcessed += this.lastBatch;
    this.previousCheckpoint = this.lastCheckpoint;
    this.lastBatch = 0;
  }

  /** True while the stream may still fetch. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Pages of up to 100 logs until the tenant has no more, time or the rate limit runs out, or the
   * signal aborts, fetching one page ahead of the consumer. Throws the fetch error once its retries
   * are spent. The stream ends with it.
   */
  async *pages(take: number = DEFAULTS.maxPageSize): AsyncGenerator<StreamPage, void, undefined> {
    const size = Math.min(take, DEFAULTS.maxPageSize);
    try {
      let next = this.prefetch(size);
      while (!this.ended) {
        const page = await next;
        if (!page || page.fetched === 0) {
          if (page) yield page;
          break;
        }
        // The following page is fetched while the consumer works on this one.
        next = this.prefetch(size);
        yield page;
      }
    } finally {
      this.done();
    }
  }

  /** Starts fetching a page; a failure surfaces when the page is awaited, or nowhere if dropped. */
  private prefetch(take: number): Promise<StreamPage | undefined> {
    const page = this.fetchPage(take);
    page.catch(() => undefined);
    return page;
  }

  private async readBatch(take: number): Promise<void> {
    if (this.ended) return;
    if (!Number.isInteger(take) || take < 1) {
      this.emit(
        'error',
        new ArgumentError(
          `Expected \`take\` to be a positive integer, got ${String(take)}`,
          'take',
        ),
      );
      return;
    }
    const logs: LogEvent[] = [];
    let limits: RateLimits | undefined;
    let exhausted = false;
    try {
      while (logs.length < take) {
        const page = await this.fetchPage(Math.min(take - logs.length, DEFAULTS.maxPageSize));
        if (!page) {
          exhausted = true;
          break;
        }
        limits = page.limits;
        for (const log of page.logs) logs.push(log);
        if (page.fetched === 0) {
          exhausted = true;
          break;
        }
      }
    } catch (error) {
      this.ended = true;
      this.status.end = new Date(this.timing.now());
      this.emit('error', error);
      return;
    }
    if (limits && (logs.length > 0 || !exhausted)) this.emit('data', { logs, limits });
    if (exhausted) this.done();
  }

  /** One request (with retries); `undefined` when the stream must stop before it. */
  private async fetchPage(take: number): Promise<StreamPage | undefined> {
    if (this.ended || this.signal?.aborted) return undefined;
    if (!(await this.awaitCapacity())) return undefined;
    const from = this.lastCheckpoint;
    const query = from ? { from, take } : { per_page: take, page: 0, sort: 'date:1' };
    this.log.debug(
      from
        ? `Requesting ${take} logs from checkpoint ${from}`
        : `Requesting the ${take} oldest logs`,
    );
    let page: LogsPage;
    try {
      page = await withRetry(async () => {
        const started = this.timing.now();
        const result = await this.client.getLogs(query, this.signal ? { signal: this.signal } : {});
        this.responses += 1;
        this.responseMs += this.timing.now() - started;
        return result;
      }, this.retryPolicy);
    } catch (error) {
      if (isAbortError(error)) return undefined;
      throw error;
    }
    this.limits = page.limits;
    const raw = page.logs;
    const last = raw.length ? logIdOf(raw[raw.length - 1] as LogEvent) : undefined;
    if (last) this.lastCheckpoint = last;
    const types = this.types;
    const logs = types ? raw.filter((log) => types.has(log.type)) : raw;
    this.lastBatch += logs.length;
    return { logs, limits: page.limits, checkpoint: this.lastCheckpoint, fetched: raw.length };
  }

  /**
   * Before a request: is there time for one more (by the average response time), and is there
   * room in the rate-limit bucket, waiting for it when allowed?
   */
  private async awaitCapacity(): Promise<boolean> {
    const now = this.timing.now();
    const average = this.responses ? this.responseMs / this.responses : 0;
    if (this.deadline - now < average) {
      this.log.debug(
        `No run time left for another request (average response ${Math.round(average)} ms)`,
      );
      return false;
    }
    const limits = this.limits;
    if (!limits || !(limits.remaining < 1)) return true;
    const wait = tenantRateLimitWait(limits, this.client.tenantNow());
    if (!this.waitOnRateLimit || now + wait + average > this.deadline) {
      this.status.warning = 'Auth0 Management API rate limit reached.';
      return false;
    }
    this.log.debug(`Rate limit bucket is empty; waiting ${wait} ms`);
    await this.timing.sleep(wait, this.signal);
    return !this.signal?.aborted;
  }
}

/**
 * How long until the bucket holds one request again: the time to refill it whole, shared by the
 * requests it refills (the bucket refills evenly), or 1 s without a usable reset header.
 */
export function rateLimitWait(limits: RateLimits, now: number): number {
  if (!Number.isFinite(limits.reset)) return 1000;
  const toFull = Math.max(0, limits.reset * 1000 - now);
  const missing = Math.max(
    1,
    (Number.isFinite(limits.limit) ? limits.limit : 1) - Math.max(0, limits.remaining),
  );
  return Math.ceil(toFull / missing);
}
