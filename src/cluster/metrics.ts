import type * as PromClient from 'prom-client';
import { ArgumentError } from '../errors';
import type { RunRecord } from './run-record';

/**
 * What the metrics read of a run: the fields of a {@link RunRecord} they count. Any shipper that
 * reports its runs by tenant (serve's worker, `ship --follow`, a receiver) can feed them.
 */
export type MetricsRun = Pick<
  RunRecord,
  | 'tenant'
  | 'skipped'
  | 'inProgress'
  | 'stopReason'
  | 'logsProcessed'
  | 'logsSkipped'
  | 'logsDeadLettered'
  | 'error'
  | 'takeover'
  | 'lagSeconds'
  | 'warnings'
>;

/**
 * What a scrape needs of a prom-client `Registry` (declared here, so that a TypeScript user of
 * `auth0-log-tools/cluster` needs no prom-client types when not using metrics).
 */
export interface MetricsRegistry {
  /** The exposition text of every metric (prom-client `Registry.metrics()`). */
  metrics(): Promise<string>;
  /** Its `Content-Type`, e.g. `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
}

/**
 * The Prometheus metrics of shippers (prom-client), one label `tenant` per shipper, fed one
 * {@link MetricsRun} at a time: `serve` records each job of each tenant, `ship --follow` each
 * poll of its one tenant.
 */
export interface RunMetrics {
  /** The registry holding them (and prom-client's default process metrics): a prom-client `Registry`. */
  readonly registry: MetricsRegistry;
  /**
   * Counts a run (or a skipped job) of a tenant. A run reported while it goes on (`inProgress`,
   * its `logsProcessed` so far) counts its new logs and its lag at once; the record of its end
   * counts the rest and the run.
   */
  record(run: MetricsRun | RunRecord): void;
}

/** The metrics of a cluster worker: {@link RunMetrics} (the name `serve` has always used). */
export type ClusterMetrics = RunMetrics;

/**
 * Makes the metrics (needs the optional peer dependency `prom-client`; without it, throws an
 * `ArgumentError` naming it and the command that installs it, option `metricsPort`):
 * - `auth0_log_tools_logs_shipped_total{tenant}`: logs acknowledged by the destination;
 * - `auth0_log_tools_runs_total{tenant,stop_reason}`: runs ended, by `stopReason`;
 * - `auth0_log_tools_run_failures_total{tenant}`: runs that failed (`status.error`);
 * - `auth0_log_tools_lag_seconds{tenant}`: age of the newest shipped log at the end of the last run
 *   that shipped one, or at its last in-progress report (by the shipper's clock and the log's `date`);
 * - `auth0_log_tools_lease_takeovers_total{tenant}`: leases taken after the previous holder did not
 *   release them (it died);
 * - `auth0_log_tools_jobs_skipped_total{tenant,reason}`: jobs that ran nothing (`leased`: another
 *   worker runs the tenant; `backoff`: waiting after failures).
 * - `auth0_log_tools_logs_skipped_total{tenant}`: logs given up on (tenant `onBatchFailure: "skip"`);
 * - `auth0_log_tools_logs_dead_lettered_total{tenant}`: logs the destination refused for good,
 *   appended to the tenant's `deadLetter`.
 * - `auth0_log_tools_expired_spans_total{tenant}`: runs that started from a checkpoint older than
 *   the tenant keeps logs (warning `logs_expired`: logs may have expired unshipped).
 */
export async function createRunMetrics(): Promise<RunMetrics> {
  const prom = await loadPromClient('metricsPort');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const shipped = new prom.Counter({
    name: 'auth0_log_tools_logs_shipped_total',
    help: 'Logs acknowledged by the destination',
    labelNames: ['tenant'],
    registers,
  });
  const runs = new prom.Counter({
    name: 'auth0_log_tools_runs_total',
    help: 'Runs ended, by stop reason',
    labelNames: ['tenant', 'stop_reason'],
    registers,
  });
  const failures = new prom.Counter({
    name: 'auth0_log_tools_run_failures_total',
    help: 'Runs that failed',
    labelNames: ['tenant'],
    registers,
  });
  const lag = new prom.Gauge({
    name: 'auth0_log_tools_lag_seconds',
    help: 'Age of the newest shipped log at the end of the last run that shipped one',
    labelNames: ['tenant'],
    registers,
  });
  const takeovers = new prom.Counter({
    name: 'auth0_log_tools_lease_takeovers_total',
    help: 'Leases taken over from a holder that did not release them',
    labelNames: ['tenant'],
    registers,
  });
  const skipped = new prom.Counter({
    name: 'auth0_log_tools_jobs_skipped_total',
    help: 'Jobs that ran nothing: another worker holds the lease, or the tenant waits after failures',
    labelNames: ['tenant', 'reason'],
    registers,
  });
  const logsSkipped = new prom.Counter({
    name: 'auth0_log_tools_logs_skipped_total',
    help: 'Logs given up on after their retries (onBatchFailure skip)',
    labelNames: ['tenant'],
    registers,
  });
  const deadLettered = new prom.Counter({
    name: 'auth0_log_tools_logs_dead_lettered_total',
    help: 'Logs the destination refused for good, written to the dead letter',
    labelNames: ['tenant'],
    registers,
  });
  const expired = new prom.Counter({
    name: 'auth0_log_tools_expired_spans_total',
    help: 'Runs that started from a checkpoint older than the tenant keeps logs (logs may have expired unshipped)',
    labelNames: ['tenant'],
    registers,
  });
  // logs of each tenant's run in progress already counted (by its `inProgress` records)
  const counted = new Map<string, number>();
  return {
    registry,
    record(run) {
      const tenant = run.tenant;
      if (run.skipped) {
        skipped.inc({ tenant, reason: run.skipped });
        return;
      }
      const before = counted.get(tenant) ?? 0;
      shipped.inc({ tenant }, Math.max(0, run.logsProcessed - before));
      if (run.lagSeconds !== undefined) lag.set({ tenant }, run.lagSeconds);
      if (run.inProgress) {
        counted.set(tenant, Math.max(before, run.logsProcessed));
        return;
      }
      counted.delete(tenant);
      logsSkipped.inc({ tenant }, run.logsSkipped ?? 0);
      deadLettered.inc({ tenant }, run.logsDeadLettered ?? 0);
      runs.inc({ tenant, stop_reason: run.stopReason ?? 'failed' });
      if (run.error) failures.inc({ tenant });
      if (run.takeover) takeovers.inc({ tenant });
      if (run.warnings?.some((warning) => warning.code === 'logs_expired')) expired.inc({ tenant });
    },
  };
}

/** {@link createRunMetrics}, by the name `serve` has always used. */
export const createClusterMetrics: () => Promise<ClusterMetrics> = createRunMetrics;

/**
 * prom-client, the optional peer dependency the metrics need (its CommonJS or ES module face).
 * @throws ArgumentError naming `option` when it is not installed
 */
export async function loadPromClient(option: string): Promise<typeof PromClient> {
  try {
    const mod = (await import('prom-client')) as typeof PromClient & {
      default?: typeof PromClient;
    };
    return mod.Registry ? mod : (mod.default as typeof PromClient);
  } catch (error) {
    throw new ArgumentError(
      'Metrics need the optional peer dependency prom-client: npm install prom-client',
      option,
      { cause: error },
    );
  }
}
