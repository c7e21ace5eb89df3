import { createRunMetrics, type RunMetrics } from '../../cluster/metrics';
import { serveMetrics, type MetricsServer } from '../../cluster/metrics-server';
import type { WorkerHealth } from '../../cluster/health';
import { processWorkerId, runFacts, statusFailure } from '../../cluster/run-facts';
import type { RunRecord } from '../../cluster/run-record';
import { errorMessage } from '../../errors';
import type { RunProgress, RunResult } from '../../types';
import { textLine } from '../run-line';

/** How `ship --follow` is watched: run lines on stderr and a Prometheus endpoint (see `watchShip`). */
export interface WatchConfig {
  /** The tenant's domain: each line's and metric's `tenant`. */
  tenant: string;
  /** `--log-format`: `text` lines are written only off a terminal; `json` lines always. */
  logFormat: 'text' | 'json';
  /** `--follow`: lines and metrics are of `ship --follow` only. */
  follow: boolean;
  /** `--quiet`: no text lines (JSON lines, asked for by name, are still written). */
  quiet: boolean;
  /** Whether stderr is a terminal (where the progress line is drawn instead of text lines). */
  isTTY: boolean;
  /** `--interval` in seconds: a run going on longer than this gets a line every interval. */
  intervalSeconds: number;
  /** `--metrics-port` (0: a free one); absent: no metrics. */
  metricsPort?: number;
  /** `--metrics-host`. @default '127.0.0.1' */
  metricsHost?: string;
}

/** What the watch needs of the command: its clock and where a line goes (stderr, redacted). */
export interface WatchIo {
  now(): number;
  /** Writes one line (without its newline) to stderr, with every secret masked. */
  line(text: string): void;
}

/**
 * The watched face of `ship --follow`: one {@link RunRecord} per poll, and one every `--interval`
 * while a run catches up (`inProgress`), written as `serve` writes its runs (`--log-format text`
 * off a terminal, `json` anywhere) and counted in serve's Prometheus metrics on `--metrics-port`
 * (`/metrics`, and `/healthz`: 503 while the polls fail). The same shape and the same metric names
 * as `serve`, so one shipper is watched without Redis.
 */
export class ShipWatch {
  private runStart = 0;
  private lastLine = 0;
  private newest = Number.NaN;
  private failing: string | undefined;
  private stopping = false;
  private readonly worker = processWorkerId();
  /** Whether run lines are written. */
  readonly lines: boolean;

  /** The metrics server, when `--metrics-port` was given. */
  private server: MetricsServer | undefined;

  private constructor(
    private readonly config: WatchConfig,
    private readonly io: WatchIo,
    private readonly metrics: RunMetrics | undefined,
  ) {
    this.lines = config.follow && (config.logFormat === 'json' || (!config.quiet && !config.isTTY));
  }

  /**
   * Starts the watch: with `metricsPort`, makes the metrics and binds the server first, so a
   * missing `prom-client`, a bad address or a busy port fails before anything is fetched (the error
   * names the flags and what to do).
   */
  static async start(config: WatchConfig, io: WatchIo): Promise<ShipWatch> {
    if (config.metricsPort === undefined) return new ShipWatch(config, io, undefined);
    const metrics = await createRunMetrics();
    const host = config.metricsHost ?? '127.0.0.1';
    const watch = new ShipWatch(config, io, metrics);
    watch.server = await serveMetrics(
      metrics,
      config.metricsPort,
      () => watch.health(),
      host,
    ).catch((error: unknown) => {
      throw new Error(
        `cannot listen on ${host} port ${config.metricsPort} (--metrics-host, --metrics-port): ${errorMessage(error)}; give an address of this machine and a free port`,
      );
    });
    return watch;
  }

  /** `http://host:port/metrics` as the system bound it, when serving. */
  get metricsUrl(): string | undefined {
    if (!this.server) return undefined;
    const host = this.server.host.includes(':') ? `[${this.server.host}]` : this.server.host;
    return `http://${host}:${this.server.port}/metrics`;
  }

  /** What `/healthz` answers: 503 while stopping or after a failed poll, until one succeeds. */
  health(): WorkerHealth {
    const reasons: WorkerHealth['reasons'] = [];
    if (this.stopping) reasons.push({ code: 'stopping', message: 'stopping' });
    if (this.failing !== undefined)
      reasons.push({ code: 'tenants_failing', message: `the last poll failed: ${this.failing}` });
    return { ok: reasons.length === 0, reasons };
  }

  /** A poll starts. */
  startRun(): void {
    this.runStart = this.io.now();
    this.lastLine = this.runStart;
    this.newest = Number.NaN;
  }

  /** The processor's `onProgress`: a line once `--interval` passed since the last one. */
  progress(p: RunProgress): void {
    const date = p.newestLogDate === null ? Number.NaN : Date.parse(p.newestLogDate);
    if (!(date <= this.newest)) this.newest = date;
    const now = this.io.now();
    if (now - this.lastLine < this.config.intervalSeconds * 1000) return;
    this.report({
      ...this.base(now),
      inProgress: true,
      logsProcessed: p.logsProcessed,
      checkpoint: p.checkpoint,
      // a log dated after this machine's clock (a clock behind the tenant's) is no lag, as at the end
      ...(Number.isFinite(this.newest)
        ? { lagSeconds: Math.max(0, (now - this.newest) / 1000) }
        : {}),
    });
  }

  /**
   * A poll ended with `result`; when it failed, `failures` in a row and the wait before the next
   * try (`retryInMs`).
   */
  endRun(result: RunResult, retry?: { failures: number; retryInMs: number }): void {
    const now = this.io.now();
    const failed = statusFailure(result.status);
    this.failing = failed?.error;
    this.report({
      ...this.base(now),
      ...runFacts(result, 0, this.newest, now),
      ...failed,
      ...(retry ? { failures: retry.failures, retryInSeconds: retry.retryInMs / 1000 } : {}),
    });
  }

  /** Stops: `/healthz` answers 503 `stopping`, then the server closes. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.server?.close();
  }

  private base(now: number): Pick<RunRecord, 'time' | 'tenant' | 'worker' | 'durationMs'> {
    return {
      time: new Date(now).toISOString(),
      tenant: this.config.tenant,
      worker: this.worker,
      durationMs: now - this.runStart,
    };
  }

  private report(record: RunRecord): void {
    this.lastLine = this.io.now();
    this.metrics?.record(record);
    if (!this.lines) return;
    if (this.config.logFormat === 'json') this.io.line(JSON.stringify(record));
    // a failed poll has its own line already ("poll failed (n in a row): ...; retrying in ...")
    else if (record.error === undefined) this.io.line(textLine(record));
  }
}
